// What the page suites check of a page's layout in Chromium, measured from the page itself:
// it fits the viewport (no sideways scrolling of the document), its text reaches WCAG AA
// contrast (1.4.3), and its input borders and focus rings 3:1 (1.4.11), from computed styles.
import assert from 'node:assert/strict';
import type { Page } from './browser.js';

export const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

export type Viewport = (typeof VIEWPORTS)[number];

export const LANGUAGES = [
  { locale: 'en-US', lang: 'en' },
  { locale: 'de-DE', lang: 'de' },
] as const;

/** The document is no wider than the viewport: nothing to scroll sideways. */
export async function assertFits(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${what}: the page is ${scrollWidth} px wide in a ${innerWidth} px viewport`);
}

/** The element is on screen, wholly within the viewport's width. */
export async function assertWithinViewport(page: Page, selector: string, what: string): Promise<void> {
  const box = await page.locator(selector).boundingBox();
  const width = await page.evaluate(() => window.innerWidth);
  assert.ok(box, `${what}: ${selector} is not shown`);
  assert.ok(box.x >= 0 && box.x + box.width <= width, `${what}: ${selector} spans ${box.x}–${box.x + box.width} px of ${width}`);
}

/**
 * In the page: contrast of colours as computed styles give them. The background an element
 * shows is composed from its ancestors' (translucent ones blended over what lies below); a
 * gradient counts as each of its colours, the worst one deciding.
 */
const IN_PAGE = String.raw`
const parse = (c) => {
  const m = /rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:\s*[,/]\s*([\d.]+))?\)/.exec(c);
  return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : undefined;
};
const over = (top, below) => {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + below[i] * (1 - a)).concat(1);
};
const lum = (c) => {
  const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
/** The colours an element's background may show: its own over its ancestors'. */
const backgrounds = (el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    const gradient = (s.backgroundImage.match(/rgba?\([^)]*\)/g) || []).map(parse).filter(Boolean);
    const colour = parse(s.backgroundColor);
    layers.push({ gradient, colour });
    if ((colour && colour[3] === 1) || gradient.some((g) => g[3] === 1)) break;
  }
  let below = [[255, 255, 255, 1]];
  for (const layer of layers.reverse()) {
    if (layer.gradient.length) below = layer.gradient.flatMap((g) => below.map((b) => over(g, b)));
    if (layer.colour && layer.colour[3] > 0) below = below.map((b) => over(layer.colour, b));
  }
  return below;
};
const opacity = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= +getComputedStyle(e).opacity; return o; };
const visible = (el) => {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
};
const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const worst = (fg, el) => Math.min(...backgrounds(el).map((bg) => ratio(over(fg, bg), bg)));
`;

export interface ContrastProblem { element: string; text: string; ratio: number; needed: number }

/** Text below AA: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold). Disabled controls are exempt. */
export async function textContrastProblems(page: Page): Promise<ContrastProblem[]> {
  return page.evaluate(`(() => { ${IN_PAGE}
    const problems = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (!visible(el) || el.closest('[disabled], [aria-hidden="true"], option, script, style')) continue;
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join(' ').trim();
      const value = (el.tagName === 'INPUT' && ['text', 'search', 'email', 'submit'].includes(el.type) || el.tagName === 'SELECT') ? (el.value || '') : '';
      const text = own || value;
      if (!text) continue;
      const s = getComputedStyle(el);
      const colour = parse(s.color);
      if (!colour) continue;
      const fg = [colour[0], colour[1], colour[2], colour[3] * opacity(el)];
      const size = parseFloat(s.fontSize);
      const large = size >= 24 || (size >= 18.66 && +s.fontWeight >= 700);
      const needed = large ? 3 : 4.5;
      const r = worst(fg, el);
      if (r < needed) problems.push({ element: describe(el), text: text.slice(0, 40), ratio: Math.round(r * 100) / 100, needed });
    }
    return problems;
  })()`);
}

/** The borders of text inputs and selects against the background around them: 3:1. */
export async function borderContrastProblems(page: Page, selector = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=file]), select, textarea'): Promise<ContrastProblem[]> {
  return page.evaluate(`(() => { ${IN_PAGE}
    const problems = [];
    for (const el of document.querySelectorAll(${JSON.stringify(selector)})) {
      if (!visible(el) || el.disabled) continue;
      const s = getComputedStyle(el);
      if (s.borderTopStyle === 'none' || parseFloat(s.borderTopWidth) === 0) { problems.push({ element: describe(el), text: 'no border', ratio: 0, needed: 3 }); continue; }
      const r = worst(parse(s.borderTopColor), el.parentElement);
      if (r < 3) problems.push({ element: describe(el), text: s.borderTopColor, ratio: Math.round(r * 100) / 100, needed: 3 });
    }
    return problems;
  })()`);
}

/**
 * Focuses the element by keyboard-like focus and measures its focus indicator against the
 * background around it: an outline (or a solid box-shadow ring) of at least 3:1.
 */
export async function focusRingRatio(page: Page, selector: string): Promise<number> {
  await page.locator(selector).first().focus();
  // Transitions (a border or ring fading in) end before the styles are read.
  await page.waitForFunction((sel) => document.activeElement === document.querySelector(sel), selector);
  await settled(page);
  return page.evaluate(`(() => { ${IN_PAGE}
    const el = document.activeElement;
    const s = getComputedStyle(el);
    const colour = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1 ? parse(s.outlineColor)
      : parse((s.boxShadow.match(/rgba?\([^)]*\)/) || [])[0] || '');
    if (!colour) return 0;
    return Math.round(worst(colour, el.parentElement) * 100) / 100;
  })()`);
}

/** No transition or animation running: computed styles are the final ones. */
const settled = (page: Page) => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

/** Every check of a page's colours at once, failing with what fell short. */
export async function assertContrast(page: Page, what: string, focusable: string[]): Promise<void> {
  // Colours fading from one scheme or state to the next are measured once they arrive.
  await settled(page);
  assert.deepEqual(await textContrastProblems(page), [], `${what}: text below WCAG AA`);
  assert.deepEqual(await borderContrastProblems(page), [], `${what}: input borders below 3:1`);
  for (const selector of focusable) {
    const r = await focusRingRatio(page, selector);
    assert.ok(r >= 3, `${what}: the focus ring of ${selector} is ${r}:1`);
  }
}
