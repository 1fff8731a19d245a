import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { go, href } from '../router';
import type { ClientRep, ConsentTexts, CustomResource, SecretRep, UserRep } from '../types';
import {
  CheckField, ConfirmButton, ListField, Loading, Notice, SelectField, Tabs, TextField, displayName, duration, useLoad, useSave,
  when, type Errors,
} from '../ui';
import { RoleList } from './roles';

const OIDC = 'latchkey.oidc';
const API_ACCESS = 'latchkey.api.access';
const LANGUAGES = ['en', 'de', 'nl', 'fr'];
const ALGS: Array<[string, string]> = [['', 'The realm\'s default'], ['RS256', 'RS256'], ['ES256', 'ES256'], ['EdDSA', 'EdDSA']];

export function ClientsPage({ realm }: { realm: string }) {
  const [search, setSearch] = useState('');
  const clients = useLoad(() => api.get<ClientRep[]>(`${path('realms', realm, 'clients')}${search ? `?search=true&clientId=${encodeURIComponent(search)}` : ''}`), [realm, search]);
  return (
    <section>
      <div className="page-head">
        <h1>Client applications</h1>
        <a className="button" href={href(realm, 'clients', 'new')}>Create client application</a>
      </div>
      <p className="lead">Applications that sign users in (OpenID Connect) or call APIs, on a user's behalf or as themselves.</p>
      <div className="toolbar">
        <input type="search" aria-label="Search client applications" placeholder="Search by client ID" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {clients.error ? <Notice kind="error">{clients.error}</Notice> : null}
      {clients.data ? (
        <table className="list">
          <thead><tr><th>Client ID</th><th>Title</th><th>Type</th><th>Grant types</th><th>Status</th></tr></thead>
          <tbody>
            {clients.data.map((c) => (
              <tr key={c.id}>
                <td><a href={href(realm, 'clients', c.id)}>{c.clientId}</a></td>
                <td>{displayName(c.name, '')}</td>
                <td>{c.publicClient ? 'Public' : 'Confidential'}</td>
                <td>{grantSummary(c)}</td>
                <td><span className={`badge ${c.enabled ? 'on' : 'off'}`}>{c.enabled ? 'Enabled' : 'Disabled'}</span></td>
              </tr>
            ))}
            {clients.data.length === 0 ? <tr><td colSpan={5} className="muted">No client applications{search ? ` match “${search}”` : ''}.</td></tr> : null}
          </tbody>
        </table>
      ) : clients.loading ? <Loading /> : null}
    </section>
  );
}

function grantSummary(c: ClientRep): string {
  const grants = [
    c.standardFlowEnabled && 'authorization code',
    c.serviceAccountsEnabled && !c.publicClient && 'client credentials',
    c.directAccessGrantsEnabled && 'password',
    c.implicitFlowEnabled && 'implicit',
  ].filter(Boolean);
  return grants.join(', ') || 'none';
}

// The redirects are on the Form tab: a client is not set up without them. A public client has
// no secrets, so no Secrets tab.
const tabsOf = (c: ClientRep): Array<[string, string]> => [
  ['form', 'Form'], ...(c.publicClient ? [] : [['secrets', 'Secrets'] as [string, string]]),
  ['translations', 'Default resource translation'], ['resources', 'Custom resources'], ['roles', 'Roles'],
];

export function ClientPage({ realm, id, tab }: { realm: string; id: string; tab: string }) {
  const client = useLoad(() => (id === 'new' ? Promise.resolve(undefined) : api.get<ClientRep>(path('realms', realm, 'clients', id))), [realm, id]);
  if (id === 'new') {
    return (
      <section>
        <p className="crumbs"><a href={href(realm, 'clients')}>Client applications</a> ›</p>
        <h1>Create client application</h1>
        <ClientForm realm={realm} onSaved={(newId) => go(realm, 'clients', newId, 'form')} />
      </section>
    );
  }
  if (client.error) return <Notice kind="error">{client.error}</Notice>;
  if (!client.data) return <Loading what="the client application" />;
  const c = client.data;
  const base = [realm, 'clients', id];
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'clients')}>Client applications</a> ›</p>
      <div className="page-head">
        <h1>{displayName(c.name, c.clientId)} <small className="muted">{c.clientId}</small></h1>
        <div className="head-badges">
          <span className={`badge ${c.enabled ? 'on' : 'off'}`}>{c.enabled ? 'Enabled' : 'Disabled'}</span>
          <span className="badge">{c.publicClient ? 'Public' : 'Confidential'}</span>
          <ConfirmButton label="Delete" title={`Delete ${c.clientId}?`} confirmLabel="Delete client application"
            message={<p>The client application, its secrets, roles and service-account user are deleted, and every token it holds stops working. This cannot be undone.</p>}
            onConfirm={async () => { await api.delete(path('realms', realm, 'clients', id)); go(realm, 'clients'); }} />
        </div>
      </div>
      <Tabs base={base} tabs={tabsOf(c)} current={tab} />
      <div className="tab-body">
        {tab === 'form' ? <ClientForm realm={realm} client={c} onSaved={() => client.reload()} /> : null}
        {tab === 'secrets' ? c.publicClient ? <Notice>A public client application has no secrets: it cannot keep one.</Notice> : <SecretsTab realm={realm} client={c} /> : null}
        {tab === 'translations' ? <TranslationsTab realm={realm} client={c} onSaved={client.reload} /> : null}
        {tab === 'resources' ? <ResourcesTab realm={realm} client={c} onSaved={client.reload} /> : null}
        {tab === 'roles' ? <RoleList realm={realm} clientUuid={c.id} /> : null}
      </div>
    </section>
  );
}

// ---- Form -----------------------------------------------------------------------------

interface Draft {
  clientId: string; name: string; description: string; enabled: boolean; confidential: boolean; oidc: boolean; api: boolean;
  standardFlow: boolean; implicitFlow: boolean; directAccess: boolean; serviceAccounts: boolean; pkce: boolean; pkceMethod: string;
  refreshTokens: boolean; logoUri: string; consent: boolean; accessTokenLifespan: string; accessTokenAlg: string; idTokenAlg: string;
  defaultScopes: string; optionalScopes: string; redirectUris: string[]; webOrigins: string[]; postLogoutRedirectUris: string[];
  deviceGrant: boolean; backchannelUrl: string; backchannelSession: boolean; backchannelRevokeOffline: boolean;
  frontchannel: boolean; frontchannelUrl: string; frontchannelSession: boolean;
}

function draftOf(c?: ClientRep): Draft {
  const a = c?.attributes ?? {};
  return {
    clientId: c?.clientId ?? '',
    name: c ? displayName(c.name, '') : '',
    description: c?.description ?? '',
    enabled: c?.enabled ?? true,
    confidential: c ? !c.publicClient : true,
    oidc: a[OIDC] !== 'false',
    api: a[API_ACCESS] !== 'false',
    standardFlow: c?.standardFlowEnabled ?? true,
    implicitFlow: c?.implicitFlowEnabled ?? false,
    directAccess: c?.directAccessGrantsEnabled ?? false,
    serviceAccounts: c?.serviceAccountsEnabled ?? false,
    pkce: c ? Boolean(a['pkce.code.challenge.method']) : true,
    pkceMethod: a['pkce.code.challenge.method'] || 'S256',
    refreshTokens: a['use.refresh.tokens'] !== 'false',
    logoUri: c?.logoUri ?? a.logoUri ?? '',
    consent: c?.consentRequired ?? false,
    accessTokenLifespan: a['access.token.lifespan'] ?? '',
    accessTokenAlg: a['access.token.signed.response.alg'] ?? '',
    idTokenAlg: a['id.token.signed.response.alg'] ?? '',
    defaultScopes: (c?.defaultClientScopes ?? []).join(' '),
    optionalScopes: (c?.optionalClientScopes ?? []).join(' '),
    redirectUris: c?.redirectUris ?? [],
    webOrigins: c?.webOrigins ?? [],
    postLogoutRedirectUris: (a['post.logout.redirect.uris'] ?? '').split('##').filter(Boolean),
    deviceGrant: a['oauth2.device.authorization.grant.enabled'] === 'true',
    backchannelUrl: a['backchannel.logout.url'] ?? '',
    backchannelSession: a['backchannel.logout.session.required'] !== 'false',
    backchannelRevokeOffline: a['backchannel.logout.revoke.offline.tokens'] === 'true',
    frontchannel: c?.frontchannelLogout ?? false,
    frontchannelUrl: a['frontchannel.logout.url'] ?? '',
    frontchannelSession: a['frontchannel.logout.session.required'] !== 'false',
  };
}

type GrantType = 'authorization_code' | 'client_credentials' | 'both' | 'custom';

function grantTypeOf(d: Draft): GrantType {
  if (d.implicitFlow || d.directAccess || d.deviceGrant) return 'custom';
  if (d.standardFlow && d.serviceAccounts) return 'both';
  if (d.standardFlow) return 'authorization_code';
  if (d.serviceAccounts) return 'client_credentials';
  return 'custom';
}

const GRANTS: Record<Exclude<GrantType, 'custom'>, Pick<Draft, 'standardFlow' | 'serviceAccounts' | 'implicitFlow' | 'directAccess' | 'deviceGrant'>> = {
  authorization_code: { standardFlow: true, serviceAccounts: false, implicitFlow: false, directAccess: false, deviceGrant: false },
  client_credentials: { standardFlow: false, serviceAccounts: true, implicitFlow: false, directAccess: false, deviceGrant: false },
  both: { standardFlow: true, serviceAccounts: true, implicitFlow: false, directAccess: false, deviceGrant: false },
};

function bodyOf(d: Draft) {
  const scopes = (s: string) => s.split(/[\s,]+/).filter(Boolean);
  return {
    clientId: d.clientId.trim(),
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    publicClient: !d.confidential,
    standardFlowEnabled: d.standardFlow,
    implicitFlowEnabled: d.implicitFlow,
    directAccessGrantsEnabled: d.directAccess,
    serviceAccountsEnabled: d.serviceAccounts,
    consentRequired: d.consent,
    frontchannelLogout: d.frontchannel,
    logoUri: d.logoUri.trim(),
    defaultClientScopes: scopes(d.defaultScopes),
    optionalClientScopes: scopes(d.optionalScopes),
    redirectUris: d.redirectUris.map((u) => u.trim()),
    webOrigins: d.webOrigins.map((o) => o.trim()),
    attributes: {
      'post.logout.redirect.uris': d.postLogoutRedirectUris.map((u) => u.trim()).join('##'),
      [OIDC]: String(d.oidc),
      [API_ACCESS]: String(d.api),
      'pkce.code.challenge.method': d.pkce ? d.pkceMethod : '',
      'use.refresh.tokens': String(d.refreshTokens),
      'access.token.lifespan': d.accessTokenLifespan.trim() || null,
      'access.token.signed.response.alg': d.accessTokenAlg || null,
      'id.token.signed.response.alg': d.idTokenAlg || null,
      'oauth2.device.authorization.grant.enabled': String(d.deviceGrant),
      'backchannel.logout.url': d.backchannelUrl.trim() || null,
      'backchannel.logout.session.required': String(d.backchannelSession),
      'backchannel.logout.revoke.offline.tokens': String(d.backchannelRevokeOffline),
      'frontchannel.logout.url': d.frontchannelUrl.trim() || null,
      'frontchannel.logout.session.required': String(d.frontchannelSession),
    },
  };
}

function checkDraft(d: Draft): Errors {
  const errors: Errors = {};
  if (!d.clientId.trim()) errors.clientId = 'Enter a client ID: the name the application signs in with.';
  else if (d.clientId.trim().length > 255) errors.clientId = 'A client ID has at most 255 characters.';
  const lifespan = d.accessTokenLifespan.trim();
  if (lifespan && (!/^\d+$/.test(lifespan) || Number(lifespan) < 1 || Number(lifespan) > 2_147_483_647)) {
    errors.accessTokenLifespan = 'Enter a whole number of seconds (at least 1), or leave it empty for the realm\'s default.';
  }
  const logo = d.logoUri.trim();
  if (logo) {
    let url: URL | undefined;
    try { url = new URL(logo); } catch { /* reported below */ }
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'data:' && /^data:image\//.test(logo)) || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)))) {
      errors.logoUri = 'Enter an https:// address of an image (or a data:image URI).';
    }
  }
  for (const key of ['backchannelUrl', 'frontchannelUrl'] as const) {
    const url = d[key].trim();
    if (url && !/^https?:\/\/[^/\s]+/.test(url)) errors[key] = 'Enter an http:// or https:// address, or leave it empty.';
  }
  return {
    ...errors,
    ...checkList('redirectUris', d.redirectUris, (u) => redirectProblem(u.trim(), false)),
    ...checkList('webOrigins', d.webOrigins, (o) => (o.trim() === '+' || o.trim() === '*' || /^https?:\/\/[^/]+$/.test(o.trim()) ? undefined : 'Enter an origin (https://app.example.com), + for the redirects\' origins, or *.')),
    ...checkList('postLogoutRedirectUris', d.postLogoutRedirectUris, (u) => redirectProblem(u.trim(), true)),
  };
}

const CLIENT_FIELDS: Record<string, string> = {
  clientId: 'clientId', name: 'name', description: 'description', logoUri: 'logoUri',
  [`attributes.${API_ACCESS}`]: 'api', [`attributes.${OIDC}`]: 'oidc', 'attributes.access.token.lifespan': 'accessTokenLifespan',
  defaultClientScopes: 'defaultScopes', optionalClientScopes: 'optionalScopes', '409': 'clientId',
  'attributes.backchannel.logout.url': 'backchannelUrl', 'attributes.frontchannel.logout.url': 'frontchannelUrl',
};

function ClientForm({ realm, client, onSaved }: { realm: string; client?: ClientRep; onSaved: (id: string) => void }) {
  const [d, setDraft] = useState(() => draftOf(client));
  const save = useSave();
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((old) => ({ ...old, [key]: value }));
  const e = save.errors;
  const grantType = grantTypeOf(d);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      if (client) {
        await api.put(path('realms', realm, 'clients', client.id), bodyOf(d));
        onSaved(client.id);
        return 'Saved.';
      }
      onSaved(await api.create(path('realms', realm, 'clients'), bodyOf(d)));
      return 'Created.';
    }, CLIENT_FIELDS, () => checkDraft(d));
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Client application">
      <Notice kind="error">{e['']}</Notice>
      <div className="grid">
        <TextField label="Client ID" name="clientId" required value={d.clientId} onChange={set('clientId')} error={e.clientId}
          hint="What the application sends as client_id." autoComplete="off" />
        <TextField label="Title" name="name" value={d.name} onChange={set('name')} error={e.name} hint="Shown to users on the sign-in and consent pages." />
      </div>
      <TextField label="Description" name="description" value={d.description} onChange={set('description')} error={e.description} multiline />
      <div className="checks">
        <CheckField label="Enabled" name="enabled" checked={d.enabled} onChange={set('enabled')} hint="When ready for use. A disabled application cannot sign in or get tokens." />
        <CheckField label="Confidential (authenticates with a secret)" name="confidential" checked={d.confidential} onChange={set('confidential')}
          hint="A server-side application that can keep a secret. Browser and mobile apps are public." />
        <CheckField label="Support OpenID Connect" name="oidc" checked={d.oidc} onChange={set('oidc')} error={e.oidc}
          hint="Sign users in: the openid scope, ID tokens and userinfo." />
        <CheckField label="Support API access" name="api" checked={d.api} onChange={set('api')} error={e.api}
          hint={d.oidc ? 'Access tokens for your APIs, on a user\'s behalf or as the application itself.' : 'Required: without OpenID Connect, API access is what the application is for.'} />
      </div>

      <fieldset>
        <legend>Redirects</legend>
        <ListField label="Allowed login redirects" name="redirectUris" values={d.redirectUris} onChange={set('redirectUris')} errors={e} addLabel="Add a login redirect"
          placeholder="https://app.example.com/callback" hint="Where users may be sent back after signing in. Matched exactly; an address ending in * matches everything that starts with it." />
        <ListField label="Allowed logout redirects" name="postLogoutRedirectUris" values={d.postLogoutRedirectUris} onChange={set('postLogoutRedirectUris')} errors={e}
          addLabel="Add a logout redirect" placeholder="https://app.example.com/signed-out" hint="Where users may be sent after signing out (post_logout_redirect_uri). + allows the login redirects." />
        <ListField label="Web origins" name="webOrigins" values={d.webOrigins} onChange={set('webOrigins')} errors={e} addLabel="Add an origin"
          placeholder="https://app.example.com" hint="Browsers' calls from these origins are allowed (CORS). + allows the origins of the login redirects." />
      </fieldset>

      <fieldset>
        <legend>Grant type</legend>
        <SelectField label="Grant type" name="grantType" value={grantType} onChange={(v) => { if (v !== 'custom') setDraft((old) => ({ ...old, ...GRANTS[v as keyof typeof GRANTS] })); }}
          options={[['authorization_code', 'Authorization code'], ['client_credentials', 'Client credentials'], ['both', 'Authorization code and client credentials'], ['custom', 'Custom (the grants checked below)']]}
          hint={grantType === 'client_credentials' ? 'Machine to machine: the application acts as its service-account user, without a person.' : grantType === 'authorization_code' ? 'A person signs in and the application acts on their behalf.' : undefined} />
        <div className="checks compact">
          <CheckField label="Standard flow (authorization code)" name="standardFlow" checked={d.standardFlow} onChange={set('standardFlow')} />
          <CheckField label="Service accounts (client credentials)" name="serviceAccounts" checked={d.serviceAccounts} onChange={set('serviceAccounts')} />
          <CheckField label="Direct access grants (password)" name="directAccess" checked={d.directAccess} onChange={set('directAccess')} />
          <CheckField label="Implicit flow" name="implicitFlow" checked={d.implicitFlow} onChange={set('implicitFlow')} />
          <CheckField label="Device authorization (device code)" name="deviceGrant" checked={d.deviceGrant} onChange={set('deviceGrant')} />
        </div>
        <Identity realm={realm} client={client} draft={d} />
      </fieldset>

      <fieldset>
        <legend>Sign-in</legend>
        <div className="checks">
          <CheckField label="Require PKCE" name="pkce" checked={d.pkce} onChange={set('pkce')}
            hint={`Proof Key for Code Exchange (${d.pkceMethod}) on every authorization code request.`} />
          <CheckField label="Support refresh tokens" name="refreshTokens" checked={d.refreshTokens} onChange={set('refreshTokens')} />
          <CheckField label="Consent" name="consent" checked={d.consent} onChange={set('consent')} hint="Users are asked to allow the application before it gets access." />
        </div>
        <div className="grid">
          <TextField label="Logo" name="logoUri" value={d.logoUri} onChange={set('logoUri')} error={e.logoUri} placeholder="https://example.com/logo.png"
            hint="Shown on the sign-in and consent pages." />
          {d.logoUri && !e.logoUri ? <img className="logo-preview" src={d.logoUri} alt="Logo preview" /> : <span />}
        </div>
      </fieldset>

      <fieldset>
        <legend>Logout</legend>
        <div className="grid">
          <TextField label="Back-channel URL" name="backchannelUrl" value={d.backchannelUrl} onChange={set('backchannelUrl')} error={e.backchannelUrl}
            placeholder="https://app.example.com/backchannel-logout" hint="Latchkey posts a logout token here when a session the application signed in with ends." />
          <TextField label="Front-channel URL" name="frontchannelUrl" value={d.frontchannelUrl} onChange={set('frontchannelUrl')} error={e.frontchannelUrl}
            placeholder="https://app.example.com/frontchannel-logout" hint="Loaded in a hidden frame of the signed-out page, when front-channel logout is on." />
        </div>
        <div className="checks compact">
          <CheckField label="Back-channel: session required (sid)" name="backchannelSession" checked={d.backchannelSession} onChange={set('backchannelSession')} />
          <CheckField label="Front-channel (frames on the signed-out page)" name="frontchannel" checked={d.frontchannel} onChange={set('frontchannel')} />
          <CheckField label="Back-channel: revoke offline tokens" name="backchannelRevokeOffline" checked={d.backchannelRevokeOffline} onChange={set('backchannelRevokeOffline')} />
          <CheckField label="Front-channel: session required (iss, sid)" name="frontchannelSession" checked={d.frontchannelSession} onChange={set('frontchannelSession')} />
        </div>
      </fieldset>

      <fieldset>
        <legend>Token</legend>
        <div className="grid three">
          <TextField label="Access token lifetime (seconds)" name="accessTokenLifespan" value={d.accessTokenLifespan} onChange={set('accessTokenLifespan')}
            error={e.accessTokenLifespan} placeholder="The realm's" hint={duration(Number(d.accessTokenLifespan)) || 'Empty: the realm\'s lifetime.'} />
          <SelectField label="Access token signature" name="accessTokenAlg" value={d.accessTokenAlg} onChange={set('accessTokenAlg')} options={ALGS} />
          <SelectField label="ID token signature" name="idTokenAlg" value={d.idTokenAlg} onChange={set('idTokenAlg')} options={ALGS} />
        </div>
        <div className="grid">
          <TextField label="Default resources (scopes)" name="defaultScopes" value={d.defaultScopes} onChange={set('defaultScopes')} error={e.defaultScopes}
            placeholder="The realm's defaults" hint="Always granted; separate with spaces." />
          <TextField label="Optional resources (scopes)" name="optionalScopes" value={d.optionalScopes} onChange={set('optionalScopes')} error={e.optionalScopes}
            placeholder="The realm's optional scopes" hint="Granted when the application asks." />
        </div>
      </fieldset>

      <div className="actions">
        <button type="submit" disabled={save.busy}>{client ? 'Save' : 'Create'}</button>
        <Notice kind="success">{save.saved}</Notice>
      </div>
    </form>
  );
}

/** The service-account user the client acts as under client credentials (seed 001's Identity). */
function Identity({ realm, client, draft }: { realm: string; client?: ClientRep; draft: Draft }) {
  const saved = client && client.serviceAccountsEnabled && !client.publicClient;
  const user = useLoad(() => (saved ? api.get<UserRep>(path('realms', realm, 'clients', client.id, 'service-account-user')) : Promise.resolve(undefined)),
    [realm, client?.id, saved]);
  let body;
  if (!draft.serviceAccounts) body = <span className="muted">None: only client credentials acts as a service account.</span>;
  else if (!draft.confidential) body = <span className="muted">Public applications have no service account: make it confidential.</span>;
  else if (!saved) body = <span className="muted">service-account-{draft.clientId || '…'} is created when you save.</span>;
  else if (user.data) body = <a href={href(realm, 'users', user.data.id)}>{user.data.username}</a>;
  else body = user.error ? <span className="field-error">{user.error}</span> : <span className="muted">Loading…</span>;
  return (
    <div className="field identity">
      <span className="label">Identity (service account user)</span>
      <p>{body}</p>
      {saved && user.data ? <p className="hint">Give it roles on its <a href={href(realm, 'users', user.data.id, 'roles')}>role mapping</a> page.</p> : null}
    </div>
  );
}

// ---- Secrets --------------------------------------------------------------------------

function SecretsTab({ realm, client }: { realm: string; client: ClientRep }) {
  const secretsPath = path('realms', realm, 'clients', client.id, 'secrets');
  const secrets = useLoad(() => (client.publicClient ? Promise.resolve([]) : api.get<SecretRep[]>(secretsPath)), [secretsPath, client.publicClient]);
  const [mode, setMode] = useState<'generate' | 'enter'>('generate');
  const [value, setValue] = useState('');
  const [label, setLabel] = useState('');
  const [expires, setExpires] = useState('');
  const [shown, setShown] = useState<string>();
  const save = useSave();
  if (client.publicClient) {
    return <Notice>Public client applications have no secrets: they cannot keep one. Make the application confidential on the Form tab to give it secrets.</Notice>;
  }
  const expiresAt = expires ? Math.floor(new Date(expires).getTime() / 1000) : null;
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setShown(undefined);
    await save.run(async () => {
      const created = await api.post<SecretRep>(secretsPath, {
        ...(mode === 'enter' ? { value } : {}), label: label.trim() || null, expiresAt,
      });
      setShown(created.value);
      setValue('');
      setLabel('');
      setExpires('');
      secrets.reload();
      return 'Secret added.';
    }, { value: 'value', label: 'label', expiresAt: 'expires' }, () => {
      const errors: Errors = {};
      if (mode === 'enter' && value.length < 16) errors.value = 'A secret has at least 16 characters.';
      if (mode === 'enter' && value.length > 512) errors.value = 'A secret has at most 512 characters.';
      if (expires && (expiresAt === null || Number.isNaN(expiresAt))) errors.expires = 'Enter a date and time.';
      else if (expiresAt !== null && expiresAt * 1000 <= Date.now()) errors.expires = 'The expiry must be in the future.';
      return errors;
    });
  };
  return (
    <div>
      <p className="lead">The application authenticates with any secret that has not expired. Add the next one before the current one expires, then delete the old one.</p>
      {secrets.error ? <Notice kind="error">{secrets.error}</Notice> : null}
      <table className="list">
        <thead><tr><th>Label</th><th>Added</th><th>Expires</th><th>Status</th><th /></tr></thead>
        <tbody>
          {(secrets.data ?? []).map((s) => (
            <tr key={s.id} data-secret-label={s.label ?? ''}>
              <td>{s.label ?? <span className="muted">—</span>}</td>
              <td className="nowrap">{when(s.createdAt)}</td>
              <td className="nowrap">{s.expiresAt === null ? 'Never' : when(s.expiresAt)}</td>
              <td><span className={`badge ${s.expired ? 'off' : 'on'}`}>{s.expired ? 'Expired' : 'Valid'}</span></td>
              <td className="row-actions">
                <ConfirmButton label="Delete" className="danger small" title="Delete this secret?" confirmLabel="Delete secret"
                  message={<p>The application can no longer authenticate with the secret {s.label ? <b>{s.label}</b> : null} added {when(s.createdAt)}.</p>}
                  onConfirm={async () => { await api.delete(`${secretsPath}/${encodeURIComponent(s.id)}`); secrets.reload(); }} />
              </td>
            </tr>
          ))}
          {secrets.data?.length === 0 ? <tr><td colSpan={5} className="muted">No secrets: the application cannot authenticate.</td></tr> : null}
        </tbody>
      </table>
      {shown ? (
        <div className="notice notice-success new-secret" role="status">
          <p>The new secret — copy it now: this list never shows a secret's value again. (Keycloak's client-secret endpoint of the admin API shows the application's current secret, the oldest that has not expired, as Keycloak does.)</p>
          <code className="secret-value">{shown}</code>
        </div>
      ) : null}
      <form className="form boxed" onSubmit={add} noValidate aria-label="Add a secret">
        <h2>Add a secret</h2>
        <Notice kind="error">{save.errors['']}</Notice>
        <div className="radios" role="radiogroup" aria-label="Secret value">
          <label><input type="radio" name="mode" checked={mode === 'generate'} onChange={() => setMode('generate')} /> Generate one</label>
          <label><input type="radio" name="mode" checked={mode === 'enter'} onChange={() => setMode('enter')} /> Enter one</label>
        </div>
        {mode === 'enter'
          ? <TextField label="Secret" name="value" type="password" autoComplete="new-password" value={value} onChange={setValue} error={save.errors.value} hint="At least 16 characters." />
          : null}
        <div className="grid">
          <TextField label="Label" name="label" value={label} onChange={setLabel} error={save.errors.label} placeholder="e.g. 2026" />
          <TextField label="Expires" name="expires" type="datetime-local" value={expires} onChange={setExpires} error={save.errors.expires} hint="Empty: never." />
        </div>
        <div className="actions"><button type="submit" disabled={save.busy}>Add secret</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
    </div>
  );
}

// ---- Redirects --------------------------------------------------------------------------

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** What is wrong with a redirect URI as the authorization endpoint will match it (exact, or a prefix ending in *). */
function redirectProblem(uri: string, allowPlus: boolean): string | undefined {
  if (!uri.trim()) return 'Enter an address, or remove this line.';
  if (allowPlus && uri === '+') return undefined;
  let url: URL;
  try {
    url = new URL(uri.endsWith('*') ? `${uri.slice(0, -1)}x` : uri);
  } catch {
    return 'Enter a whole address, such as https://app.example.com/callback.';
  }
  if (url.hash) return 'A redirect address cannot have a #fragment.';
  if (url.protocol === 'http:' && !LOOPBACK.includes(url.hostname)) return 'Plain http is only for this computer (localhost): use https.';
  return undefined;
}

function checkList(name: string, values: string[], problem: (v: string) => string | undefined): Errors {
  const errors: Errors = {};
  values.forEach((v, i) => { const p = problem(v); if (p) errors[`${name}[${i}]`] = p; });
  return errors;
}

// ---- Default resource translation ---------------------------------------------------------

function TranslationsTab({ realm, client, onSaved }: { realm: string; client: ClientRep; onSaved: () => void }) {
  const [texts, setTexts] = useState<ConsentTexts>(client.consentTexts ?? {});
  const [languages, setLanguages] = useState(() => [...new Set([...LANGUAGES, ...Object.keys(client.consentTexts ?? {})])]);
  const [adding, setAdding] = useState('');
  const save = useSave();
  const set = (lang: string, kind: 'profile' | 'email' | 'api', value: string) =>
    setTexts((old) => ({ ...old, [lang]: { ...old[lang], [kind]: value } }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const cleaned: ConsentTexts = {};
    for (const [lang, t] of Object.entries(texts)) {
      const kept = Object.fromEntries(Object.entries(t).filter(([, v]) => v && v.trim()).map(([k, v]) => [k, v!.trim()]));
      if (Object.keys(kept).length > 0) cleaned[lang] = kept;
    }
    await save.run(async () => { await api.put(path('realms', realm, 'clients', client.id), { consentTexts: cleaned }); onSaved(); });
  };
  const addLanguage = () => {
    const tag = adding.trim();
    if (!/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(tag)) { save.setErrors({ language: 'Enter a language tag such as es or pt-BR.' }); return; }
    if (!languages.includes(tag)) setLanguages([...languages, tag]);
    save.setErrors({});
    setAdding('');
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Default resource translation">
      <p className="lead">What the consent page asks, in each language. {client.consentRequired ? '' : 'Consent is off for this application: these are shown once you turn it on (Form tab).'}</p>
      <Notice kind="error">{save.errors['']}</Notice>
      <table className="list translations">
        <thead><tr><th>Language</th><th>Profile consent</th><th>Email consent</th><th>API consent</th></tr></thead>
        <tbody>
          {languages.map((lang) => (
            <tr key={lang} data-language={lang}>
              <th scope="row">{lang}</th>
              {(['profile', 'email', 'api'] as const).map((kind) => (
                <td key={kind}><textarea aria-label={`${kind} consent (${lang})`} name={`${kind}-${lang}`} rows={2} value={texts[lang]?.[kind] ?? ''}
                  onChange={(e) => set(lang, kind, e.target.value)} placeholder={kind === 'profile' ? 'Your name and username' : kind === 'email' ? 'Your email address' : 'Access to the API on your behalf'} /></td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="inline-add">
        <TextField label="Another language" name="language" value={adding} onChange={setAdding} error={save.errors.language} placeholder="es" />
        <button type="button" className="secondary" onClick={addLanguage}>Add language</button>
      </div>
      <div className="actions"><button type="submit" disabled={save.busy}>Save</button><Notice kind="success">{save.saved}</Notice></div>
    </form>
  );
}

// ---- Custom resources ---------------------------------------------------------------------

const blankResource = (): CustomResource => ({
  userAttribute: '', claim: '', jsonType: 'String', multivalued: false, accessToken: true, idToken: true, userinfo: true,
});

function ResourcesTab({ realm, client, onSaved }: { realm: string; client: ClientRep; onSaved: () => void }) {
  const [rows, setRows] = useState<CustomResource[]>(client.customResources ?? []);
  const save = useSave();
  const set = (i: number, change: Partial<CustomResource>) => setRows((old) => old.map((r, k) => (k === i ? { ...r, ...change } : r)));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      await api.put(path('realms', realm, 'clients', client.id), { customResources: rows.map((r) => ({ ...r, name: r.name || r.claim })) });
      onSaved();
    }, {}, () => {
      const errors: Errors = {};
      rows.forEach((r, i) => {
        if (!r.claim.trim()) errors[`customResources[${i}].claim`] = 'Enter the claim\'s name.';
        else if (!/^[A-Za-z0-9_.:-]+$/.test(r.claim)) errors[`customResources[${i}].claim`] = 'Letters, digits and . _ : - only (dots nest: address.street).';
        if (!r.userAttribute.trim()) errors[`customResources[${i}].userAttribute`] = 'Enter the user attribute it comes from.';
      });
      return errors;
    });
  };
  const err = (i: number, f: string) => save.errors[`customResources[${i}].${f}`];
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Custom resources">
      <p className="lead">Claims the application receives about the user, each from a user attribute (or username, email, firstName, lastName, phoneNumber).</p>
      <Notice kind="error">{save.errors['']}</Notice>
      <table className="list resources">
        <thead><tr><th>Claim</th><th>User attribute</th><th>Type</th><th className="narrow">Multi-valued</th><th className="narrow">In access token</th><th className="narrow">In ID token</th><th className="narrow">In userinfo</th><th /></tr></thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td><input aria-label={`Claim ${i + 1}`} value={r.claim} className={err(i, 'claim') ? 'invalid' : undefined} aria-invalid={err(i, 'claim') ? true : undefined}
                onChange={(e) => set(i, { claim: e.target.value })} placeholder="department" />{err(i, 'claim') ? <p className="field-error" role="alert">{err(i, 'claim')}</p> : null}</td>
              <td><input aria-label={`User attribute ${i + 1}`} value={r.userAttribute} className={err(i, 'userAttribute') ? 'invalid' : undefined}
                onChange={(e) => set(i, { userAttribute: e.target.value })} placeholder="department" />{err(i, 'userAttribute') ? <p className="field-error" role="alert">{err(i, 'userAttribute')}</p> : null}</td>
              <td><select aria-label={`Type ${i + 1}`} value={r.jsonType} onChange={(e) => set(i, { jsonType: e.target.value as CustomResource['jsonType'] })}>
                {['String', 'long', 'int', 'boolean', 'JSON'].map((t) => <option key={t}>{t}</option>)}</select></td>
              {(['multivalued', 'accessToken', 'idToken', 'userinfo'] as const).map((f) => (
                <td key={f} className="narrow"><input type="checkbox" aria-label={`${f} ${i + 1}`} checked={r[f]} onChange={(e) => set(i, { [f]: e.target.checked })} /></td>
              ))}
              <td><button type="button" className="secondary small" onClick={() => setRows(rows.filter((_, k) => k !== i))}>Remove</button></td>
            </tr>
          ))}
          {rows.length === 0 ? <tr><td colSpan={8} className="muted">No custom resources: the application gets the standard claims of its scopes.</td></tr> : null}
        </tbody>
      </table>
      <button type="button" className="secondary small" onClick={() => setRows([...rows, blankResource()])}>Add a custom resource</button>
      <div className="actions"><button type="submit" disabled={save.busy}>Save</button><Notice kind="success">{save.saved}</Notice></div>
    </form>
  );
}
