import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { go, href } from '../router';
import type { BruteForceRep, ClientRep, CredentialRep, GroupRep, SessionRep, UserRep } from '../types';
import { CheckField, ConfirmButton, Loading, Notice, SelectField, Tabs, TextField, at, messageOf, useLoad, useSave, type Errors } from '../ui';
import { allGroups } from './groups';
import { RoleMappings } from './role-mappings';

export function UsersPage({ realm }: { realm: string }) {
  const [search, setSearch] = useState('');
  const users = useLoad(() => api.get<UserRep[]>(`${path('realms', realm, 'users')}?max=100${search ? `&search=${encodeURIComponent(search)}` : ''}`), [realm, search]);
  return (
    <section>
      <div className="page-head">
        <h1>Users</h1>
        <a className="button" href={href(realm, 'users', 'new')}>Create user</a>
      </div>
      <div className="toolbar">
        <input type="search" aria-label="Search users" placeholder="Search by username, email or name" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {users.error ? <Notice kind="error">{users.error}</Notice> : null}
      {users.data ? (
        <table className="list">
          <thead><tr><th>Username</th><th>Email</th><th>Name</th><th>Status</th></tr></thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id}>
                <td><a href={href(realm, 'users', u.id)}>{u.username}</a></td>
                <td>{u.email ?? <span className="muted">—</span>}{u.email && u.emailVerified ? <span className="badge on small">verified</span> : null}</td>
                <td>{[u.firstName, u.lastName].filter(Boolean).join(' ') || <span className="muted">—</span>}</td>
                <td><span className={`badge ${u.enabled ? 'on' : 'off'}`}>{u.enabled ? 'Enabled' : 'Disabled'}</span></td>
              </tr>
            ))}
            {users.data.length === 0 ? <tr><td colSpan={4} className="muted">No users{search ? ` match “${search}”` : ''}.</td></tr> : null}
          </tbody>
        </table>
      ) : users.loading ? <Loading /> : null}
    </section>
  );
}

const TABS: Array<[string, string]> = [['details', 'Details'], ['credentials', 'Credentials'], ['roles', 'Role mapping'], ['groups', 'Groups'], ['sessions', 'Sessions']];

export function UserPage({ realm, id, tab }: { realm: string; id: string; tab: string }) {
  const user = useLoad(() => (id === 'new' ? Promise.resolve(undefined) : api.get<UserRep>(path('realms', realm, 'users', id))), [realm, id]);
  if (id === 'new') {
    return (
      <section>
        <p className="crumbs"><a href={href(realm, 'users')}>Users</a> ›</p>
        <h1>Create user</h1>
        <UserForm realm={realm} onSaved={(newId) => go(realm, 'users', newId)} />
      </section>
    );
  }
  if (user.error) return <Notice kind="error">{user.error}</Notice>;
  if (!user.data) return <Loading what="the user" />;
  const u = user.data;
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'users')}>Users</a> ›</p>
      <div className="page-head">
        <h1>{u.username} <small className="muted">{[u.firstName, u.lastName].filter(Boolean).join(' ')}</small></h1>
        <div className="head-badges">
          <span className={`badge ${u.enabled ? 'on' : 'off'}`}>{u.enabled ? 'Enabled' : 'Disabled'}</span>
          {u.requiredActions?.includes('UPDATE_PASSWORD') ? <span className="badge off" title="The password is temporary">Chooses a new password at the next sign-in</span> : null}
          {u.requiredActions?.includes('CONFIGURE_TOTP') ? <span className="badge off">Sets up an authenticator app at the next sign-in</span> : null}
          <button type="button" className="secondary" onClick={async () => {
            await api.put(path('realms', realm, 'users', id), { enabled: !u.enabled });
            user.reload();
          }}>{u.enabled ? 'Disable' : 'Enable'}</button>
          <ConfirmButton label="Delete" title={`Delete user ${u.username}?`} confirmLabel="Delete user"
            message={<p>The user, their password, sessions, tokens, roles and group memberships are deleted. This cannot be undone.</p>}
            onConfirm={async () => { await api.delete(path('realms', realm, 'users', id)); go(realm, 'users'); }} />
        </div>
      </div>
      {u.serviceAccountClientId ? <ServiceAccountOf realm={realm} clientId={u.serviceAccountClientId} /> : null}
      <Tabs base={[realm, 'users', id]} tabs={TABS} current={tab} />
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
  return <Notice>The service account of {client ? <a href={href(realm, 'clients', client.id)}>{clientId}</a> : clientId}: the client application acts as this user under client credentials.</Notice>;
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
        return 'Saved.';
      }
      onSaved(await api.create(path('realms', realm, 'users'), { ...body, ...(d.password ? { credentials: [{ type: 'password', value: d.password, temporary: false }] } : {}) }));
      return 'Created.';
    }, USER_FIELDS, () => {
      const errors: Errors = {};
      if (!d.username.trim()) errors.username = 'Enter a username.';
      if (d.email.trim() && !/^[^\s@]+@[^\s@]+$/.test(d.email.trim())) errors.email = 'Enter an email address such as ada@example.com.';
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
    <form className="form" onSubmit={submit} noValidate aria-label="User">
      <Notice kind="error">{e['']}</Notice>
      <div className="grid">
        <TextField label="Username" name="username" required value={d.username} onChange={set('username')} error={e.username} autoComplete="off" />
        <TextField label="Email" name="email" type="email" value={d.email} onChange={set('email')} error={e.email} autoComplete="off" />
        <TextField label="First name" name="firstName" value={d.firstName} onChange={set('firstName')} error={e.firstName} />
        <TextField label="Last name" name="lastName" value={d.lastName} onChange={set('lastName')} error={e.lastName} />
      </div>
      <div className="checks">
        <CheckField label="Enabled" name="enabled" checked={d.enabled} onChange={set('enabled')} hint="A disabled user cannot sign in." />
        <CheckField label="Email verified" name="emailVerified" checked={d.emailVerified} onChange={set('emailVerified')} />
      </div>
      {!user ? <TextField label="Password" name="password" type="password" autoComplete="new-password" value={d.password} onChange={set('password')}
        error={e.password} hint="Optional: set one later on the Credentials tab." /> : null}
      <div className="actions"><button type="submit" disabled={save.busy}>{user ? 'Save' : 'Create'}</button><Notice kind="success">{save.saved}</Notice></div>
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
      return temporary ? 'Temporary password set.' : 'Password set.';
    }, { value: 'password' }, () => {
      if (!password) return { password: 'Enter a password.' };
      if (password !== again) return { again: 'The two passwords differ.' };
      return {};
    });
    if (ok) { setPassword(''); setAgain(''); credentials.reload(); }
  };
  return (
    <div>
      <h2>Password</h2>
      {credentials.error ? <Notice kind="error">{credentials.error}</Notice> : !credentials.data || credentials.loading ? <Loading /> : (
        <p className="password-status" data-password={current ? (current.temporary ? 'temporary' : 'set') : 'none'}>
          {!current ? <>No password is set: {user.username} cannot sign in with a password.</>
            : current.temporary ? <><span className="badge off">Temporary</span> A temporary password, set {at(current.createdDate)}: {user.username} chooses a new one at the next sign-in.</>
              : <><span className="badge on">Set</span> A password is set, since {at(current.createdDate)}.</>}
        </p>
      )}
      <form className="form" onSubmit={submit} noValidate aria-label="Set password">
        <h2>{current ? 'Set a new password' : 'Set password'}</h2>
        <Notice kind="error">{save.errors['']}</Notice>
        <div className="grid">
          <TextField label="New password" name="password" type="password" autoComplete="new-password" value={password} onChange={setPassword} error={save.errors.password} />
          <TextField label="New password again" name="again" type="password" autoComplete="new-password" value={again} onChange={setAgain} error={save.errors.again} />
        </div>
        <CheckField label="Temporary" name="temporary" checked={temporary} onChange={setTemporary}
          hint="The user signs in with it once, then chooses a new password before going on." />
        <div className="actions"><button type="submit" disabled={save.busy}>Set password</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
      <SecondFactors realm={realm} user={user} credentials={(credentials.data ?? []).filter((c) => c.type !== 'password')} onChanged={credentials.reload} />
      <h2>Failed sign-ins</h2>
      {brute.data ? (
        <div className="brute">
          <p>{brute.data.numFailures === 0 ? 'No failed sign-ins.' : `${brute.data.numFailures} failed sign-in${brute.data.numFailures === 1 ? '' : 's'}, the last at ${at(brute.data.lastFailure)}.`}
            {brute.data.disabled ? <b> The user is locked out for now.</b> : null}</p>
          {brute.data.numFailures > 0 ? (
            <ConfirmButton label="Forget failed sign-ins" className="secondary" title="Forget the failed sign-ins?" confirmLabel="Forget them"
              message={<p>The count starts again from zero{brute.data.disabled ? ', and the user may sign in at once' : ''}.</p>}
              onConfirm={async () => { await api.delete(path('realms', realm, 'attack-detection', 'brute-force', 'users', user.id)); brute.reload(); }} />
          ) : null}
        </div>
      ) : brute.error ? <Notice kind="error">{brute.error}</Notice> : <Loading />}
    </div>
  );
}

const FACTOR_NAMES: Record<string, string> = { otp: 'Authenticator app', 'recovery-authn-codes': 'Recovery codes' };

/** The user's one-time code generators and recovery codes: what they are, and a way to remove each. */
function SecondFactors({ realm, user, credentials, onChanged }: { realm: string; user: UserRep; credentials: CredentialRep[]; onChanged: () => void }) {
  const remaining = (c: CredentialRep) => (c.type === 'recovery-authn-codes' && c.credentialData ? ` (${JSON.parse(c.credentialData).remainingCodes} left)` : '');
  return (
    <>
      <h2>Second factors</h2>
      {credentials.length === 0 ? <p className="muted">None: {user.username} signs in with a password alone.</p> : (
        <table className="list" aria-label="Second factors">
          <thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Added</th><th scope="col">Remove</th></tr></thead>
          <tbody>
            {credentials.map((c) => (
              <tr key={c.id} data-credential={c.type}>
                <td>{FACTOR_NAMES[c.type] ?? c.type}{remaining(c)}</td>
                <td>{c.userLabel ?? ''}</td>
                <td>{at(c.createdDate)}</td>
                <td>
                  <ConfirmButton label="Remove" className="secondary" title={`Remove this ${(FACTOR_NAMES[c.type] ?? c.type).toLowerCase()}?`} confirmLabel="Remove"
                    message={<p>{user.username} no longer signs in with it{c.type === 'otp' ? ', and sets up another app if the realm requires one' : ''}.</p>}
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
        <thead><tr><th>Group</th><th /></tr></thead>
        <tbody>
          {(mine.data ?? []).map((g) => (
            <tr key={g.id}><td><a href={href(realm, 'groups', g.id)}>{g.path}</a></td>
              <td className="row-actions"><button type="button" className="secondary small" onClick={() => void change('delete', g.id)}>Leave</button></td></tr>
          ))}
          {mine.data?.length === 0 ? <tr><td colSpan={2} className="muted">Not a member of any group.</td></tr> : null}
        </tbody>
      </table>
      <div className="inline-add">
        <SelectField label="Join a group" name="group" value={choice} onChange={setChoice}
          options={[['', 'Choose a group…'], ...(all.data ?? []).filter((g) => !member.has(g.id)).map((g): [string, string] => [g.id, g.path])]} />
        <button type="button" className="secondary" disabled={!choice} onClick={() => void change('put', choice)}>Join</button>
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
        <p className="lead">Where {user.username} is signed in. Signing a session out ends it: its refresh tokens stop working, and so do its access tokens at userinfo and the admin API.</p>
        <ConfirmButton label="Sign out everywhere" title={`Sign ${user.username} out everywhere?`} confirmLabel="Sign out everywhere"
          disabled={!sessions.data?.length}
          message={<p>Every session of {user.username} ends, offline sessions too. They sign in again next time.</p>}
          onConfirm={async () => { await api.post(path('realms', realm, 'users', user.id, 'logout')); setDone('Signed out everywhere.'); sessions.reload(); }} />
      </div>
      <Notice kind="success">{done}</Notice>
      {sessions.error ? <Notice kind="error">{sessions.error}</Notice> : null}
      {sessions.data ? (
        <table className="list sessions">
          <thead><tr><th>Started</th><th>Last access</th><th>Client applications</th><th /></tr></thead>
          <tbody>
            {sessions.data.map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td className="nowrap">{at(s.start)}</td>
                <td className="nowrap">{at(s.lastAccess)}</td>
                <td>{Object.entries(s.clients).map(([id, clientId]) => <a key={id} className="chip-link" href={href(realm, 'clients', id)}>{clientId}</a>)}
                  {Object.keys(s.clients).length === 0 ? <span className="muted">—</span> : null}</td>
                <td className="row-actions">
                  <ConfirmButton label="Sign out" className="danger small" title="Sign this session out?" confirmLabel="Sign out"
                    message={<p>The session started {at(s.start)} ends.</p>}
                    onConfirm={async () => { await api.delete(path('realms', realm, 'sessions', s.id)); setDone('Session signed out.'); sessions.reload(); }} />
                </td>
              </tr>
            ))}
            {sessions.data.length === 0 ? <tr><td colSpan={4} className="muted">Not signed in anywhere.</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
    </div>
  );
}
