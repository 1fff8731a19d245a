import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { t } from '../i18n';
import { go, href } from '../router';
import type { BruteForceRep, ClientRep, CredentialRep, GroupRep, SessionRep, UserRep } from '../types';
import { CheckField, ConfirmButton, Loading, Notice, SelectField, Tabs, TextField, at, messageOf, useLoad, useSave, type Errors } from '../ui';
import { allGroups } from './groups';
import { RoleMappings } from './role-mappings';

export function UsersPage({ realm }: { realm: string }) {
  const [search, setSearch] = useState('');
  // Latchkey's secondFactor filter: '' for everyone, 'true' for users with a second factor, 'false' for those without.
  const [secondFactor, setSecondFactor] = useState('');
  const q = new URLSearchParams({ max: '100', ...(search ? { search } : {}), ...(secondFactor ? { secondFactor } : {}) });
  const users = useLoad(() => api.get<UserRep[]>(`${path('realms', realm, 'users')}?${q}`), [realm, q.toString()]);
  return (
    <section>
      <div className="page-head">
        <h1>{t.users.title}</h1>
        <a className="button" href={href(realm, 'users', 'new')}>{t.users.create}</a>
      </div>
      <div className="toolbar">
        <input type="search" aria-label={t.users.search} placeholder={t.users.searchPlaceholder} value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label={t.users.secondFactorFilter} name="secondFactor" value={secondFactor} onChange={(e) => setSecondFactor(e.target.value)}>
          <option value="">{t.users.anySecondFactor}</option>
          <option value="true">{t.users.withSecondFactor}</option>
          <option value="false">{t.users.withoutSecondFactor}</option>
        </select>
      </div>
      {users.error ? <Notice kind="error">{users.error}</Notice> : null}
      {users.data ? (
        <table className="list">
          <thead><tr><th>{t.users.username}</th><th>{t.users.email}</th><th>{t.common.name}</th><th>{t.common.status}</th></tr></thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id}>
                <td><a href={href(realm, 'users', u.id)}>{u.username}</a>{u.totp ? <span className="badge on small">{t.users.otpBadge}</span> : null}</td>
                <td>{u.email ?? <span className="muted">—</span>}{u.email && u.emailVerified ? <span className="badge on small">{t.users.verified}</span> : null}</td>
                <td>{[u.firstName, u.lastName].filter(Boolean).join(' ') || <span className="muted">—</span>}</td>
                <td><span className={`badge ${u.enabled ? 'on' : 'off'}`}>{u.enabled ? t.common.enabled : t.common.disabled}</span></td>
              </tr>
            ))}
            {users.data.length === 0 ? <tr><td colSpan={4} className="muted">{t.users.empty(search)}</td></tr> : null}
          </tbody>
        </table>
      ) : users.loading ? <Loading /> : null}
    </section>
  );
}

const tabs = (): Array<[string, string]> => [
  ['details', t.users.tabs.details], ['credentials', t.users.tabs.credentials], ['roles', t.users.tabs.roles], ['groups', t.users.tabs.groups], ['sessions', t.users.tabs.sessions],
];

export function UserPage({ realm, id, tab }: { realm: string; id: string; tab: string }) {
  const user = useLoad(() => (id === 'new' ? Promise.resolve(undefined) : api.get<UserRep>(path('realms', realm, 'users', id))), [realm, id]);
  if (id === 'new') {
    return (
      <section>
        <p className="crumbs"><a href={href(realm, 'users')}>{t.users.title}</a> ›</p>
        <h1>{t.users.create}</h1>
        <UserForm realm={realm} onSaved={(newId) => go(realm, 'users', newId)} />
      </section>
    );
  }
  if (user.error) return <Notice kind="error">{user.error}</Notice>;
  if (!user.data) return <Loading what={t.users.theUser} />;
  const u = user.data;
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'users')}>{t.users.title}</a> ›</p>
      <div className="page-head">
        <h1>{u.username} <small className="muted">{[u.firstName, u.lastName].filter(Boolean).join(' ')}</small></h1>
        <div className="head-badges">
          <span className={`badge ${u.enabled ? 'on' : 'off'}`}>{u.enabled ? t.common.enabled : t.common.disabled}</span>
          {u.requiredActions?.includes('UPDATE_PASSWORD') ? <span className="badge off" title={t.users.temporaryTitle}>{t.users.choosesNew}</span> : null}
          {u.requiredActions?.includes('CONFIGURE_TOTP') ? <span className="badge off">{t.users.configureTotp}</span> : null}
          {u.requiredActions?.includes('VERIFY_EMAIL') ? <span className="badge off">{t.users.verifyEmail}</span> : null}
          <button type="button" className="secondary" onClick={async () => {
            await api.put(path('realms', realm, 'users', id), { enabled: !u.enabled });
            user.reload();
          }}>{u.enabled ? t.users.disable : t.users.enable}</button>
          <ConfirmButton label={t.common.delete} title={t.users.deleteTitle(u.username)} confirmLabel={t.users.deleteConfirm}
            message={<p>{t.users.deleteMessage}</p>}
            onConfirm={async () => { await api.delete(path('realms', realm, 'users', id)); go(realm, 'users'); }} />
        </div>
      </div>
      {u.serviceAccountClientId ? <ServiceAccountOf realm={realm} clientId={u.serviceAccountClientId} /> : null}
      <Tabs base={[realm, 'users', id]} tabs={tabs()} current={tab} />
      <div className="tab-body">
        {tab === 'details' ? <UserForm key={`${u.id}-${u.enabled}`} realm={realm} user={u} onSaved={() => user.reload()} /> : null}
        {tab === 'credentials' ? <Credentials realm={realm} user={u} onChanged={() => user.reload()} /> : null}
        {tab === 'roles' ? <RoleMappings realm={realm} holder={path('realms', realm, 'users', id)} /> : null}
        {tab === 'groups' ? <UserGroups realm={realm} user={u} /> : null}
        {tab === 'sessions' ? <Sessions realm={realm} user={u} /> : null}
      </div>
    </section>
  );
}

function ServiceAccountOf({ realm, clientId }: { realm: string; clientId: string }) {
  const clients = useLoad(() => api.get<ClientRep[]>(`${path('realms', realm, 'clients')}?clientId=${encodeURIComponent(clientId)}`), [realm, clientId]);
  const client = clients.data?.[0];
  return <Notice>{t.users.serviceAccountOf(client ? <a href={href(realm, 'clients', client.id)}>{clientId}</a> : clientId)}</Notice>;
}

const USER_FIELDS = { username: 'username', email: 'email', firstName: 'firstName', lastName: 'lastName', 'credentials[0].value': 'password' };

function UserForm({ realm, user, onSaved }: { realm: string; user?: UserRep; onSaved: (id: string) => void }) {
  const [d, setDraft] = useState({
    username: user?.username ?? '', email: user?.email ?? '', firstName: user?.firstName ?? '', lastName: user?.lastName ?? '',
    enabled: user?.enabled ?? true, emailVerified: user?.emailVerified ?? false, password: '',
  });
  const save = useSave();
  const set = <K extends keyof typeof d>(key: K) => (value: (typeof d)[K]) => setDraft((old) => ({ ...old, [key]: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      const body = {
        username: d.username.trim(), email: d.email.trim(), firstName: d.firstName, lastName: d.lastName, enabled: d.enabled, emailVerified: d.emailVerified,
      };
      if (user) {
        await api.put(path('realms', realm, 'users', user.id), body);
        onSaved(user.id);
        return t.common.saved;
      }
      onSaved(await api.create(path('realms', realm, 'users'), { ...body, ...(d.password ? { credentials: [{ type: 'password', value: d.password, temporary: false }] } : {}) }));
      return t.common.created;
    }, USER_FIELDS, () => {
      const errors: Errors = {};
      if (!d.username.trim()) errors.username = t.users.usernameMissing;
      if (d.email.trim() && !/^[^\s@]+@[^\s@]+$/.test(d.email.trim())) errors.email = t.users.emailBad;
      return errors;
    });
  };
  const e = { ...save.errors };
  // A conflict names the username or the email in its message.
  if (e[''] && /same (username|email)/.test(e[''])) {
    e[/same email/.test(e['']) ? 'email' : 'username'] = e[''];
    delete e[''];
  }
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={t.users.formLabel}>
      <Notice kind="error">{e['']}</Notice>
      <div className="grid">
        <TextField label={t.users.username} name="username" required value={d.username} onChange={set('username')} error={e.username} autoComplete="off" />
        <TextField label={t.users.email} name="email" type="email" value={d.email} onChange={set('email')} error={e.email} autoComplete="off" />
        <TextField label={t.users.firstName} name="firstName" value={d.firstName} onChange={set('firstName')} error={e.firstName} />
        <TextField label={t.users.lastName} name="lastName" value={d.lastName} onChange={set('lastName')} error={e.lastName} />
      </div>
      <div className="checks">
        <CheckField label={t.common.enabled} name="enabled" checked={d.enabled} onChange={set('enabled')} hint={t.users.enabledHint} />
        <CheckField label={t.users.emailVerified} name="emailVerified" checked={d.emailVerified} onChange={set('emailVerified')} />
      </div>
      {!user ? <TextField label={t.users.password} name="password" type="password" autoComplete="new-password" value={d.password} onChange={set('password')}
        error={e.password} hint={t.users.passwordHint} /> : null}
      <div className="actions"><button type="submit" disabled={save.busy}>{user ? t.common.save : t.common.create}</button><Notice kind="success">{save.saved}</Notice></div>
    </form>
  );
}

function Credentials({ realm, user, onChanged }: { realm: string; user: UserRep; onChanged: () => void }) {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [temporary, setTemporary] = useState(false);
  const save = useSave();
  const brute = useLoad(() => api.get<BruteForceRep>(path('realms', realm, 'attack-detection', 'brute-force', 'users', user.id)), [realm, user.id]);
  const credentials = useLoad(() => api.get<CredentialRep[]>(path('realms', realm, 'users', user.id, 'credentials')), [realm, user.id]);
  const current = credentials.data?.find((c) => c.type === 'password');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await save.run(async () => {
      await api.put(path('realms', realm, 'users', user.id, 'reset-password'), { type: 'password', value: password, temporary });
      onChanged();
      return temporary ? t.credentials.temporarySet : t.credentials.set;
    }, { value: 'password' }, () => {
      if (!password) return { password: t.credentials.missing };
      if (password !== again) return { again: t.credentials.differ };
      return {};
    });
    if (ok) { setPassword(''); setAgain(''); credentials.reload(); }
  };
  return (
    <div>
      <h2>{t.users.password}</h2>
      {credentials.error ? <Notice kind="error">{credentials.error}</Notice> : !credentials.data || credentials.loading ? <Loading /> : (
        <p className="password-status" data-password={current ? (current.temporary ? 'temporary' : 'set') : 'none'}>
          {!current ? t.credentials.none(user.username)
            : current.temporary ? <><span className="badge off">{t.credentials.temporary}</span> {t.credentials.isTemporary(at(current.createdDate), user.username)}</>
              : <><span className="badge on">{t.credentials.setBadge}</span> {t.credentials.isSet(at(current.createdDate))}</>}
        </p>
      )}
      <form className="form" onSubmit={submit} noValidate aria-label={t.credentials.setPassword}>
        <h2>{current ? t.credentials.setNew : t.credentials.setPassword}</h2>
        <Notice kind="error">{save.errors['']}</Notice>
        <div className="grid">
          <TextField label={t.credentials.newPassword} name="password" type="password" autoComplete="new-password" value={password} onChange={setPassword} error={save.errors.password} />
          <TextField label={t.credentials.again} name="again" type="password" autoComplete="new-password" value={again} onChange={setAgain} error={save.errors.again} />
        </div>
        <CheckField label={t.credentials.temporary} name="temporary" checked={temporary} onChange={setTemporary}
          hint={t.credentials.temporaryHint} />
        <div className="actions"><button type="submit" disabled={save.busy}>{t.credentials.setPassword}</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
      <SecondFactors realm={realm} user={user} credentials={(credentials.data ?? []).filter((c) => c.type !== 'password')} onChanged={credentials.reload} />
      <h2>{t.credentials.failed}</h2>
      {brute.data ? (
        <div className="brute">
          <p>{brute.data.numFailures === 0 ? t.credentials.noFailures : t.credentials.failures(brute.data.numFailures, at(brute.data.lastFailure))}
            {brute.data.disabled ? <b> {t.credentials.lockedOut}</b> : null}</p>
          {brute.data.numFailures > 0 ? (
            <ConfirmButton label={t.credentials.forget} className="secondary" title={t.credentials.forgetTitle} confirmLabel={t.credentials.forgetConfirm}
              message={<p>{t.credentials.forgetMessage(brute.data.disabled)}</p>}
              onConfirm={async () => { await api.delete(path('realms', realm, 'attack-detection', 'brute-force', 'users', user.id)); brute.reload(); }} />
          ) : null}
        </div>
      ) : brute.error ? <Notice kind="error">{brute.error}</Notice> : <Loading />}
    </div>
  );
}

/** The user's one-time code generators, recovery codes, security keys and passkeys: what they are, and a way to remove each. */
function SecondFactors({ realm, user, credentials, onChanged }: { realm: string; user: UserRep; credentials: CredentialRep[]; onChanged: () => void }) {
  const remaining = (c: CredentialRep) => (c.type === 'recovery-authn-codes' && c.credentialData ? ` (${t.factors.left(JSON.parse(c.credentialData).remainingCodes)})` : '');
  return (
    <>
      <h2>{t.factors.title}</h2>
      {credentials.length === 0 ? <p className="muted">{t.factors.none(user.username)}</p> : (
        <table className="list" aria-label={t.factors.title}>
          <thead><tr><th scope="col">{t.factors.kind}</th><th scope="col">{t.common.name}</th><th scope="col">{t.factors.added}</th><th scope="col">{t.common.remove}</th></tr></thead>
          <tbody>
            {credentials.map((c) => (
              <tr key={c.id} data-credential={c.type}>
                <td>{t.factors.names[c.type] ?? c.type}{remaining(c)}</td>
                <td>{c.userLabel ?? ''}</td>
                <td>{at(c.createdDate)}</td>
                <td>
                  <ConfirmButton label={t.common.remove} className="secondary" title={t.factors.removeTitle[c.type] ?? t.factors.removeOther(c.type)} confirmLabel={t.common.remove}
                    message={<p>{t.factors.removeMessage(user.username, c.type === 'otp')}</p>}
                    onConfirm={async () => { await api.delete(path('realms', realm, 'users', user.id, 'credentials', c.id)); onChanged(); }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function UserGroups({ realm, user }: { realm: string; user: UserRep }) {
  const mine = useLoad(() => api.get<GroupRep[]>(path('realms', realm, 'users', user.id, 'groups')), [realm, user.id]);
  const all = useLoad(() => allGroups(realm), [realm]);
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<string>();
  const member = new Set((mine.data ?? []).map((g) => g.id));
  const change = async (method: 'put' | 'delete', groupId: string) => {
    setError(undefined);
    try {
      if (method === 'put') await api.put(path('realms', realm, 'users', user.id, 'groups', groupId), {});
      else await api.delete(path('realms', realm, 'users', user.id, 'groups', groupId));
      setChoice('');
      mine.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <div>
      <Notice kind="error">{error ?? mine.error}</Notice>
      <table className="list">
        <thead><tr><th>{t.groups.group}</th><th /></tr></thead>
        <tbody>
          {(mine.data ?? []).map((g) => (
            <tr key={g.id}><td><a href={href(realm, 'groups', g.id)}>{g.path}</a></td>
              <td className="row-actions"><button type="button" className="secondary small" onClick={() => void change('delete', g.id)}>{t.users.leave}</button></td></tr>
          ))}
          {mine.data?.length === 0 ? <tr><td colSpan={2} className="muted">{t.users.noGroups}</td></tr> : null}
        </tbody>
      </table>
      <div className="inline-add">
        <SelectField label={t.users.joinGroup} name="group" value={choice} onChange={setChoice}
          options={[['', t.users.chooseGroup], ...(all.data ?? []).filter((g) => !member.has(g.id)).map((g): [string, string] => [g.id, g.path])]} />
        <button type="button" className="secondary" disabled={!choice} onClick={() => void change('put', choice)}>{t.users.join}</button>
      </div>
    </div>
  );
}

function Sessions({ realm, user }: { realm: string; user: UserRep }) {
  const sessions = useLoad(() => api.get<SessionRep[]>(path('realms', realm, 'users', user.id, 'sessions')), [realm, user.id]);
  const [done, setDone] = useState<string>();
  return (
    <div>
      <div className="page-head">
        <p className="lead">{t.sessions.lead(user.username)}</p>
        <ConfirmButton label={t.sessions.everywhere} title={t.sessions.everywhereTitle(user.username)} confirmLabel={t.sessions.everywhere}
          disabled={!sessions.data?.length}
          message={<p>{t.sessions.everywhereMessage(user.username)}</p>}
          onConfirm={async () => { await api.post(path('realms', realm, 'users', user.id, 'logout')); setDone(t.sessions.everywhereDone); sessions.reload(); }} />
      </div>
      <Notice kind="success">{done}</Notice>
      {sessions.error ? <Notice kind="error">{sessions.error}</Notice> : null}
      {sessions.data ? (
        <table className="list sessions">
          <thead><tr><th>{t.sessions.started}</th><th>{t.sessions.lastAccess}</th><th>{t.clients.title}</th><th /></tr></thead>
          <tbody>
            {sessions.data.map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td className="nowrap">{at(s.start)}</td>
                <td className="nowrap">{at(s.lastAccess)}</td>
                <td>{Object.entries(s.clients).map(([id, clientId]) => <a key={id} className="chip-link" href={href(realm, 'clients', id)}>{clientId}</a>)}
                  {Object.keys(s.clients).length === 0 ? <span className="muted">—</span> : null}</td>
                <td className="row-actions">
                  <ConfirmButton label={t.shell.signOut} className="danger small" title={t.sessions.oneTitle} confirmLabel={t.shell.signOut}
                    message={<p>{t.sessions.oneMessage(at(s.start))}</p>}
                    onConfirm={async () => { await api.delete(path('realms', realm, 'sessions', s.id)); setDone(t.sessions.oneDone); sessions.reload(); }} />
                </td>
              </tr>
            ))}
            {sessions.data.length === 0 ? <tr><td colSpan={4} className="muted">{t.sessions.none}</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
    </div>
  );
}
