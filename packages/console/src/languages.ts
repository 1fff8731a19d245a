// What the admin and the account console share about languages: the four they speak, and
// which one a visitor starts in.

export const LANGUAGE_CODES = ['en', 'de', 'nl', 'fr'] as const;
export type Language = (typeof LANGUAGE_CODES)[number];

/** The switcher's choices, each named in its own language. */
export const LANGUAGES: Array<[Language, string]> = [['en', 'English'], ['de', 'Deutsch'], ['nl', 'Nederlands'], ['fr', 'Français']];

const known = (tag: string | null | undefined): tag is Language => !!tag && (LANGUAGE_CODES as readonly string[]).includes(tag);

/** The language picked before (kept under `stored`), else the first of the browser's there is (de-AT counts as de), else English. */
export function initialLanguage(stored: string): Language {
  const picked = localStorage.getItem(stored);
  if (known(picked)) return picked;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = tag.toLowerCase().split('-')[0];
    if (known(primary)) return primary;
  }
  return 'en';
}
