import { useEffect, useState } from 'react';
import { api, path } from '../api';
import { t } from '../i18n';
import { CheckField, Loading, Notice, SelectField, TextField, useLoad, useSave } from '../ui';

interface ClientPolicy {
  name: string;
  description?: string;
  enabled?: boolean;
  conditions?: Array<{ condition: string; configuration?: Record<string, unknown> }>;
  profiles?: string[];
}
interface ClientProfiles { profiles: Array<{ name: string }>; globalProfiles?: Array<{ name: string }> }

/**
 * The realm's client policies, as Keycloak's Realm settings → Client policies tab: each
 * policy switched on or off and given its profile (Keycloak's global FAPI 2 ones among them).
 * Conditions are kept as they are; a new policy applies to every client (any-client).
 */
export function ClientPoliciesPage({ realm }: { realm: string }) {
  const loaded = useLoad(() => api.get<{ policies: ClientPolicy[] }>(path('realms', realm, 'client-policies', 'policies')), [realm]);
  const profiles = useLoad(
    () => api.get<ClientProfiles>(`${path('realms', realm, 'client-policies', 'profiles')}?include-global-profiles=true`), [realm]);
  const [policies, setPolicies] = useState<ClientPolicy[]>([]);
  const [name, setName] = useState('');
  const save = useSave();
  useEffect(() => { if (loaded.data) setPolicies(loaded.data.policies); }, [loaded.data]);

  const names = [...(profiles.data?.globalProfiles ?? []), ...(profiles.data?.profiles ?? [])].map((p) => p.name);
  const options: Array<[string, string]> = [['', t.clientPolicies.noProfile], ...names.map((n): [string, string] => [n, n])];
  const change = (index: number, changes: Partial<ClientPolicy>) =>
    setPolicies((list) => list.map((p, i) => (i === index ? { ...p, ...changes } : p)));

  return (
    <section>
      <div className="page-head"><h1>{t.clientPolicies.title}</h1></div>
      <p className="lead">{t.clientPolicies.lead}</p>
      {loaded.error ? <Notice kind="error">{loaded.error}</Notice> : null}
      {Object.keys(save.errors).length > 0 ? <Notice kind="error">{Object.values(save.errors).join(' ')}</Notice> : null}
      <Notice kind="success">{save.saved}</Notice>
      {!loaded.data ? <Loading /> : (
        <form onSubmit={(e) => {
          e.preventDefault();
          void save.run(() => api.put(path('realms', realm, 'client-policies', 'policies'), { policies }));
        }}>
          {policies.length === 0 ? <p>{t.clientPolicies.none}</p> : (
            <table className="list client-policies">
              <thead><tr><th>{t.clientPolicies.name}</th><th>{t.clientPolicies.conditions}</th><th>{t.clientPolicies.enabled}</th><th>{t.clientPolicies.profile}</th></tr></thead>
              <tbody>
                {policies.map((p, i) => (
                  <tr key={p.name} data-policy={p.name}>
                    <td>{p.name}{p.description ? <p className="hint">{p.description}</p> : null}</td>
                    <td className="mono">{(p.conditions ?? []).map((c) => c.condition).join(', ') || '—'}</td>
                    <td><CheckField label={t.clientPolicies.enabled} name={`enabled-${p.name}`} checked={p.enabled !== false}
                      onChange={(enabled) => change(i, { enabled })} /></td>
                    <td><SelectField label={t.clientPolicies.profile} name={`profile-${p.name}`} value={p.profiles?.[0] ?? ''} options={options}
                      onChange={(profile) => change(i, { profiles: profile ? [profile, ...(p.profiles ?? []).slice(1)] : (p.profiles ?? []).slice(1) })} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div>
            <TextField label={t.clientPolicies.newName} name="new-policy" value={name} onChange={setName} hint={t.clientPolicies.newHint} />
            <button type="button" className="secondary" disabled={!name.trim() || policies.some((p) => p.name === name.trim())} onClick={() => {
              setPolicies((list) => [...list, { name: name.trim(), enabled: true, conditions: [{ condition: 'any-client', configuration: {} }], profiles: [] }]);
              setName('');
            }}>{t.clientPolicies.add}</button>
          </div>
          <button type="submit" className="primary" disabled={save.busy}>{t.common.save}</button>
        </form>
      )}
    </section>
  );
}
