import { useEffect, useState, type ReactElement } from 'react';
import type { Session } from '../oidc';
import { oidc, realmName } from './auth';
import { LANGUAGES, language, pickLanguage, t, type Language } from './i18n';
import { ApplicationsPage, DevicesPage, LinkedAccountsPage, PersonalInfoPage, SigningInPage } from './pages';

const SECTIONS = ['personal-info', 'signing-in', 'device-activity', 'linked-accounts', 'applications'] as const;
type Section = (typeof SECTIONS)[number];

const sectionOf = (hash: string): Section => {
  const name = hash.replace(/^#\/?/, '').split('/')[0];
  return (SECTIONS as readonly string[]).includes(name) ? name as Section : 'personal-info';
};

/** The account console: a section per page of Keycloak's, chosen in the menu (the address's #/section). */
export function AccountApp({ session, actionStatus }: { session: Session; actionStatus?: string }) {
  const [section, setSection] = useState<Section>(sectionOf(window.location.hash));
  const [lang, setLang] = useState<Language>(language);
  useEffect(() => {
    const follow = () => setSection(sectionOf(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  const pages: Record<Section, ReactElement> = {
    'personal-info': <PersonalInfoPage />,
    'signing-in': <SigningInPage actionStatus={actionStatus} />,
    'device-activity': <DevicesPage />,
    'linked-accounts': <LinkedAccountsPage />,
    applications: <ApplicationsPage />,
  };
  return (
    <div className="account" key={lang}>
      <header className="account-top">
        <span className="account-brand">{realmName}</span>
        <span className="account-who" id="account-username">{session.username}</span>
        <label className="account-language">
          <span className="sr-only">{t.language}</span>
          <select id="account-language" value={lang} aria-label={t.language}
            onChange={(e) => { pickLanguage(e.target.value as Language); setLang(e.target.value as Language); }}>
            {LANGUAGES.map(([code, name]) => <option key={code} value={code}>{name}</option>)}
          </select>
        </label>
        <button type="button" className="secondary" id="account-sign-out" onClick={() => void oidc.signOut()}>{t.signOut}</button>
      </header>
      <nav className="account-nav" aria-label={t.menu}>
        <ul>
          {SECTIONS.map((s) => (
            <li key={s}><a id={`nav-${s}`} href={`#/${s}`} aria-current={s === section ? 'page' : undefined}>{t.sections[s]}</a></li>
          ))}
        </ul>
      </nav>
      <main className="account-main" id="account-main">
        <h1 id="account-page-title">{t.sections[section]}</h1>
        {pages[section]}
      </main>
    </div>
  );
}
