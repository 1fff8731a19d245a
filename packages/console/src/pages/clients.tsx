import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { t } from '../i18n';
import { go, href } from '../router';
import type { ClientRep, ConsentTexts, CustomResource, SecretRep, UserRep } from '../types';
import {
  CheckField, ConfirmButton, ListField, Loading, Notice, SelectField, Tabs, TextField, displayName, duration, useLoad, useSave,
  when, type Errors,
} from '../ui';
import { ClientScopesTab, Mappers } from './client-scopes';
import { RoleList } from './roles';

const OIDC = 'latchkey.oidc';
const API_ACCESS = 'latchkey.api.access';
const LANGUAGES = ['en', 'de', 'nl', 'fr'];
const algs = (): Array<[string, string]> => [['', t.clients.realmDefault], ['RS256', 'RS256'], ['ES256', 'ES256'], ['EdDSA', 'EdDSA']];
// Keycloak's clientAuthenticatorType values and request.object.required values, each with its text.
const authenticators = (): Array<[string, string]> => Object.entries(t.clients.requests.authenticators);
const requestObjects = (): Array<[string, string]> => Object.entries(t.clients.requests.required);

export function ClientsPage({ realm }: { realm: string }) {
  const [search, setSearch] = useState('');
  const clients = useLoad(() => api.get<ClientRep[]>(`${path('realms', realm, 'clients')}${search ? `?search=true&clientId=${encodeURIComponent(search)}` : ''}`), [realm, search]);
  return (
    <section>
      <div className="page-head">
        <h1>{t.clients.title}</h1>
        <a className="button" href={href(realm, 'clients', 'new')}>{t.clients.create}</a>
      </div>
      <p className="lead">{t.clients.lead}</p>
      <div className="toolbar">
        <input type="search" aria-label={t.clients.search} placeholder={t.clients.searchPlaceholder} value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {clients.error ? <Notice kind="error">{clients.error}</Notice> : null}
      {clients.data ? (
        <table className="list">
          <thead><tr><th>{t.clients.clientId}</th><th>{t.clients.name}</th><th>{t.clients.type}</th><th>{t.clients.grantTypes}</th><th>{t.common.status}</th></tr></thead>
          <tbody>
            {clients.data.map((c) => (
              <tr key={c.id}>
                <td><a href={href(realm, 'clients', c.id)}>{c.clientId}</a></td>
                <td>{displayName(c.name, '')}</td>
                <td>{c.publicClient ? t.clients.public : t.clients.confidential}</td>
                <td>{grantSummary(c)}</td>
                <td><span className={`badge ${c.enabled ? 'on' : 'off'}`}>{c.enabled ? t.common.enabled : t.common.disabled}</span></td>
              </tr>
            ))}
            {clients.data.length === 0 ? <tr><td colSpan={5} className="muted">{t.clients.empty(search)}</td></tr> : null}
          </tbody>
        </table>
      ) : clients.loading ? <Loading /> : null}
    </section>
  );
}

function grantSummary(c: ClientRep): string {
  const grants = [
    c.standardFlowEnabled && t.clients.grants.code,
    c.serviceAccountsEnabled && !c.publicClient && t.clients.grants.clientCredentials,
    c.directAccessGrantsEnabled && t.clients.grants.password,
    c.implicitFlowEnabled && t.clients.grants.implicit,
  ].filter(Boolean);
  return grants.join(', ') || t.clients.grants.none;
}

// The redirects are on the Form tab: a client is not set up without them. A public client has
// no secrets, so no Secrets tab.
const tabsOf = (c: ClientRep): Array<[string, string]> => [
  ['form', t.clients.tabs.form], ...(c.publicClient ? [] : [['secrets', t.clients.tabs.secrets] as [string, string]]),
  ['translations', t.clients.tabs.translations], ['resources', t.clients.tabs.resources], ['roles', t.clients.tabs.roles],
  ['client-scopes', t.clients.tabs.clientScopes], ['mappers', t.clients.tabs.mappers],
];

export function ClientPage({ realm, id, tab }: { realm: string; id: string; tab: string }) {
  const client = useLoad(() => (id === 'new' ? Promise.resolve(undefined) : api.get<ClientRep>(path('realms', realm, 'clients', id))), [realm, id]);
  if (id === 'new') {
    return (
      <section>
        <p className="crumbs"><a href={href(realm, 'clients')}>{t.clients.title}</a> ›</p>
        <h1>{t.clients.create}</h1>
        <ClientForm realm={realm} onSaved={(newId) => go(realm, 'clients', newId, 'form')} />
      </section>
    );
  }
  if (client.error) return <Notice kind="error">{client.error}</Notice>;
  if (!client.data) return <Loading what={t.clients.theClient} />;
  const c = client.data;
  const base = [realm, 'clients', id];
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'clients')}>{t.clients.title}</a> ›</p>
      <div className="page-head">
        <h1>{displayName(c.name, c.clientId)} <small className="muted">{c.clientId}</small></h1>
        <div className="head-badges">
          <span className={`badge ${c.enabled ? 'on' : 'off'}`}>{c.enabled ? t.common.enabled : t.common.disabled}</span>
          <span className="badge">{c.publicClient ? t.clients.public : t.clients.confidential}</span>
          <ConfirmButton label={t.common.delete} title={t.common.deleteNamed(c.clientId)} confirmLabel={t.clients.deleteConfirm}
            message={<p>{t.clients.deleteMessage}</p>}
            onConfirm={async () => { await api.delete(path('realms', realm, 'clients', id)); go(realm, 'clients'); }} />
        </div>
      </div>
      <Tabs base={base} tabs={tabsOf(c)} current={tab} />
      <div className="tab-body">
        {tab === 'form' ? <ClientForm realm={realm} client={c} onSaved={() => client.reload()} /> : null}
        {tab === 'secrets' ? c.publicClient ? <Notice>{t.clients.publicNoSecrets}</Notice> : <SecretsTab realm={realm} client={c} /> : null}
        {tab === 'translations' ? <TranslationsTab realm={realm} client={c} onSaved={client.reload} /> : null}
        {tab === 'resources' ? <ResourcesTab realm={realm} client={c} onSaved={client.reload} /> : null}
        {tab === 'roles' ? <RoleList realm={realm} clientUuid={c.id} /> : null}
        {tab === 'client-scopes' ? <ClientScopesTab realm={realm} client={c} onChanged={client.reload} /> : null}
        {tab === 'mappers' ? <Mappers realm={realm} base={path('realms', realm, 'clients', id)} /> : null}
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
  authenticator: string; jwksUrl: string; requirePar: boolean; requireDpop: boolean; requestObjectRequired: string;
  deviceGrant: boolean; tokenExchange: boolean; backchannelUrl: string; backchannelSession: boolean; backchannelRevokeOffline: boolean;
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
    authenticator: c?.clientAuthenticatorType ?? 'client-secret',
    jwksUrl: a['use.jwks.url'] === 'true' ? a['jwks.url'] ?? '' : '',
    requirePar: a['require.pushed.authorization.requests'] === 'true',
    requireDpop: a['dpop.bound.access.tokens'] === 'true',
    requestObjectRequired: a['request.object.required'] || 'not required',
    deviceGrant: a['oauth2.device.authorization.grant.enabled'] === 'true',
    tokenExchange: a['standard.token.exchange.enabled'] === 'true',
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
    clientAuthenticatorType: d.authenticator,
    attributes: {
      // Without a URL the one stored (if any) stays, unused.
      'use.jwks.url': String(Boolean(d.jwksUrl.trim())),
      'jwks.url': d.jwksUrl.trim() || undefined,
      'require.pushed.authorization.requests': String(d.requirePar),
      'dpop.bound.access.tokens': String(d.requireDpop),
      'request.object.required': d.requestObjectRequired,
      'post.logout.redirect.uris': d.postLogoutRedirectUris.map((u) => u.trim()).join('##'),
      [OIDC]: String(d.oidc),
      [API_ACCESS]: String(d.api),
      'pkce.code.challenge.method': d.pkce ? d.pkceMethod : '',
      'use.refresh.tokens': String(d.refreshTokens),
      'access.token.lifespan': d.accessTokenLifespan.trim() || null,
      'access.token.signed.response.alg': d.accessTokenAlg || null,
      'id.token.signed.response.alg': d.idTokenAlg || null,
      'oauth2.device.authorization.grant.enabled': String(d.deviceGrant),
      'standard.token.exchange.enabled': String(d.tokenExchange),
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
  if (!d.clientId.trim()) errors.clientId = t.clients.check.clientIdMissing;
  else if (d.clientId.trim().length > 255) errors.clientId = t.clients.check.clientIdLong;
  const lifespan = d.accessTokenLifespan.trim();
  if (lifespan && (!/^\d+$/.test(lifespan) || Number(lifespan) < 1 || Number(lifespan) > 2_147_483_647)) {
    errors.accessTokenLifespan = t.clients.check.lifespan;
  }
  const logo = d.logoUri.trim();
  if (logo) {
    let url: URL | undefined;
    try { url = new URL(logo); } catch { /* reported below */ }
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'data:' && /^data:image\//.test(logo)) || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)))) {
      errors.logoUri = t.clients.check.logo;
    }
  }
  for (const key of ['backchannelUrl', 'frontchannelUrl'] as const) {
    const url = d[key].trim();
    if (url && !/^https?:\/\/[^/\s]+/.test(url)) errors[key] = t.clients.check.logoutUrl;
  }
  return {
    ...errors,
    ...(d.jwksUrl.trim() && !/^https?:\/\/\S+$/.test(d.jwksUrl.trim()) ? { jwksUrl: t.clients.check.jwksUrl } : {}),
    ...checkList('redirectUris', d.redirectUris, (u) => redirectProblem(u.trim(), false)),
    ...checkList('webOrigins', d.webOrigins, (o) => (o.trim() === '+' || o.trim() === '*' || /^https?:\/\/[^/]+$/.test(o.trim()) ? undefined : t.clients.check.origin)),
    ...checkList('postLogoutRedirectUris', d.postLogoutRedirectUris, (u) => redirectProblem(u.trim(), true)),
  };
}

const CLIENT_FIELDS: Record<string, string> = {
  clientId: 'clientId', name: 'name', description: 'description', logoUri: 'logoUri',
  [`attributes.${API_ACCESS}`]: 'api', [`attributes.${OIDC}`]: 'oidc', 'attributes.access.token.lifespan': 'accessTokenLifespan',
  defaultClientScopes: 'defaultScopes', optionalClientScopes: 'optionalScopes', '409': 'clientId',
  'attributes.jwks.url': 'jwksUrl', clientAuthenticatorType: 'authenticator', 'attributes.request.object.required': 'requestObjectRequired',
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
        return t.common.saved;
      }
      onSaved(await api.create(path('realms', realm, 'clients'), bodyOf(d)));
      return t.common.created;
    }, CLIENT_FIELDS, () => checkDraft(d));
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={t.clients.formLabel}>
      <Notice kind="error">{e['']}</Notice>
      <div className="grid">
        <TextField label={t.clients.clientId} name="clientId" required value={d.clientId} onChange={set('clientId')} error={e.clientId}
          hint={t.clients.clientIdHint} autoComplete="off" />
        <TextField label={t.clients.name} name="name" value={d.name} onChange={set('name')} error={e.name} hint={t.clients.shownOnPages} />
      </div>
      <TextField label={t.common.description} name="description" value={d.description} onChange={set('description')} error={e.description} multiline />
      <div className="checks">
        <CheckField label={t.common.enabled} name="enabled" checked={d.enabled} onChange={set('enabled')} hint={t.clients.enabledHint} />
        <CheckField label={t.clients.confidentialLabel} name="confidential" checked={d.confidential} onChange={set('confidential')}
          hint={t.clients.confidentialHint} />
        <CheckField label={t.clients.oidc} name="oidc" checked={d.oidc} onChange={set('oidc')} error={e.oidc}
          hint={t.clients.oidcHint} />
        <CheckField label={t.clients.api} name="api" checked={d.api} onChange={set('api')} error={e.api}
          hint={d.oidc ? t.clients.apiHint : t.clients.apiRequired} />
      </div>

      <fieldset>
        <legend>{t.clients.redirects}</legend>
        <ListField label={t.clients.loginRedirects} name="redirectUris" values={d.redirectUris} onChange={set('redirectUris')} errors={e} addLabel={t.clients.addLoginRedirect}
          placeholder="https://app.example.com/callback" hint={t.clients.loginRedirectsHint} />
        <ListField label={t.clients.logoutRedirects} name="postLogoutRedirectUris" values={d.postLogoutRedirectUris} onChange={set('postLogoutRedirectUris')} errors={e}
          addLabel={t.clients.addLogoutRedirect} placeholder="https://app.example.com/signed-out" hint={t.clients.logoutRedirectsHint} />
        <ListField label={t.clients.webOrigins} name="webOrigins" values={d.webOrigins} onChange={set('webOrigins')} errors={e} addLabel={t.clients.addOrigin}
          placeholder="https://app.example.com" hint={t.clients.webOriginsHint} />
      </fieldset>

      <fieldset>
        <legend>{t.clients.grantType}</legend>
        <SelectField label={t.clients.grantType} name="grantType" value={grantType} onChange={(v) => { if (v !== 'custom') setDraft((old) => ({ ...old, ...GRANTS[v as keyof typeof GRANTS] })); }}
          options={[['authorization_code', t.clients.grantTypes_.code], ['client_credentials', t.clients.grantTypes_.clientCredentials], ['both', t.clients.grantTypes_.both], ['custom', t.clients.grantTypes_.custom]]}
          hint={grantType === 'client_credentials' ? t.clients.machineHint : grantType === 'authorization_code' ? t.clients.personHint : undefined} />
        <div className="checks compact">
          <CheckField label={t.clients.standardFlow} name="standardFlow" checked={d.standardFlow} onChange={set('standardFlow')} />
          <CheckField label={t.clients.serviceAccounts} name="serviceAccounts" checked={d.serviceAccounts} onChange={set('serviceAccounts')} />
          <CheckField label={t.clients.directAccess} name="directAccess" checked={d.directAccess} onChange={set('directAccess')} />
          <CheckField label={t.clients.implicitFlow} name="implicitFlow" checked={d.implicitFlow} onChange={set('implicitFlow')} />
          <CheckField label={t.clients.deviceGrant} name="deviceGrant" checked={d.deviceGrant} onChange={set('deviceGrant')} />
          {/* Keycloak offers it to confidential clients only; a public one is refused. */}
          {d.confidential ? <CheckField label={t.clients.tokenExchange} name="tokenExchange" checked={d.tokenExchange} onChange={set('tokenExchange')}
            hint={t.clients.tokenExchangeHint} /> : null}
        </div>
        <Identity realm={realm} client={client} draft={d} />
      </fieldset>

      <fieldset>
        <legend>{t.clients.signIn}</legend>
        <div className="checks">
          <CheckField label={t.clients.pkce} name="pkce" checked={d.pkce} onChange={set('pkce')}
            hint={t.clients.pkceHint(d.pkceMethod)} />
          <CheckField label={t.clients.refreshTokens} name="refreshTokens" checked={d.refreshTokens} onChange={set('refreshTokens')} />
          <CheckField label={t.clients.consent} name="consent" checked={d.consent} onChange={set('consent')} hint={t.clients.consentHint} />
        </div>
        <div className="grid">
          <TextField label={t.clients.logo} name="logoUri" value={d.logoUri} onChange={set('logoUri')} error={e.logoUri} placeholder="https://example.com/logo.png"
            hint={t.clients.shownOnPages} />
          {d.logoUri && !e.logoUri ? <img className="logo-preview" src={d.logoUri} alt={t.clients.logoPreview} /> : <span />}
        </div>
      </fieldset>

      <fieldset>
        <legend>{t.clients.logout.legend}</legend>
        <div className="grid">
          <TextField label={t.clients.logout.backchannelUrl} name="backchannelUrl" value={d.backchannelUrl} onChange={set('backchannelUrl')} error={e.backchannelUrl}
            placeholder="https://app.example.com/backchannel-logout" hint={t.clients.logout.backchannelUrlHint} />
          <TextField label={t.clients.logout.frontchannelUrl} name="frontchannelUrl" value={d.frontchannelUrl} onChange={set('frontchannelUrl')} error={e.frontchannelUrl}
            placeholder="https://app.example.com/frontchannel-logout" hint={t.clients.logout.frontchannelUrlHint} />
        </div>
        <div className="checks compact">
          <CheckField label={t.clients.logout.backchannelSession} name="backchannelSession" checked={d.backchannelSession} onChange={set('backchannelSession')} />
          <CheckField label={t.clients.logout.frontchannel} name="frontchannel" checked={d.frontchannel} onChange={set('frontchannel')} />
          <CheckField label={t.clients.logout.backchannelRevokeOffline} name="backchannelRevokeOffline" checked={d.backchannelRevokeOffline} onChange={set('backchannelRevokeOffline')} />
          <CheckField label={t.clients.logout.frontchannelSession} name="frontchannelSession" checked={d.frontchannelSession} onChange={set('frontchannelSession')} />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t.clients.requests.legend}</legend>
        <div className="grid">
          <SelectField label={t.clients.requests.authenticator} name="authenticator" value={d.authenticator} onChange={set('authenticator')}
            options={d.authenticator === 'client-x509' ? [...authenticators(), ['client-x509', t.clients.requests.x509]] : authenticators()}
            error={e.authenticator} disabled={!d.confidential}
            hint={d.confidential ? t.clients.requests.authenticatorHint : t.clients.requests.publicHint} />
          <TextField label={t.clients.requests.jwksUrl} name="jwksUrl" value={d.jwksUrl} onChange={set('jwksUrl')} error={e.jwksUrl} placeholder="https://app.example.com/jwks.json"
            hint={t.clients.requests.jwksUrlHint} />
        </div>
        <div className="grid">
          <CheckField label={t.clients.requests.par} name="requirePar" checked={d.requirePar} onChange={set('requirePar')}
            hint={t.clients.requests.parHint} />
          <CheckField label={t.clients.requests.dpop} name="requireDpop" checked={d.requireDpop} onChange={set('requireDpop')}
            hint={t.clients.requests.dpopHint} />
          <SelectField label={t.clients.requests.requestObjects} name="requestObjectRequired" value={d.requestObjectRequired} onChange={set('requestObjectRequired')}
            options={requestObjects()} error={e.requestObjectRequired} hint={t.clients.requests.requestObjectsHint} />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t.clients.token}</legend>
        <div className="grid three">
          <TextField label={t.clients.accessTokenLifespan} name="accessTokenLifespan" value={d.accessTokenLifespan} onChange={set('accessTokenLifespan')}
            error={e.accessTokenLifespan} placeholder={t.clients.theRealms} hint={duration(Number(d.accessTokenLifespan)) || t.clients.lifespanEmpty} />
          <SelectField label={t.clients.accessTokenAlg} name="accessTokenAlg" value={d.accessTokenAlg} onChange={set('accessTokenAlg')} options={algs()} />
          <SelectField label={t.clients.idTokenAlg} name="idTokenAlg" value={d.idTokenAlg} onChange={set('idTokenAlg')} options={algs()} />
        </div>
        <div className="grid">
          <TextField label={t.clients.defaultScopes} name="defaultScopes" value={d.defaultScopes} onChange={set('defaultScopes')} error={e.defaultScopes}
            placeholder={t.clients.defaultScopesPlaceholder} hint={t.clients.defaultScopesHint} />
          <TextField label={t.clients.optionalScopes} name="optionalScopes" value={d.optionalScopes} onChange={set('optionalScopes')} error={e.optionalScopes}
            placeholder={t.clients.optionalScopesPlaceholder} hint={t.clients.optionalScopesHint} />
        </div>
      </fieldset>

      <div className="actions">
        <button type="submit" disabled={save.busy}>{client ? t.common.save : t.common.create}</button>
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
  if (!draft.serviceAccounts) body = <span className="muted">{t.clients.identity.none}</span>;
  else if (!draft.confidential) body = <span className="muted">{t.clients.identity.public}</span>;
  else if (!saved) body = <span className="muted">{t.clients.identity.created(`service-account-${draft.clientId || '…'}`)}</span>;
  else if (user.data) body = <a href={href(realm, 'users', user.data.id)}>{user.data.username}</a>;
  else body = user.error ? <span className="field-error">{user.error}</span> : <span className="muted">{t.common.loading()}</span>;
  return (
    <div className="field identity">
      <span className="label">{t.clients.identity.label}</span>
      <p>{body}</p>
      {saved && user.data ? <p className="hint">{t.clients.identity.roles(<a href={href(realm, 'users', user.data.id, 'roles')}>{t.clients.identity.roleMapping}</a>)}</p> : null}
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
    return <Notice>{t.secrets.publicNone}</Notice>;
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
      return t.secrets.added;
    }, { value: 'value', label: 'label', expiresAt: 'expires' }, () => {
      const errors: Errors = {};
      if (mode === 'enter' && value.length < 16) errors.value = t.secrets.tooShort;
      if (mode === 'enter' && value.length > 512) errors.value = t.secrets.tooLong;
      if (expires && (expiresAt === null || Number.isNaN(expiresAt))) errors.expires = t.secrets.enterDate;
      else if (expiresAt !== null && expiresAt * 1000 <= Date.now()) errors.expires = t.secrets.past;
      return errors;
    });
  };
  return (
    <div>
      <p className="lead">{t.secrets.lead}</p>
      {secrets.error ? <Notice kind="error">{secrets.error}</Notice> : null}
      <table className="list">
        <thead><tr><th>{t.secrets.label}</th><th>{t.secrets.addedAt}</th><th>{t.secrets.expires}</th><th>{t.common.status}</th><th /></tr></thead>
        <tbody>
          {(secrets.data ?? []).map((s) => (
            <tr key={s.id} data-secret-label={s.label ?? ''}>
              <td>{s.label ?? <span className="muted">—</span>}</td>
              <td className="nowrap">{when(s.createdAt)}</td>
              <td className="nowrap">{s.expiresAt === null ? t.secrets.never : when(s.expiresAt)}</td>
              <td><span className={`badge ${s.expired ? 'off' : 'on'}`}>{s.expired ? t.secrets.expired : t.secrets.valid}</span></td>
              <td className="row-actions">
                <ConfirmButton label={t.common.delete} className="danger small" title={t.secrets.deleteTitle} confirmLabel={t.secrets.deleteConfirm}
                  message={<p>{t.secrets.deleteMessage(s.label ? <b>{s.label}</b> : null, when(s.createdAt))}</p>}
                  onConfirm={async () => { await api.delete(`${secretsPath}/${encodeURIComponent(s.id)}`); secrets.reload(); }} />
              </td>
            </tr>
          ))}
          {secrets.data?.length === 0 ? <tr><td colSpan={5} className="muted">{t.secrets.empty}</td></tr> : null}
        </tbody>
      </table>
      {shown ? (
        <div className="notice notice-success new-secret" role="status">
          <p>{t.secrets.copyNow}</p>
          <code className="secret-value">{shown}</code>
        </div>
      ) : null}
      <form className="form boxed" onSubmit={add} noValidate aria-label={t.secrets.addTitle}>
        <h2>{t.secrets.addTitle}</h2>
        <Notice kind="error">{save.errors['']}</Notice>
        <div className="radios" role="radiogroup" aria-label={t.secrets.value}>
          <label><input type="radio" name="mode" checked={mode === 'generate'} onChange={() => setMode('generate')} /> {t.secrets.generate}</label>
          <label><input type="radio" name="mode" checked={mode === 'enter'} onChange={() => setMode('enter')} /> {t.secrets.enter}</label>
        </div>
        {mode === 'enter'
          ? <TextField label={t.secrets.secret} name="value" type="password" autoComplete="new-password" value={value} onChange={setValue} error={save.errors.value} hint={t.secrets.atLeast16} />
          : null}
        <div className="grid">
          <TextField label={t.secrets.label} name="label" value={label} onChange={setLabel} error={save.errors.label} placeholder={t.secrets.labelPlaceholder} />
          <TextField label={t.secrets.expires} name="expires" type="datetime-local" value={expires} onChange={setExpires} error={save.errors.expires} hint={t.secrets.emptyNever} />
        </div>
        <div className="actions"><button type="submit" disabled={save.busy}>{t.secrets.add}</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
    </div>
  );
}

// ---- Redirects --------------------------------------------------------------------------

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** What is wrong with a redirect URI as the authorization endpoint will match it (exact, or a prefix ending in *). */
function redirectProblem(uri: string, allowPlus: boolean): string | undefined {
  if (!uri.trim()) return t.clients.check.redirectEmpty;
  if (allowPlus && uri === '+') return undefined;
  let url: URL;
  try {
    url = new URL(uri.endsWith('*') ? `${uri.slice(0, -1)}x` : uri);
  } catch {
    return t.clients.check.redirectWhole;
  }
  if (url.hash) return t.clients.check.redirectFragment;
  if (url.protocol === 'http:' && !LOOPBACK.includes(url.hostname)) return t.clients.check.redirectHttp;
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
    for (const [lang, text] of Object.entries(texts)) {
      const kept = Object.fromEntries(Object.entries(text).filter(([, v]) => v && v.trim()).map(([k, v]) => [k, v!.trim()]));
      if (Object.keys(kept).length > 0) cleaned[lang] = kept;
    }
    await save.run(async () => { await api.put(path('realms', realm, 'clients', client.id), { consentTexts: cleaned }); onSaved(); });
  };
  const addLanguage = () => {
    const tag = adding.trim();
    if (!/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(tag)) { save.setErrors({ language: t.translations.badTag }); return; }
    if (!languages.includes(tag)) setLanguages([...languages, tag]);
    save.setErrors({});
    setAdding('');
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={t.clients.tabs.translations}>
      <p className="lead">{t.translations.lead} {client.consentRequired ? '' : t.translations.consentOff}</p>
      <Notice kind="error">{save.errors['']}</Notice>
      <table className="list translations">
        <thead><tr><th>{t.translations.language}</th><th>{t.translations.profile}</th><th>{t.translations.email}</th><th>{t.translations.api}</th></tr></thead>
        <tbody>
          {languages.map((lang) => (
            <tr key={lang} data-language={lang}>
              <th scope="row">{lang}</th>
              {(['profile', 'email', 'api'] as const).map((kind) => (
                <td key={kind}><textarea aria-label={t.translations.cell(kind, lang)} name={`${kind}-${lang}`} rows={2} value={texts[lang]?.[kind] ?? ''}
                  onChange={(e) => set(lang, kind, e.target.value)} placeholder={t.translations.placeholders[kind]} /></td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="inline-add">
        <TextField label={t.translations.another} name="language" value={adding} onChange={setAdding} error={save.errors.language} placeholder="es" />
        <button type="button" className="secondary" onClick={addLanguage}>{t.translations.add}</button>
      </div>
      <div className="actions"><button type="submit" disabled={save.busy}>{t.common.save}</button><Notice kind="success">{save.saved}</Notice></div>
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
        if (!r.claim.trim()) errors[`customResources[${i}].claim`] = t.resources.claimMissing;
        else if (!/^[A-Za-z0-9_.:-]+$/.test(r.claim)) errors[`customResources[${i}].claim`] = t.resources.claimChars;
        if (!r.userAttribute.trim()) errors[`customResources[${i}].userAttribute`] = t.resources.attributeMissing;
      });
      return errors;
    });
  };
  const err = (i: number, f: string) => save.errors[`customResources[${i}].${f}`];
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={t.clients.tabs.resources}>
      <p className="lead">{t.resources.lead}</p>
      <Notice kind="error">{save.errors['']}</Notice>
      <table className="list resources">
        <thead><tr><th>{t.resources.claim}</th><th>{t.resources.userAttribute}</th><th>{t.resources.type}</th><th className="narrow">{t.resources.multivalued}</th><th className="narrow">{t.resources.accessToken}</th><th className="narrow">{t.resources.idToken}</th><th className="narrow">{t.resources.userinfo}</th><th /></tr></thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td><input aria-label={`${t.resources.claim} ${i + 1}`} value={r.claim} className={err(i, 'claim') ? 'invalid' : undefined} aria-invalid={err(i, 'claim') ? true : undefined}
                onChange={(e) => set(i, { claim: e.target.value })} placeholder="department" />{err(i, 'claim') ? <p className="field-error" role="alert">{err(i, 'claim')}</p> : null}</td>
              <td><input aria-label={`${t.resources.userAttribute} ${i + 1}`} value={r.userAttribute} className={err(i, 'userAttribute') ? 'invalid' : undefined}
                onChange={(e) => set(i, { userAttribute: e.target.value })} placeholder="department" />{err(i, 'userAttribute') ? <p className="field-error" role="alert">{err(i, 'userAttribute')}</p> : null}</td>
              <td><select aria-label={`${t.resources.type} ${i + 1}`} value={r.jsonType} onChange={(e) => set(i, { jsonType: e.target.value as CustomResource['jsonType'] })}>
                {['String', 'long', 'int', 'boolean', 'JSON'].map((j) => <option key={j}>{j}</option>)}</select></td>
              {(['multivalued', 'accessToken', 'idToken', 'userinfo'] as const).map((f) => (
                <td key={f} className="narrow"><input type="checkbox" aria-label={`${t.resources[f]} ${i + 1}`} checked={r[f]} onChange={(e) => set(i, { [f]: e.target.checked })} /></td>
              ))}
              <td><button type="button" className="secondary small" onClick={() => setRows(rows.filter((_, k) => k !== i))}>{t.common.remove}</button></td>
            </tr>
          ))}
          {rows.length === 0 ? <tr><td colSpan={8} className="muted">{t.resources.empty}</td></tr> : null}
        </tbody>
      </table>
      <button type="button" className="secondary small" onClick={() => setRows([...rows, blankResource()])}>{t.resources.add}</button>
      <div className="actions"><button type="submit" disabled={save.busy}>{t.common.save}</button><Notice kind="success">{save.saved}</Notice></div>
    </form>
  );
}
