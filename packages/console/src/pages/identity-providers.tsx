import { useState, type FormEvent } from 'react';
import { api, ApiError, path } from '../api';
import { go, href } from '../router';
import { t } from '../i18n';
import type { IdentityProviderRep } from '../types';
import { CheckField, ConfirmButton, Loading, Notice, SelectField, TextField, useLoad, useSave, type Errors } from '../ui';

// Other OpenID providers the realm signs its users in through (seed 003's settings): a
// "Sign in with …" button each on the login page.

const MASKED = '**********';
const responseTypes = (): Array<[string, string]> => [
  ['code', `code (${t.idp.flows.code})`], ['id_token', `id_token (${t.idp.flows.implicit})`], ['id_token token', `id_token token (${t.idp.flows.implicit})`],
  ['code id_token', `code id_token (${t.idp.flows.hybrid})`], ['code token', `code token (${t.idp.flows.hybrid})`], ['code id_token token', `code id_token token (${t.idp.flows.hybrid})`],
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
        <h1>{t.idp.title}</h1>
        <a className="button" href={href(realm, 'identity-providers', 'new')}>{t.idp.add}</a>
      </div>
      <p className="lead">{t.idp.lead}</p>
      {providers.error ? <Notice kind="error">{providers.error}</Notice> : null}
      {providers.data ? (
        <table className="list">
          <thead><tr><th>{t.idp.alias}</th><th>{t.common.name}</th><th>{t.idp.issuerShort}</th><th>{t.idp.responseType}</th><th>{t.common.status}</th></tr></thead>
          <tbody>
            {providers.data.map((p) => (
              <tr key={p.alias}>
                <td><a href={href(realm, 'identity-providers', p.alias)}>{p.alias}</a></td>
                <td>{p.displayName ?? ''}</td>
                <td>{p.config.issuer}</td>
                <td>{p.responseType}</td>
                <td><span className={`badge ${p.enabled ? 'on' : 'off'}`}>{p.enabled ? t.common.enabled : t.common.disabled}</span></td>
              </tr>
            ))}
            {providers.data.length === 0 ? <tr><td colSpan={5} className="muted">{t.idp.empty}</td></tr> : null}
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
  if (!isNew && !provider.data) return <Loading what={t.idp.theProvider} />;
  const p = provider.data;
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'identity-providers')}>{t.idp.title}</a> ›</p>
      <div className="page-head">
        <h1>{p ? <>{p.displayName || p.alias} <small className="muted">{p.alias}</small></> : t.idp.add}</h1>
        {p ? (
          <ConfirmButton label={t.common.delete} title={t.common.deleteNamed(p.alias)} confirmLabel={t.idp.deleteConfirm}
            message={<p>{t.idp.deleteMessage}</p>}
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
  /** Keycloak's postBrokerLoginFlowAlias: '' for none. */
  postBrokerFlow: string;
}

/** The post-broker login flow the console names when it switches the second factor after a provider's sign-in on. */
const POST_BROKER_FLOW = 'post broker second factor';

function draftOf(p?: IdentityProviderRep): Draft {
  const c = p?.config ?? {};
  return {
    alias: p?.alias ?? '', displayName: p?.displayName ?? '', enabled: p?.enabled ?? true, hideOnLogin: p?.hideOnLogin ?? false,
    issuer: c.issuer ?? '', metadataUrl: c.metadataDescriptorUrl ?? '', clientId: c.clientId ?? '', clientSecret: c.clientSecret ?? '',
    clientAuthMethod: c.clientAuthMethod ?? 'client_secret_post', scope: c.defaultScope ?? 'openid', responseType: p?.responseType ?? 'code',
    responseMode: p?.responseMode ?? '', pkce: p ? c.pkceEnabled === 'true' : true, postLogoutUrl: p?.postLogoutUrl ?? '',
    emailCollision: p?.emailCollision ?? 'link', syncMode: c.syncMode ?? 'FORCE', trustEmail: p?.trustEmail ?? false,
    mappers: (p?.claimMappers ?? []).map((m) => ({ name: m.name ?? m.claim, claim: m.claim, userAttribute: m.userAttribute })),
    postBrokerFlow: p?.postBrokerLoginFlowAlias ?? '',
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
    postBrokerLoginFlowAlias: d.postBrokerFlow,
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
  if (!d.alias.trim()) errors.alias = t.idp.check.alias;
  else if (!/^[A-Za-z0-9._~-]+$/.test(d.alias.trim())) errors.alias = t.idp.check.aliasChars;
  if (!d.issuer.trim()) errors.issuer = t.idp.check.issuer;
  if (!d.clientId.trim()) errors.clientId = t.idp.check.clientId;
  if (d.clientAuthMethod !== 'none' && !d.clientSecret) errors.clientSecret = t.idp.check.clientSecret;
  if (d.scope.trim().split(/\s+/)[0] !== 'openid') errors.scope = t.idp.check.scope;
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
          return t.common.saved;
        }
        onSaved(await api.create(instances, bodyOf(d, false)));
        return t.idp.added;
      } catch (err) {
        throw besideField(err);
      }
    }, { alias: 'alias', '409': 'alias' }, () => checkDraft(d));
  };
  const setMapper = (i: number, change: Partial<Mapper>) => set('mappers')(d.mappers.map((m, k) => (k === i ? { ...m, ...change } : m)));
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={t.idp.formLabel}>
      <Notice kind="error">{e['']}</Notice>
      <div className="grid">
        <TextField label={t.idp.alias} name="alias" required value={d.alias} onChange={set('alias')} error={e.alias} autoComplete="off"
          hint={t.idp.aliasHint(<code>{callback}</code>)} />
        <TextField label={t.idp.displayName} name="displayName" value={d.displayName} onChange={set('displayName')} hint={t.idp.displayNameHint} />
      </div>
      <div className="checks">
        <CheckField label={t.common.enabled} name="enabled" checked={d.enabled} onChange={set('enabled')} hint={t.idp.enabledHint} />
        <CheckField label={t.idp.hideOnLogin} name="hideOnLogin" checked={d.hideOnLogin} onChange={set('hideOnLogin')} />
      </div>

      <fieldset>
        <legend>{t.idp.provider}</legend>
        <div className="grid">
          <TextField label={t.idp.issuer} name="issuer" required value={d.issuer} onChange={set('issuer')} error={e.issuer}
            placeholder="https://accounts.example.com" autoComplete="off" />
          <TextField label={t.idp.metadata} name="metadataUrl" value={d.metadataUrl} onChange={set('metadataUrl')} error={e.metadataUrl}
            placeholder={t.idp.metadataPlaceholder} autoComplete="off" />
        </div>
        <div className="grid three">
          <TextField label={t.clients.clientId} name="clientId" required value={d.clientId} onChange={set('clientId')} error={e.clientId} autoComplete="off" />
          <SelectField label={t.idp.clientAuth} name="clientAuthMethod" value={d.clientAuthMethod} onChange={set('clientAuthMethod')} error={e.clientAuthMethod}
            options={[['client_secret_post', t.idp.authPost], ['client_secret_basic', t.idp.authBasic], ['none', t.idp.authNone]]} />
          <TextField label={t.idp.clientSecret} name="clientSecret" type="password" value={d.clientSecret} onChange={set('clientSecret')} error={e.clientSecret}
            disabled={d.clientAuthMethod === 'none'} autoComplete="new-password" hint={provider && d.clientSecret === MASKED ? t.idp.secretSaved : undefined} />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t.clients.signIn}</legend>
        <div className="grid three">
          <TextField label={t.idp.scope} name="scope" value={d.scope} onChange={set('scope')} error={e.scope} hint={t.idp.scopeHint} />
          <SelectField label={t.idp.responseType} name="responseType" value={d.responseType} onChange={set('responseType')} error={e.responseType} options={responseTypes()} />
          <SelectField label={t.idp.responseMode} name="responseMode" value={d.responseMode} onChange={set('responseMode')} error={e.responseMode}
            options={[['', t.idp.responseModeOwn], ['query', 'query'], ['fragment', 'fragment'], ['form_post', 'form_post']]} />
        </div>
        <div className="checks">
          <CheckField label="PKCE (S256)" name="pkce" checked={d.pkce && d.responseType.includes('code')} disabled={!d.responseType.includes('code')}
            onChange={set('pkce')} error={e.pkce} hint={d.responseType.includes('code') ? undefined : t.idp.pkceOnlyCode} />
          <CheckField label={t.idp.trustEmail} name="trustEmail" checked={d.trustEmail} onChange={set('trustEmail')} />
          <CheckField label={t.idp.secondFactorAfter} name="postBrokerLoginFlowAlias" checked={d.postBrokerFlow !== ''} hint={t.idp.secondFactorAfterHint}
            onChange={(on) => set('postBrokerFlow')(on ? POST_BROKER_FLOW : '')} />
        </div>
        <div className="grid three">
          <SelectField label={t.idp.emailCollision} name="emailCollision" value={d.emailCollision} onChange={set('emailCollision')}
            options={[['link', t.idp.collisionLink], ['refuse', t.idp.collisionRefuse]]} />
          <SelectField label={t.idp.syncMode} name="syncMode" value={d.syncMode} onChange={set('syncMode')}
            options={[['FORCE', t.idp.syncForce], ['IMPORT', t.idp.syncImport]]} />
          <TextField label={t.idp.afterLogout} name="postLogoutUrl" value={d.postLogoutUrl} onChange={set('postLogoutUrl')} error={e.postLogoutUrl}
            placeholder="https://example.com/signed-out" hint={t.idp.afterLogoutHint} />
        </div>
      </fieldset>

      <fieldset className="list-field" data-field="mappers">
        <legend>{t.idp.claims}</legend>
        <p className="hint">{t.idp.claimsHint}</p>
        {d.mappers.length === 0 ? <p className="muted">{t.idp.noClaims}</p> : null}
        {d.mappers.map((m, i) => (
          <div className="list-row" key={i}>
            <input aria-label={`${t.resources.claim} ${i + 1}`} placeholder={t.idp.claimPlaceholder} value={m.claim} onChange={(ev) => setMapper(i, { claim: ev.target.value })} />
            <input aria-label={`${t.resources.userAttribute} ${i + 1}`} placeholder={t.resources.userAttribute} value={m.userAttribute} onChange={(ev) => setMapper(i, { userAttribute: ev.target.value })} />
            <button type="button" className="secondary small" aria-label={t.idp.removeClaim(m.claim || String(i + 1))} onClick={() => set('mappers')(d.mappers.filter((_, k) => k !== i))}>{t.common.remove}</button>
          </div>
        ))}
        {e.mappers ? <p className="field-error" role="alert">{e.mappers}</p> : null}
        <button type="button" className="secondary small" onClick={() => set('mappers')([...d.mappers, { name: '', claim: '', userAttribute: '' }])}>{t.idp.addClaim}</button>
      </fieldset>

      <div className="actions">
        <button type="submit" disabled={save.busy}>{provider ? t.common.save : t.idp.addSubmit}</button>
        <Notice kind="success">{save.saved}</Notice>
      </div>
    </form>
  );
}
