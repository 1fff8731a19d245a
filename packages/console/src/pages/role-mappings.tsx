import { useState } from 'react';
import { api, path } from '../api';
import { t } from '../i18n';
import type { ClientRep, RoleRep } from '../types';
import { Loading, Notice, SelectField, displayName, messageOf, useLoad } from '../ui';

/**
 * Roles granted to a user or group (holder: …/users/{id} or …/groups/{id}), or a client
 * scope's scope mappings (mappings: scope-mappings): the realm's, then one client's at a time.
 */
export function RoleMappings({ realm, holder, mappings = 'role-mappings' }: { realm: string; holder: string; mappings?: 'role-mappings' | 'scope-mappings' }) {
  const clients = useLoad(() => api.get<ClientRep[]>(path('realms', realm, 'clients')), [realm]);
  const [client, setClient] = useState('');
  return (
    <div className="role-mappings">
      <RoleGrants title={t.roles.realmRoles} mappings={`${holder}/${mappings}/realm`} available={path('realms', realm, 'roles')} />
      <h2>{t.roles.clientRoles}</h2>
      {clients.data ? (
        <SelectField label={t.roles.rolesOfClient} name="client" value={client} onChange={setClient}
          options={[['', t.roles.chooseClient], ...clients.data.map((c): [string, string] => [c.id, `${c.clientId}${c.name && displayName(c.name, '') ? ` — ${c.name}` : ''}`])]} />
      ) : <Loading />}
      {client ? <RoleGrants key={client} title="" mappings={`${holder}/${mappings}/clients/${encodeURIComponent(client)}`}
        available={path('realms', realm, 'clients', client, 'roles')} /> : null}
    </div>
  );
}

function RoleGrants({ title, mappings, available }: { title: string; mappings: string; available: string }) {
  const granted = useLoad(() => api.get<RoleRep[]>(mappings), [mappings]);
  const effective = useLoad(() => api.get<RoleRep[]>(`${mappings}/composite`), [mappings]);
  const all = useLoad(() => api.get<RoleRep[]>(available), [available]);
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<string>();
  const change = async (method: 'post' | 'delete', role: RoleRep) => {
    setError(undefined);
    try {
      await api[method](mappings, [{ id: role.id, name: role.name }]);
      setChoice('');
      granted.reload();
      effective.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const grantedIds = new Set((granted.data ?? []).map((r) => r.id));
  const inherited = (effective.data ?? []).filter((r) => !grantedIds.has(r.id));
  const grantable = (all.data ?? []).filter((r) => !grantedIds.has(r.id));
  return (
    <div className="grants">
      {title ? <h2>{title}</h2> : null}
      <Notice kind="error">{error ?? granted.error ?? all.error}</Notice>
      {granted.data ? (
        <ul className="chips" aria-label={t.roles.granted(title || t.roles.clientRolesLower)}>
          {granted.data.map((r) => (
            <li key={r.id}>{r.name}<button type="button" className="chip-remove" aria-label={t.common.removeNamed(r.name)} onClick={() => void change('delete', r)}>×</button></li>
          ))}
          {granted.data.length === 0 ? <li className="muted plain">{t.roles.noneDirect}</li> : null}
        </ul>
      ) : <Loading />}
      {inherited.length > 0 ? <p className="hint">{t.roles.inherited(inherited.map((r) => r.name).join(', '))}</p> : null}
      <div className="inline-add">
        <SelectField label={t.roles.grantRole} name="grant" value={choice} onChange={setChoice}
          options={[['', grantable.length ? t.roles.chooseRole : t.roles.noMoreRoles], ...grantable.map((r): [string, string] => [r.id, r.name])]} />
        <button type="button" className="secondary" disabled={!choice} onClick={() => {
          const role = grantable.find((r) => r.id === choice);
          if (role) void change('post', role);
        }}>{t.roles.grant}</button>
      </div>
    </div>
  );
}
