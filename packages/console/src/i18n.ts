// The console's language: one typed message catalogue per language (messages/*.tsx), chosen
// from the browser's languages unless the administrator picked one with the switcher.
// English is in the bundle; another language's catalogue is a chunk of its own, loaded
// when chosen, so the console grows by the languages it is used in only.
import { en, type Messages } from './messages/en';

const CATALOGUES = {
  en: async () => en,
  de: async () => (await import('./messages/de')).de,
  nl: async () => (await import('./messages/nl')).nl,
  fr: async () => (await import('./messages/fr')).fr,
} satisfies Record<string, () => Promise<Messages>>;
export type Language = keyof typeof CATALOGUES;

/** The switcher's choices, each named in its own language. */
export const LANGUAGES: Array<[Language, string]> = [['en', 'English'], ['de', 'Deutsch'], ['nl', 'Nederlands'], ['fr', 'Français']];

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
