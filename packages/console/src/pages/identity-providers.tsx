import { useState, type FormEvent } from 'react';
import { api, ApiError, path } from '../api';
import { go, href } from '../router';
import type { IdentityProviderRep } from '../types';
import { CheckField, ConfirmButton, Loading, Notice, SelectField, TextField, useLoad, useSave, type Errors } from '../ui';

// Other OpenID providers the realm signs its users in through (seed 003's settings): a
// "Sign in with …" button each on the login page.

const MASKED = '**********';
const RESPONSE_TYPES: Array<[string, string]> = [
  ['code', 'code (authorization code flow)'], ['id_token', 'id_token (implicit)'], ['id_token token', 'id_token token (implicit)'],
  ['code id_token', 'code id_token (hybrid)'], ['code token', 'code token (hybrid)'], ['code id_token token', 'code id_token token (hybrid)'],
];

export function IdentityProvidersPage({ realm, alias }: { realm: string; alias?: string }) {
  if (alias) return <IdentityProviderPage key={alias} realm={realm} alias={alias} />;
  return <IdentityProviderList realm={realm} />;
}

function IdentityProviderList({ realm }: { realm: string }) {
  const providers = useLoad(() => api.get<IdentityProviderRep[]>(path('realms', realm, 'identity-provider', 'instances')), [realm]);
  return (
    <section>
      <div className="page-head">
        <h1>Identity providers</h1>
        <a className="button" href={href(realm, 'identity-providers', 'new')}>Add identity provider</a>
      </div>
      <p className="lead">Other OpenID Connect providers users can sign in with: each is a button on the login page, and its users become users of this realm.</p>
      {providers.error ? <Notice kind="error">{providers.error}</Notice> : null}
      {providers.data ? (
        <table className="list">
          <thead><tr><th>Alias</th><th>Name</th><th>Issuer</th><th>Response type</th><th>Status</th></tr></thead>
          <tbody>
            {providers.data.map((p) => (
              <tr key={p.alias}>
                <td><a href={href(realm, 'identity-providers', p.alias)}>{p.alias}</a></td>
                <td>{p.displayName ?? ''}</td>
                <td>{p.config.issuer}</td>
                <td>{p.responseType}</td>
                <td><span className={`badge ${p.enabled ? 'on' : 'off'}`}>{p.enabled ? 'Enabled' : 'Disabled'}</span></td>
              </tr>
            ))}
            {providers.data.length === 0 ? <tr><td colSpan={5} className="muted">No identity providers yet.</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
    </section>
  );
}

function IdentityProviderPage({ realm, alias }: { realm: string; alias: string }) {
  const isNew = alias === 'new';
  const provider = useLoad(() => (isNew ? Promise.resolve(undefined) : api.get<IdentityProviderRep>(path('realms', realm, 'identity-provider', 'instances', alias))), [realm, alias]);
  if (provider.error) return <Notice kind="error">{provider.error}</Notice>;
  if (!isNew && !provider.data) return <Loading what="the identity provider" />;
  const p = provider.data;
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'identity-providers')}>Identity providers</a> ›</p>
      <div className="page-head">
        <h1>{p ? <>{p.displayName || p.alias} <small className="muted">{p.alias}</small></> : 'Add identity provider'}</h1>
        {p ? (
          <ConfirmButton label="Delete" title={`Delete ${p.alias}?`} confirmLabel="Delete identity provider"
            message={<p>Its button leaves the login page, and the users who signed in through it lose their link to it (they stay users of the realm).</p>}
            onConfirm={async () => { await api.delete(path('realms', realm, 'identity-provider', 'instances', p.alias)); go(realm, 'identity-providers'); }} />
        ) : null}
      </div>
      <IdentityProviderForm realm={realm} provider={p} onSaved={(saved) => (saved === alias ? provider.reload() : go(realm, 'identity-providers', saved))} />
    </section>
  );
}

interface Mapper { name: string; claim: string; userAttribute: string }

interface Draft {
  alias: string; displayName: string; enabled: boolean; hideOnLogin: boolean;
  issuer: string; metadataUrl: string; clientId: string; clientSecret: string; clientAuthMethod: string; scope: string;
  responseType: string; responseMode: string; pkce: boolean; postLogoutUrl: string; emailCollision: string; syncMode: string;
  trustEmail: boolean; mappers: Mapper[];
}

function draftOf(p?: IdentityProviderRep): Draft {
  const c = p?.config ?? {};
  return {
    alias: p?.alias ?? '', displayName: p?.displayName ?? '', enabled: p?.enabled ?? true, hideOnLogin: p?.hideOnLogin ?? false,
    issuer: c.issuer ?? '', metadataUrl: c.metadataDescriptorUrl ?? '', clientId: c.clientId ?? '', clientSecret: c.clientSecret ?? '',
    clientAuthMethod: c.clientAuthMethod ?? 'client_secret_post', scope: c.defaultScope ?? 'openid', responseType: p?.responseType ?? 'code',
    responseMode: p?.responseMode ?? '', pkce: p ? c.pkceEnabled === 'true' : true, postLogoutUrl: p?.postLogoutUrl ?? '',
    emailCollision: p?.emailCollision ?? 'link', syncMode: c.syncMode ?? 'FORCE', trustEmail: p?.trustEmail ?? false,
    mappers: (p?.claimMappers ?? []).map((m) => ({ name: m.name ?? m.claim, claim: m.claim, userAttribute: m.userAttribute })),
  };
}

function bodyOf(d: Draft, existing: boolean) {
  return {
    alias: d.alias.trim(),
    displayName: d.displayName.trim(),
    providerId: 'oidc',
    enabled: d.enabled,
    hideOnLogin: d.hideOnLogin,
    trustEmail: d.trustEmail,
    responseType: d.responseType,
    responseMode: d.responseMode,
    postLogoutUrl: d.postLogoutUrl.trim(),
    emailCollision: d.emailCollision,
    claimMappers: d.mappers.filter((m) => m.claim.trim() || m.userAttribute.trim())
      .map((m) => ({ name: m.name.trim() || m.userAttribute.trim(), claim: m.claim.trim(), userAttribute: m.userAttribute.trim() })),
    config: {
      issuer: d.issuer.trim(),
      metadataDescriptorUrl: d.metadataUrl.trim(),
      clientId: d.clientId.trim(),
      // Unchanged, the masked secret keeps the one saved.
      ...(d.clientAuthMethod === 'none' ? { clientSecret: '' } : d.clientSecret || !existing ? { clientSecret: d.clientSecret } : {}),
      clientAuthMethod: d.clientAuthMethod,
      defaultScope: d.scope.trim(),
      pkceEnabled: String(d.pkce && d.responseType.includes('code')),
      pkceMethod: 'S256',
      syncMode: d.syncMode,
    },
  };
}

function checkDraft(d: Draft): Errors {
  const errors: Errors = {};
  if (!d.alias.trim()) errors.alias = 'Enter an alias: it is part of the address the provider sends users back to.';
  else if (!/^[A-Za-z0-9._~-]+$/.test(d.alias.trim())) errors.alias = 'Letters, digits and . _ ~ - only.';
  if (!d.issuer.trim()) errors.issuer = 'Enter the provider\'s issuer (its Authority).';
  if (!d.clientId.trim()) errors.clientId = 'Enter the client ID this realm has at the provider.';
  if (d.clientAuthMethod !== 'none' && !d.clientSecret) errors.clientSecret = 'Enter the client secret, or choose a public client.';
  if (d.scope.trim().split(/\s+/)[0] !== 'openid') errors.scope = 'The scope must start with openid.';
  return errors;
}

/** The server's messages name what is wrong first ("config.issuer must use https…"): beside that field. */
const MESSAGE_FIELDS: Array<[RegExp, string]> = [
  [/^alias\b/, 'alias'], [/^config\.issuer\b|issuer\b/, 'issuer'], [/metadata/i, 'metadataUrl'], [/^config\.clientId\b/, 'clientId'],
  [/^config\.clientSecret\b/, 'clientSecret'], [/clientAuthMethod/, 'clientAuthMethod'], [/^config\.defaultScope\b/, 'scope'],
  [/responseMode/, 'responseMode'], [/responseType|PKCE needs/, 'responseType'], [/PKCE|pkce/, 'pkce'], [/^postLogoutUrl\b/, 'postLogoutUrl'],
  [/claim mapper/, 'mappers'],
];

const besideField = (err: unknown) => {
  if (!(err instanceof ApiError) || err.field) return err;
  const field = MESSAGE_FIELDS.find(([pattern]) => pattern.test(err.description))?.[1];
  return field ? new ApiError(err.status, err.description, field) : err;
};

function IdentityProviderForm({ realm, provider, onSaved }: { realm: string; provider?: IdentityProviderRep; onSaved: (alias: string) => void }) {
  const [d, setDraft] = useState(() => draftOf(provider));
  const save = useSave();
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((old) => ({ ...old, [key]: value }));
  const e = save.errors;
  const instances = path('realms', realm, 'identity-provider', 'instances');
  const callback = `${window.location.origin}${new URL('.', window.location.href).pathname.replace(/\/admin\/$/, '')}/realms/${encodeURIComponent(realm)}/broker/${encodeURIComponent(d.alias.trim() || '<alias>')}/endpoint`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      try {
        if (provider) {
          await api.put(path('realms', realm, 'identity-provider', 'instances', provider.alias), bodyOf(d, true));
          onSaved(d.alias.trim());
          return 'Saved.';
        }
        onSaved(await api.create(instances, bodyOf(d, false)));
        return 'Added.';
      } catch (err) {
        throw besideField(err);
      }
    }, { alias: 'alias', '409': 'alias' }, () => checkDraft(d));
  };
  const setMapper = (i: number, change: Partial<Mapper>) => set('mappers')(d.mappers.map((m, k) => (k === i ? { ...m, ...change } : m)));
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Identity provider">
      <Notice kind="error">{e['']}</Notice>
      <div className="grid">
        <TextField label="Alias" name="alias" required value={d.alias} onChange={set('alias')} error={e.alias} autoComplete="off"
          hint={<>Register this redirect URI at the provider: <code>{callback}</code></>} />
        <TextField label="Display name" name="displayName" value={d.displayName} onChange={set('displayName')} hint="The button says Sign in with this." />
      </div>
      <div className="checks">
        <CheckField label="Enabled" name="enabled" checked={d.enabled} onChange={set('enabled')} hint="An enabled provider is checked against its metadata when saved." />
        <CheckField label="Hide on the login page" name="hideOnLogin" checked={d.hideOnLogin} onChange={set('hideOnLogin')} />
      </div>

      <fieldset>
        <legend>Provider</legend>
        <div className="grid">
          <TextField label="Issuer (Authority)" name="issuer" required value={d.issuer} onChange={set('issuer')} error={e.issuer}
            placeholder="https://accounts.example.com" autoComplete="off" />
          <TextField label="Metadata address" name="metadataUrl" value={d.metadataUrl} onChange={set('metadataUrl')} error={e.metadataUrl}
            placeholder="The issuer's /.well-known/openid-configuration" autoComplete="off" />
        </div>
        <div className="grid three">
          <TextField label="Client ID" name="clientId" required value={d.clientId} onChange={set('clientId')} error={e.clientId} autoComplete="off" />
          <SelectField label="Client authentication" name="clientAuthMethod" value={d.clientAuthMethod} onChange={set('clientAuthMethod')} error={e.clientAuthMethod}
            options={[['client_secret_post', 'Client secret (post)'], ['client_secret_basic', 'Client secret (basic)'], ['none', 'None (a public client)']]} />
          <TextField label="Client secret" name="clientSecret" type="password" value={d.clientSecret} onChange={set('clientSecret')} error={e.clientSecret}
            disabled={d.clientAuthMethod === 'none'} autoComplete="new-password" hint={provider && d.clientSecret === MASKED ? 'Saved; type a new one to change it.' : undefined} />
        </div>
      </fieldset>

      <fieldset>
        <legend>Sign-in</legend>
        <div className="grid three">
          <TextField label="Scope" name="scope" value={d.scope} onChange={set('scope')} error={e.scope} hint="Space-separated, openid first." />
          <SelectField label="Response type" name="responseType" value={d.responseType} onChange={set('responseType')} error={e.responseType} options={RESPONSE_TYPES} />
          <SelectField label="Response mode" name="responseMode" value={d.responseMode} onChange={set('responseMode')} error={e.responseMode}
            options={[['', 'The response type\'s own'], ['query', 'query'], ['fragment', 'fragment'], ['form_post', 'form_post']]} />
        </div>
        <div className="checks">
          <CheckField label="PKCE (S256)" name="pkce" checked={d.pkce && d.responseType.includes('code')} disabled={!d.responseType.includes('code')}
            onChange={set('pkce')} error={e.pkce} hint={d.responseType.includes('code') ? undefined : 'Only for response types that return a code.'} />
          <CheckField label="Trust the provider's emails as verified" name="trustEmail" checked={d.trustEmail} onChange={set('trustEmail')} />
        </div>
        <div className="grid three">
          <SelectField label="An email an account has already" name="emailCollision" value={d.emailCollision} onChange={set('emailCollision')}
            options={[['link', 'Link after that account\'s password'], ['refuse', 'Refuse the sign-in']]} />
          <SelectField label="Copy the claims" name="syncMode" value={d.syncMode} onChange={set('syncMode')}
            options={[['FORCE', 'At every sign-in'], ['IMPORT', 'At the first sign-in only']]} />
          <TextField label="After logout" name="postLogoutUrl" value={d.postLogoutUrl} onChange={set('postLogoutUrl')} error={e.postLogoutUrl}
            placeholder="https://example.com/signed-out" hint="Where users go once the provider ended its session too, unless the application says." />
        </div>
      </fieldset>

      <fieldset className="list-field" data-field="mappers">
        <legend>Claims copied into user attributes</legend>
        <p className="hint">Besides sub, name, email, given_name, family_name and phone_number. The attribute may be email, firstName, lastName, phoneNumber or any name.</p>
        {d.mappers.length === 0 ? <p className="muted">None.</p> : null}
        {d.mappers.map((m, i) => (
          <div className="list-row" key={i}>
            <input aria-label={`Claim ${i + 1}`} placeholder="Claim, e.g. department" value={m.claim} onChange={(ev) => setMapper(i, { claim: ev.target.value })} />
            <input aria-label={`User attribute ${i + 1}`} placeholder="User attribute" value={m.userAttribute} onChange={(ev) => setMapper(i, { userAttribute: ev.target.value })} />
            <button type="button" className="secondary small" aria-label={`Remove claim ${m.claim || i + 1}`} onClick={() => set('mappers')(d.mappers.filter((_, k) => k !== i))}>Remove</button>
          </div>
        ))}
        {e.mappers ? <p className="field-error" role="alert">{e.mappers}</p> : null}
        <button type="button" className="secondary small" onClick={() => set('mappers')([...d.mappers, { name: '', claim: '', userAttribute: '' }])}>Add a claim</button>
      </fieldset>

      <div className="actions">
        <button type="submit" disabled={save.busy}>{provider ? 'Save' : 'Add'}</button>
        <Notice kind="success">{save.saved}</Notice>
      </div>
    </form>
  );
}
