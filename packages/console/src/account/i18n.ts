// The account console's language: the user's pick (the switcher), else the browser's first
// that the console has, else English. The catalogues are small: all four are in the bundle.
import { de } from './messages/de';
import { en, type Messages } from './messages/en';
import { fr } from './messages/fr';
import { nl } from './messages/nl';
import { initialLanguage, type Language } from '../languages';

export { LANGUAGES, type Language } from '../languages';

const CATALOGUES = { en, de, nl, fr } satisfies Record<Language, Messages>;
const STORED = 'latchkey.account.language';

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

pickLanguage(initialLanguage(STORED), false);

/** A time (milliseconds since the epoch) in the current language. */
export const at = (ms: number) => new Date(ms).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });
