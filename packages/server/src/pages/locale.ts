// Picks the language a page is rendered in: what the client asked for
// (ui_locales), then what the browser prefers (Accept-Language), then the
// realm's default, then English.

export interface LocaleInputs {
  /** OIDC ui_locales: space-separated BCP 47 tags, most preferred first. */
  uiLocales?: string;
  /** The Accept-Language request header. */
  acceptLanguage?: string;
  /** The realm's default locale. */
  realmDefault?: string;
  /** The locales the theme has catalogues for. */
  supported: readonly string[];
}

// Headers are attacker-controlled: only this many entries are looked at.
const MAX_TAGS = 32;
const TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

/** The supported locale a tag maps to: exact match first (ignoring case), then its primary language subtag. */
function match(tag: string, supported: readonly string[]): string | undefined {
  if (!TAG.test(tag)) return undefined;
  const lower = tag.toLowerCase();
  const exact = supported.find((s) => s.toLowerCase() === lower);
  if (exact) return exact;
  const primary = lower.split('-')[0];
  return supported.find((s) => s.toLowerCase() === primary);
}

/** Accept-Language entries ordered by quality (RFC 9110 §12.5.4), ties kept in header order; q=0 and * dropped. */
function acceptLanguageTags(header: string): string[] {
  const entries: Array<{ tag: string; q: number; index: number }> = [];
  for (const [index, part] of header.split(',').slice(0, MAX_TAGS).entries()) {
    const [rawTag, ...params] = part.split(';');
    const tag = rawTag.trim();
    if (!tag || tag === '*') continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim());
      if (name?.toLowerCase() === 'q') {
        q = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value ?? '') ? Number(value) : 0;
      }
    }
    if (q > 0) entries.push({ tag, q, index });
  }
  entries.sort((a, b) => b.q - a.q || a.index - b.index);
  return entries.map((e) => e.tag);
}

export function resolveLocale({ uiLocales, acceptLanguage, realmDefault, supported }: LocaleInputs): string {
  if (uiLocales) {
    for (const tag of uiLocales.trim().split(/\s+/).slice(0, MAX_TAGS)) {
      const found = match(tag, supported);
      if (found) return found;
    }
  }
  if (acceptLanguage) {
    for (const tag of acceptLanguageTags(acceptLanguage)) {
      const found = match(tag, supported);
      if (found) return found;
    }
  }
  if (realmDefault) {
    const found = match(realmDefault, supported);
    if (found) return found;
  }
  return 'en';
}
