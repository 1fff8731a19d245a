// The account console's language: the user's pick (the switcher), else the browser's first
// that the console has, else English. The catalogues are small: all four are in the bundle.
import { de } from './messages/de';
import { en, type Messages } from './messages/en';
import { fr } from './messages/fr';
import { nl } from './messages/nl';

const CATALOGUES = { en, de, nl, fr } satisfies Record<string, Messages>;
export type Language = keyof typeof CATALOGUES;
export const LANGUAGES: Array<[Language, string]> = [['en', 'English'], ['de', 'Deutsch'], ['nl', 'Nederlands'], ['fr', 'Français']];

const STORED = 'latchkey.account.language';
const known = (tag: string | null | undefined): tag is Language => !!tag && Object.hasOwn(CATALOGUES, tag);

function initial(): Language {
  const picked = localStorage.getItem(STORED);
  if (known(picked)) return picked;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = tag.toLowerCase().split('-')[0];
    if (known(primary)) return primary;
  }
  return 'en';
}

export let language: Language = 'en';
/** The current language's messages: a live binding, so a re-render after pickLanguage reads the new ones. */
export let t: Messages = en;

export function pickLanguage(next: Language, remember = true): void {
  language = next;
  t = CATALOGUES[next];
  document.documentElement.lang = next;
  document.title = t.title;
  if (remember) localStorage.setItem(STORED, next);
}

pickLanguage(initial(), false);

/** A time (milliseconds since the epoch) in the current language. */
export const at = (ms: number) => new Date(ms).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });
