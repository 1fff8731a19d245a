import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { t } from '../i18n';
import { go, href } from '../router';
import type { ClientRep, ClientScopeRep, MapperRep } from '../types';
import { CheckField, ConfirmButton, Loading, Notice, SelectField, Tabs, TextField, displayName, messageOf, useLoad, useSave, type Errors } from '../ui';
import { RoleMappings } from './role-mappings';

// A realm's client scopes (Keycloak's Client scopes page) and a client's assigned scopes and
// own mappers, on the admin API's Keycloak routes.

const OIDC = 'openid-connect';
type ScopeType = 'default' | 'optional' | 'none';
const typeOptions = (): Array<[ScopeType, string]> => [['default', t.scopes.types.default], ['optional', t.scopes.types.optional], ['none', t.scopes.types.none]];

/** The realm's client scopes, each with the type new clients get it as (the realm's default-default and default-optional lists). */
function useRealmScopes(realm: string) {
  return useLoad(async () => {
    const base = path('realms', realm);
    const [scopes, defaults, optionals] = await Promise.all([
      api.get<ClientScopeRep[]>(`${base}/client-scopes`),
      api.get<Array<{ id: string }>>(`${base}/default-default-client-scopes`),
      api.get<Array<{ id: string }>>(`${base}/default-optional-client-scopes`),
    ]);
    const typeOf = (id: string): ScopeType => (defaults.some((s) => s.id === id) ? 'default' : optionals.some((s) => s.id === id) ? 'optional' : 'none');
    return scopes.map((s) => ({ ...s, type: typeOf(s.id) })).sort((a, b) => a.name.localeCompare(b.name));
  }, [realm]);
}

/** Moves a scope between the realm's lists of defaults for new clients. */
async function setRealmType(realm: string, id: string, from: ScopeType, to: ScopeType): Promise<void> {
  const list = (type: ScopeType) => path('realms', realm, type === 'default' ? 'default-default-client-scopes' : 'default-optional-client-scopes', id);
  if (from === to) return;
  if (to === 'none') await api.delete(list(from));
  else await api.put(list(to), {});
}

export function ClientScopesPage({ realm, id, tab }: { realm: string; id?: string; tab?: string }) {
  if (id === 'new') return <NewClientScope realm={realm} />;
  if (id) return <ClientScopePage key={id} realm={realm} id={id} tab={tab ?? 'settings'} />;
  return <ClientScopeList realm={realm} />;
}

function ClientScopeList({ realm }: { realm: string }) {
  const scopes = useRealmScopes(realm);
  const [error, setError] = useState<string>();
  const change = async (id: string, from: ScopeType, to: ScopeType) => {
    setError(undefined);
    try { await setRealmType(realm, id, from, to); } catch (err) { setError(messageOf(err)); }
    scopes.reload();
  };
  return (
    <section>
      <div className="page-head">
        <h1>{t.scopes.title}</h1>
        <a className="button" href={href(realm, 'client-scopes', 'new')}>{t.scopes.create}</a>
      </div>
      <p className="lead">{t.scopes.lead}</p>
      <Notice kind="error">{error ?? scopes.error}</Notice>
      {scopes.data ? (
        <table className="list client-scopes">
          <thead><tr><th>{t.scopes.name}</th><th>{t.scopes.assignedType}</th><th>{t.scopes.protocol}</th><th>{t.scopes.description}</th><th /></tr></thead>
          <tbody>
            {scopes.data.map((s) => (
              <tr key={s.id} data-scope={s.name}>
                <td><a href={href(realm, 'client-scopes', s.id)}>{s.name}</a></td>
                <td><select aria-label={t.scopes.typeOf(s.name)} value={s.type} onChange={(e) => void change(s.id, s.type, e.target.value as ScopeType)}>
                  {typeOptions().map(([v, text]) => <option key={v} value={v}>{text}</option>)}</select></td>
                <td>{protocolName(s.protocol)}</td>
                <td>{displayName(s.description, '') || <span className="muted">—</span>}</td>
                <td className="row-actions"><DeleteScope realm={realm} scope={s} onDeleted={scopes.reload} small /></td>
              </tr>
            ))}
            {scopes.data.length === 0 ? <tr><td colSpan={5} className="muted">{t.scopes.empty}</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
    </section>
  );
}

const protocolName = (protocol: string) => (protocol === OIDC ? 'OpenID Connect' : protocol);

function DeleteScope({ realm, scope, onDeleted, small }: { realm: string; scope: ClientScopeRep; onDeleted: () => void; small?: boolean }) {
  return (
    <ConfirmButton label={t.common.delete} className={small ? 'danger small' : 'danger'} title={t.scopes.deleteTitle(scope.name)} confirmLabel={t.scopes.deleteConfirm}
      message={<p>{t.scopes.deleteMessage}</p>}
      onConfirm={async () => { await api.delete(path('realms', realm, 'client-scopes', scope.id)); onDeleted(); }} />
  );
}

function NewClientScope({ realm }: { realm: string }) {
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'client-scopes')}>{t.scopes.title}</a> ›</p>
      <h1>{t.scopes.create}</h1>
      <ScopeForm realm={realm} type="none" onSaved={(id) => go(realm, 'client-scopes', id, 'settings')} />
    </section>
  );
}

function ClientScopePage({ realm, id, tab }: { realm: string; id: string; tab: string }) {
  const scopes = useRealmScopes(realm);
  if (scopes.error) return <Notice kind="error">{scopes.error}</Notice>;
  if (!scopes.data) return <Loading />;
  const scope = scopes.data.find((s) => s.id === id);
  if (!scope) return <Notice kind="error">{t.scopes.notFound}</Notice>;
  const base = path('realms', realm, 'client-scopes', id);
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'client-scopes')}>{t.scopes.title}</a> ›</p>
      <div className="page-head">
        <h1>{scope.name} <small className="muted">{protocolName(scope.protocol)}</small></h1>
        <DeleteScope realm={realm} scope={scope} onDeleted={() => go(realm, 'client-scopes')} />
      </div>
      <Tabs base={[realm, 'client-scopes', id]} current={tab}
        tabs={[['settings', t.scopes.tabs.settings], ['mappers', t.scopes.tabs.mappers], ['scope', t.scopes.tabs.scope]]} />
      <div className="tab-body">
        {tab === 'settings' ? <ScopeForm realm={realm} scope={scope} type={scope.type} onSaved={scopes.reload} /> : null}
        {tab === 'mappers' ? <Mappers realm={realm} base={base} /> : null}
        {tab === 'scope' ? <><p className="lead">{t.scopes.scopeLead}</p><RoleMappings realm={realm} holder={base} mappings="scope-mappings" /></> : null}
      </div>
    </section>
  );
}

const CONSENT = 'display.on.consent.screen';
const CONSENT_TEXT = 'consent.screen.text';
const IN_TOKEN = 'include.in.token.scope';

function ScopeForm({ realm, scope, type, onSaved }: { realm: string; scope?: ClientScopeRep; type: ScopeType; onSaved: (id: string) => void }) {
  const a = scope?.attributes ?? {};
  const [d, setDraft] = useState({
    name: scope?.name ?? '', description: scope?.description ?? '', type, inToken: a[IN_TOKEN] !== 'false',
    consent: a[CONSENT] !== 'false', consentText: a[CONSENT_TEXT] ?? '',
  });
  const save = useSave();
  const set = <K extends keyof typeof d>(key: K) => (value: (typeof d)[K]) => setDraft((old) => ({ ...old, [key]: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      const body = {
        name: d.name.trim(), description: d.description.trim(), protocol: scope?.protocol ?? OIDC,
        // The stored attributes are replaced: the ones this form does not show are sent back as they are.
        attributes: { ...a, [IN_TOKEN]: String(d.inToken), [CONSENT]: String(d.consent), [CONSENT_TEXT]: d.consentText.trim() },
      };
      const id = scope ? scope.id : await api.create(path('realms', realm, 'client-scopes'), body);
      if (scope) await api.put(path('realms', realm, 'client-scopes', scope.id), body);
      await setRealmType(realm, id, scope ? type : 'none', d.type);
      onSaved(id);
      return scope ? t.common.saved : t.common.created;
    }, { name: 'name', description: 'description', '409': 'name' }, (): Errors => {
      if (!d.name.trim()) return { name: t.scopes.nameMissing };
      return /\s/.test(d.name.trim()) ? { name: t.scopes.nameSpaces } : {};
    });
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={t.scopes.formLabel}>
      <Notice kind="error">{save.errors['']}</Notice>
      <div className="grid">
        <TextField label={t.scopes.name} name="name" required value={d.name} onChange={set('name')} error={save.errors.name} autoComplete="off"
          hint={t.scopes.nameHint} />
        <SelectField label={t.scopes.type} name="type" value={d.type} onChange={(v) => set('type')(v as ScopeType)} options={typeOptions()} hint={t.scopes.typeHint} />
      </div>
      <TextField label={t.scopes.description} name="description" value={d.description} onChange={set('description')} error={save.errors.description} multiline />
      <div className="checks">
        <CheckField label={t.scopes.inToken} name="inToken" checked={d.inToken} onChange={set('inToken')} hint={t.scopes.inTokenHint} />
        <CheckField label={t.scopes.consent} name="consent" checked={d.consent} onChange={set('consent')} hint={t.scopes.consentHint} />
      </div>
      {d.consent ? <TextField label={t.scopes.consentText} name="consentText" value={d.consentText} onChange={set('consentText')} hint={t.scopes.consentTextHint} /> : null}
      <div className="actions"><button type="submit" disabled={save.busy}>{scope ? t.common.save : t.common.create}</button><Notice kind="success">{save.saved}</Notice></div>
    </form>
  );
}

// ---- Mappers ------------------------------------------------------------------------------

type FieldKind = 'text' | 'check' | 'json' | 'client' | 'property';
type MapperField = [key: string, kind: FieldKind];

const CLAIM: MapperField[] = [['claim.name', 'text'], ['jsonType.label', 'json']];
const IN_TOKENS = ['id.token.claim', 'access.token.claim', 'userinfo.token.claim', 'introspection.token.claim'];

/** The mapper types the console adds and edits field by field, with Keycloak's config keys. */
const MAPPER_TYPES: Record<string, { fields: MapperField[]; tokens: string[]; defaults?: Record<string, string> }> = {
  'oidc-usermodel-attribute-mapper': { fields: [['user.attribute', 'text'], ...CLAIM, ['multivalued', 'check'], ['aggregate.attrs', 'check']], tokens: IN_TOKENS },
  'oidc-usermodel-property-mapper': { fields: [['user.attribute', 'property'], ...CLAIM], tokens: IN_TOKENS, defaults: { 'user.attribute': 'username' } },
  'oidc-hardcoded-claim-mapper': { fields: [['claim.value', 'text'], ...CLAIM], tokens: IN_TOKENS },
  'oidc-audience-mapper': {
    fields: [['included.client.audience', 'client'], ['included.custom.audience', 'text']],
    tokens: ['id.token.claim', 'access.token.claim', 'introspection.token.claim'], defaults: { 'id.token.claim': 'false' },
  },
  'oidc-group-membership-mapper': { fields: [['claim.name', 'text'], ['full.path', 'check']], tokens: IN_TOKENS, defaults: { 'claim.name': 'groups', 'full.path': 'true' } },
  'oidc-usermodel-realm-role-mapper': {
    fields: [['usermodel.realmRoleMapping.rolePrefix', 'text'], ['multivalued', 'check'], ...CLAIM], tokens: IN_TOKENS,
    defaults: { multivalued: 'true', 'claim.name': 'realm_access.roles', 'jsonType.label': 'String' },
  },
  'oidc-usermodel-client-role-mapper': {
    fields: [['usermodel.clientRoleMapping.clientId', 'client'], ['usermodel.clientRoleMapping.rolePrefix', 'text'], ['multivalued', 'check'], ...CLAIM], tokens: IN_TOKENS,
    defaults: { multivalued: 'true', 'claim.name': 'resource_access.${client_id}.roles', 'jsonType.label': 'String' },
  },
  'oidc-usersessionmodel-note-mapper': { fields: [['user.session.note', 'text'], ...CLAIM], tokens: IN_TOKENS },
};
const NEEDS_CLAIM = ['oidc-usermodel-attribute-mapper', 'oidc-usermodel-property-mapper', 'oidc-hardcoded-claim-mapper', 'oidc-group-membership-mapper', 'oidc-usersessionmodel-note-mapper'];
const JSON_TYPES = ['String', 'long', 'int', 'boolean', 'JSON'];
const PROPERTIES = ['username', 'email', 'firstName', 'lastName', 'emailVerified', 'id'];

const typeName = (type: string) => t.mappers.types[type] ?? type;

/** The protocol mappers of a client scope or a client (base: …/client-scopes/{id} or …/clients/{id}). */
export function Mappers({ realm, base }: { realm: string; base: string }) {
  const models = `${base}/protocol-mappers/models`;
  const mappers = useLoad(() => api.get<MapperRep[]>(models), [models]);
  const [editing, setEditing] = useState<MapperRep>();
  const [adding, setAdding] = useState('');
  const done = () => { setEditing(undefined); mappers.reload(); };
  if (editing) return <MapperForm key={editing.id ?? editing.protocolMapper} realm={realm} models={models} mapper={editing} onDone={done} onCancel={() => setEditing(undefined)} />;
  return (
    <div>
      <Notice kind="error">{mappers.error}</Notice>
      {mappers.data ? (
        <table className="list mappers">
          <thead><tr><th>{t.mappers.name}</th><th>{t.mappers.type}</th><th>{t.mappers.claim}</th><th /></tr></thead>
          <tbody>
            {mappers.data.map((m) => (
              <tr key={m.id} data-mapper={m.name}>
                <td><button type="button" className="link" onClick={() => setEditing(m)}>{m.name}</button></td>
                <td>{typeName(m.protocolMapper)}</td>
                <td className="mono">{m.config['claim.name'] ?? ''}</td>
                <td className="row-actions">
                  <ConfirmButton label={t.common.delete} className="danger small" title={t.mappers.deleteTitle(m.name)} confirmLabel={t.mappers.deleteConfirm}
                    message={<p>{t.mappers.deleteMessage}</p>}
                    onConfirm={async () => { await api.delete(`${models}/${encodeURIComponent(m.id!)}`); mappers.reload(); }} />
                </td>
              </tr>
            ))}
            {mappers.data.length === 0 ? <tr><td colSpan={4} className="muted">{t.mappers.empty}</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
      <div className="inline-add">
        <SelectField label={t.mappers.addByType} name="mapperType" value={adding} onChange={setAdding}
          options={[['', t.mappers.chooseType], ...Object.keys(MAPPER_TYPES).map((k): [string, string] => [k, typeName(k)])]} />
        <button type="button" className="secondary" disabled={!adding} onClick={() => {
          const type = MAPPER_TYPES[adding];
          setEditing({
            name: '', protocol: OIDC, protocolMapper: adding,
            config: { ...Object.fromEntries(type.tokens.map((k) => [k, 'true'])), ...(type.fields.some(([, kind]) => kind === 'json') ? { 'jsonType.label': 'String' } : {}), ...type.defaults },
          });
          setAdding('');
        }}>{t.mappers.add}</button>
      </div>
    </div>
  );
}

function MapperForm({ realm, models, mapper, onDone, onCancel }: {
  realm: string; models: string; mapper: MapperRep; onDone: () => void; onCancel: () => void;
}) {
  const [name, setName] = useState(mapper.name);
  const [config, setConfig] = useState<Record<string, string>>(mapper.config);
  const clients = useLoad(() => api.get<ClientRep[]>(path('realms', realm, 'clients')), [realm]);
  const save = useSave();
  const type = MAPPER_TYPES[mapper.protocolMapper];
  const set = (key: string) => (value: string | boolean) => setConfig((old) => ({ ...old, [key]: String(value) }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      const body = { ...mapper, name: name.trim(), config };
      if (mapper.id) await api.put(`${models}/${encodeURIComponent(mapper.id)}`, body);
      else await api.create(models, body);
      onDone();
    }, { name: 'name', '409': 'name' }, () => {
      const errors: Errors = {};
      if (!name.trim()) errors.name = t.mappers.nameMissing;
      if (NEEDS_CLAIM.includes(mapper.protocolMapper) && !config['claim.name']?.trim()) errors['claim.name'] = t.mappers.claimMissing;
      if (mapper.protocolMapper === 'oidc-usermodel-attribute-mapper' && !config['user.attribute']?.trim()) errors['user.attribute'] = t.mappers.attributeMissing;
      if (mapper.protocolMapper === 'oidc-audience-mapper' && !config['included.client.audience'] && !config['included.custom.audience']?.trim()) {
        errors['included.custom.audience'] = t.mappers.audienceMissing;
      }
      return errors;
    });
  };
  const field = ([key, kind]: MapperField) => {
    const label = t.mappers.fields[key] ?? key;
    const value = config[key] ?? '';
    const hint = t.mappers.hints[key];
    if (kind === 'check') return <CheckField key={key} label={label} name={key} checked={value === 'true'} onChange={set(key)} hint={hint} />;
    if (kind === 'json') return <SelectField key={key} label={label} name={key} value={value} onChange={set(key)} options={JSON_TYPES.map((j): [string, string] => [j, j])} />;
    if (kind === 'property') return <SelectField key={key} label={label} name={key} value={value} onChange={set(key)} options={PROPERTIES.map((p): [string, string] => [p, p])} />;
    if (kind === 'client') {
      return <SelectField key={key} label={label} name={key} value={value} onChange={set(key)} hint={hint}
        options={[['', t.mappers.noClient], ...(clients.data ?? []).map((c): [string, string] => [c.clientId, c.clientId])]} />;
    }
    return <TextField key={key} label={label} name={key} value={value} onChange={set(key)} error={save.errors[key]} hint={hint} autoComplete="off" />;
  };
  const tokens = type?.tokens ?? IN_TOKENS.filter((k) => k in config);
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={t.mappers.formLabel}>
      <h2>{mapper.id ? t.mappers.editTitle(mapper.name) : t.mappers.addTitle(typeName(mapper.protocolMapper))}</h2>
      <Notice kind="error">{save.errors['']}</Notice>
      <div className="grid">
        <TextField label={t.mappers.name} name="name" required value={name} onChange={setName} error={save.errors.name} autoComplete="off" />
        <div className="field"><span className="label">{t.mappers.type}</span><p>{typeName(mapper.protocolMapper)}</p></div>
      </div>
      {type ? <div className="grid">{type.fields.filter(([, kind]) => kind !== 'check').map(field)}</div> : <p className="hint">{t.mappers.otherType}</p>}
      <div className="checks">
        {type?.fields.filter(([, kind]) => kind === 'check').map(field)}
        {tokens.map((k) => field([k, 'check']))}
      </div>
      <div className="actions">
        <button type="submit" disabled={save.busy}>{t.common.save}</button>
        <button type="button" className="secondary" onClick={onCancel}>{t.common.cancel}</button>
      </div>
    </form>
  );
}

// ---- A client's client scopes -------------------------------------------------------------

/** The client scopes assigned to a client, default or optional: add with a type, change the type, remove. */
export function ClientScopesTab({ realm, client, onChanged }: { realm: string; client: ClientRep; onChanged: () => void }) {
  const base = path('realms', realm, 'clients', client.id);
  const assigned = useLoad(async () => {
    const [defaults, optionals] = await Promise.all([
      api.get<Array<{ id: string; name: string }>>(`${base}/default-client-scopes`),
      api.get<Array<{ id: string; name: string }>>(`${base}/optional-client-scopes`),
    ]);
    return [...defaults.map((s) => ({ ...s, type: 'default' as const })), ...optionals.map((s) => ({ ...s, type: 'optional' as const }))]
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [base]);
  const all = useLoad(() => api.get<ClientScopeRep[]>(path('realms', realm, 'client-scopes')), [realm]);
  const [choice, setChoice] = useState('');
  const [type, setType] = useState<'default' | 'optional'>('default');
  const [error, setError] = useState<string>();
  const list = (kind: 'default' | 'optional', id: string) => `${base}/${kind}-client-scopes/${encodeURIComponent(id)}`;
  const change = async (work: () => Promise<void>) => {
    setError(undefined);
    try { await work(); setChoice(''); onChanged(); } catch (err) { setError(messageOf(err)); }
    assigned.reload();
  };
  const taken = new Set((assigned.data ?? []).map((s) => s.id));
  const assignable = (all.data ?? []).filter((s) => !taken.has(s.id)).sort((a, b) => a.name.localeCompare(b.name));
  const kinds = (): Array<[string, string]> => [['default', t.scopes.types.default], ['optional', t.scopes.types.optional]];
  return (
    <div>
      <p className="lead">{t.scopes.clientLead}</p>
      <Notice kind="error">{error ?? assigned.error ?? all.error}</Notice>
      {assigned.data ? (
        <table className="list assigned-scopes">
          <thead><tr><th>{t.scopes.name}</th><th>{t.scopes.assignedType}</th><th /></tr></thead>
          <tbody>
            {assigned.data.map((s) => (
              <tr key={s.id} data-scope={s.name}>
                <td><a href={href(realm, 'client-scopes', s.id)}>{s.name}</a></td>
                <td><select aria-label={t.scopes.typeOf(s.name)} value={s.type} onChange={(e) => {
                  const to = e.target.value as 'default' | 'optional';
                  void change(async () => { await api.delete(list(s.type, s.id)); await api.put(list(to, s.id), {}); });
                }}>{kinds().map(([v, text]) => <option key={v} value={v}>{text}</option>)}</select></td>
                <td className="row-actions"><button type="button" className="secondary small" aria-label={t.scopes.removeNamed(s.name)}
                  onClick={() => void change(() => api.delete(list(s.type, s.id)))}>{t.common.remove}</button></td>
              </tr>
            ))}
            {assigned.data.length === 0 ? <tr><td colSpan={3} className="muted">{t.scopes.noneAssigned}</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
      <div className="inline-add">
        <SelectField label={t.scopes.addScope} name="scope" value={choice} onChange={setChoice}
          options={[['', assignable.length ? t.scopes.chooseScope : t.scopes.noMoreScopes], ...assignable.map((s): [string, string] => [s.id, s.name])]} />
        <SelectField label={t.scopes.type} name="addType" value={type} onChange={(v) => setType(v as 'default' | 'optional')} options={kinds()} />
        <button type="button" className="secondary" disabled={!choice} onClick={() => void change(() => api.put(list(type, choice), {}))}>{t.scopes.add}</button>
      </div>
    </div>
  );
}
