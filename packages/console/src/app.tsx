import { useEffect, useState } from 'react';
import { api } from './api';
import { signOut, type Session } from './auth';
import { LANGUAGES, language, pickLanguage, t, type Language } from './i18n';
import { go, href, useRoute } from './router';
import type { RealmRep } from './types';
import { Notice, displayName, useLoad } from './ui';
import { ClientScopesPage } from './pages/client-scopes';
import { ClientPage, ClientsPage } from './pages/clients';
import { EventsPage } from './pages/events';
import { GroupsPage } from './pages/groups';
import { IdentityProvidersPage } from './pages/identity-providers';
import { ClientPoliciesPage } from './pages/client-policies';
import { KeysPage } from './pages/keys';
import { NewRealmPage, RealmSettingsPage } from './pages/realm';
import { RolesPage } from './pages/roles';
import { UserPage, UsersPage } from './pages/users';

const SECTIONS = ['clients', 'client-scopes', 'users', 'roles', 'groups', 'identity-providers', 'settings', 'keys', 'client-policies', 'events'] as const;

export function App({ session }: { session: Session }) {
  const route = useRoute();
  const [realm, section = 'clients', id, tab] = route;
  const realms = useLoad(() => api.get<RealmRep[]>('/realms'), []);
  const [changed, setChanged] = useState(0);
  // Every page reads the catalogue as it renders: a new language (key) renders them all anew.
  const [lang, setLang] = useState<Language>(language);

  useEffect(() => {
    if (!realm && realms.data?.length) go(realms.data.find((r) => r.realm === 'master')?.realm ?? realms.data[0].realm, 'clients');
  }, [realm, realms.data]);
  useEffect(() => { if (changed) realms.reload(); }, [changed]);

  const current = realms.data?.find((r) => r.realm === realm);
  let page;
  if (!realm || realms.loading && !realms.data) page = null;
  else if (realms.error) page = <Notice kind="error">{realms.error}</Notice>;
  else if (section === 'new-realm') page = <NewRealmPage onCreated={() => setChanged((c) => c + 1)} />;
  else if (!current) page = <Notice kind="error">{t.shell.noRealm(realm)}</Notice>;
  else if (section === 'clients') page = id ? <ClientPage realm={realm} id={id} tab={tab ?? 'form'} /> : <ClientsPage realm={realm} />;
  else if (section === 'client-scopes') page = <ClientScopesPage realm={realm} id={id} tab={tab} />;
  else if (section === 'users') page = id ? <UserPage realm={realm} id={id} tab={tab ?? 'details'} /> : <UsersPage realm={realm} />;
  else if (section === 'roles') page = <RolesPage realm={realm} name={id} />;
  else if (section === 'groups') page = <GroupsPage realm={realm} id={id} />;
  else if (section === 'identity-providers') page = <IdentityProvidersPage realm={realm} alias={id} />;
  else if (section === 'settings') page = <RealmSettingsPage realm={current} onChanged={() => setChanged((c) => c + 1)} />;
  else if (section === 'keys') page = <KeysPage realm={realm} />;
  else if (section === 'client-policies') page = <ClientPoliciesPage realm={realm} />;
  else if (section === 'events') page = <EventsPage realm={realm} tab={id ?? 'login'} />;
  else page = <Notice kind="error">{t.shell.nothingHere(section)}</Notice>;

  return (
    <div className="shell" key={lang}>
      <header className="topbar">
        <a className="brand" href={href(realm ?? 'master', 'clients')}>Latchkey <span>{t.shell.adminConsole}</span></a>
        <label className="realm-switcher">
          <span>{t.shell.realm}</span>
          <select aria-label={t.shell.realm} value={section === 'new-realm' ? '' : realm ?? ''} onChange={(e) => {
            if (e.target.value === '') go(realm ?? 'master', 'new-realm');
            else go(e.target.value, section === 'new-realm' ? 'clients' : section);
          }}>
            {(realms.data ?? []).map((r) => <option key={r.id} value={r.realm}>{displayName(r.displayName, r.realm)}{r.displayName && !/^\$\{/.test(r.displayName) && r.displayName !== r.realm ? ` (${r.realm})` : ''}</option>)}
            <option value="">{t.shell.createRealm}</option>
          </select>
        </label>
        <div className="who">
          <span title={session.userId}>{session.username}</span>
          <select className="language" aria-label={t.shell.language} value={lang} onChange={(e) => {
            const next = e.target.value as Language;
            void pickLanguage(next).then(() => setLang(next));
          }}>
            {LANGUAGES.map(([code, name]) => <option key={code} value={code}>{name}</option>)}
          </select>
          <button type="button" className="secondary small" onClick={() => void signOut()}>{t.shell.signOut}</button>
        </div>
      </header>
      <div className="body">
        <nav className="sidebar" aria-label={t.shell.sections}>
          {SECTIONS.map((s) => (
            <a key={s} href={href(realm ?? 'master', s)} className={s === section ? 'active' : undefined}
              aria-current={s === section ? 'page' : undefined}>{t.shell.section[s]}</a>
          ))}
        </nav>
        <main className="content">{page}</main>
      </div>
    </div>
  );
}
