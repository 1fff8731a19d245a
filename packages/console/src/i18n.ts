// The console's language: one typed message catalogue per language (messages/*.ts), chosen
// from the browser's languages unless the administrator picked one with the switcher.
import { de } from './messages/de';
import { en, type Messages } from './messages/en';

const CATALOGUES = { en, de } satisfies Record<string, Messages>;
export type Language = keyof typeof CATALOGUES;

/** The switcher's choices, each named in its own language. */
export const LANGUAGES: Array<[Language, string]> = [['en', 'English'], ['de', 'Deutsch']];

const STORED = 'latchkey.console.language';
const known = (tag: string | null | undefined): tag is Language => !!tag && Object.hasOwn(CATALOGUES, tag);

/** The picked language, else the first of the browser's the console has (de-AT counts as de), else English. */
function initial(): Language {
  const picked = localStorage.getItem(STORED);
  if (known(picked)) return picked;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = tag.toLowerCase().split('-')[0];
    if (known(primary)) return primary;
  }
  return 'en';
}

export let language: Language = initial();
/** The messages of the current language: a live binding, so a re-render after setLanguage reads the new ones. */
export let t: Messages = CATALOGUES[language];
document.documentElement.lang = language;

export function setLanguage(next: Language): void {
  language = next;
  t = CATALOGUES[next];
  document.documentElement.lang = next;
  localStorage.setItem(STORED, next);
}
