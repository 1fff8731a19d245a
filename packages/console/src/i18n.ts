// The console's language: one typed message catalogue per language (messages/*.tsx), chosen
// from the browser's languages unless the administrator picked one with the switcher.
// English is in the bundle; another language's catalogue is a chunk of its own, loaded
// when chosen, so the console grows by the languages it is used in only.
import { initialLanguage, type Language } from './languages';
import { en, type Messages } from './messages/en';

export { LANGUAGES, type Language } from './languages';

const CATALOGUES = {
  en: async () => en,
  de: async () => (await import('./messages/de')).de,
  nl: async () => (await import('./messages/nl')).nl,
  fr: async () => (await import('./messages/fr')).fr,
} satisfies Record<Language, () => Promise<Messages>>;
const STORED = 'latchkey.console.language';
const initial = () => initialLanguage(STORED);

export let language: Language = 'en';
/** The messages of the current language: a live binding, so a re-render after loadLanguage reads the new ones. */
export let t: Messages = en;

/** Loads the language's catalogue and makes it the current one. */
async function loadLanguage(next: Language): Promise<void> {
  t = await CATALOGUES[next]();
  language = next;
  document.documentElement.lang = next;
  document.title = t.boot.title;
}

/** The language the console starts in, loaded. */
export const startLanguage = () => loadLanguage(initial());

/** The administrator's choice: used now, and at the next visit. */
export async function pickLanguage(next: Language): Promise<void> {
  await loadLanguage(next);
  localStorage.setItem(STORED, next);
}
