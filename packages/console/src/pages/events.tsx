import { useEffect, useState } from 'react';
import { api, path } from '../api';
import { currentSession } from '../auth';
import { t } from '../i18n';
import type { AdminEventRep, EventRep, RealmRep, UserRep } from '../types';
import { Loading, Notice, Tabs, at, useLoad } from '../ui';

export function EventsPage({ realm, tab }: { realm: string; tab: string }) {
  return (
    <section>
      <h1>{t.events.title}</h1>
      <Tabs base={[realm, 'events']} tabs={[['login', t.events.login], ['admin', t.events.admin]]} current={tab} />
      <div className="tab-body">{tab === 'admin' ? <AdminEvents realm={realm} /> : <LoginEvents realm={realm} />}</div>
    </section>
  );
}

/** A user of a realm, by the realm's name. */
interface UserRef { realm: string; id: string }

const refKey = (r: UserRef) => `${r.realm}/${r.id}`;

/**
 * The usernames of the users events name, each looked up once; null for one that is gone
 * (deleted since), which then shows as its id.
 */
function useUsernames(refs: UserRef[]): Record<string, string | null> {
  const [names, setNames] = useState<Record<string, string | null>>({});
  const wanted = [...new Map(refs.map((r) => [refKey(r), r])).values()];
  const key = wanted.map(refKey).sort().join(' ');
  useEffect(() => {
    let live = true;
    const missing = wanted.filter((r) => !(refKey(r) in names));
    void Promise.all(missing.map((r) => api.get<UserRep>(path('realms', r.realm, 'users', r.id)).then(
      (u): [string, string | null] => [refKey(r), u.username],
      (): [string, string | null] => [refKey(r), null],
    ))).then((found) => { if (live && found.length) setNames((old) => ({ ...old, ...Object.fromEntries(found) })); });
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return names;
}

/** A user by username (the id on hover), the signed-in administrator as "you"; the id, short, for one not found. */
function Who({ id, username }: { id?: string; username?: string | null }) {
  if (!id && !username) return <span className="muted">—</span>;
  const me = currentSession();
  if (id && me?.userId === id) return <span title={id}>{t.events.you(me.username)}</span>;
  if (username) return <span title={id}>{username}</span>;
  return <span className="mono" title={id}>{id!.slice(0, 8)}…</span>;
}

function query(params: Record<string, string>): string {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v.trim() !== ''));
  return q.toString() ? `?${q}` : '';
}

function LoginEvents({ realm }: { realm: string }) {
  const [filter, setFilter] = useState({ type: '', client: '', user: '' });
  const q = query({ ...filter, max: '100' });
  const events = useLoad(() => api.get<EventRep[]>(`${path('realms', realm, 'events')}${q}`), [realm, q]);
  const names = useUsernames((events.data ?? []).flatMap((e) => (e.userId && !e.details?.username ? [{ realm, id: e.userId }] : [])));
  return (
    <div>
      <div className="toolbar">
        <input aria-label={t.events.eventType} placeholder={t.events.eventTypePlaceholder} value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.target.value.toUpperCase() })} />
        <input aria-label={t.events.client} placeholder={t.clients.clientId} value={filter.client} onChange={(e) => setFilter({ ...filter, client: e.target.value })} />
        <input aria-label={t.events.userId} placeholder={t.events.userId} value={filter.user} onChange={(e) => setFilter({ ...filter, user: e.target.value })} />
        <button type="button" className="secondary small" onClick={events.reload}>{t.common.refresh}</button>
      </div>
      {events.error ? <Notice kind="error">{events.error}</Notice> : null}
      {events.data ? (
        <table className="list events">
          <thead><tr><th>{t.events.time}</th><th>{t.events.type}</th><th>{t.events.client}</th><th>{t.events.user}</th><th>{t.events.ip}</th><th>{t.events.error}</th><th>{t.events.details}</th></tr></thead>
          <tbody>
            {events.data.map((e, i) => (
              <tr key={e.id ?? i} className={e.error ? 'error-row' : undefined}>
                <td className="nowrap">{at(e.time)}</td><td><code>{e.type}</code></td><td>{e.clientId ?? '—'}</td><td><Who id={e.userId} username={e.details?.username ?? (e.userId ? names[refKey({ realm, id: e.userId })] : undefined)} /></td>
                <td>{e.ipAddress ?? '—'}</td><td>{e.error ?? ''}</td>
                <td className="details">{Object.entries(e.details ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}</td>
              </tr>
            ))}
            {events.data.length === 0 ? <tr><td colSpan={7} className="muted">{t.events.none}</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
    </div>
  );
}

function AdminEvents({ realm }: { realm: string }) {
  const [filter, setFilter] = useState({ operationTypes: '', resourceTypes: '', resourcePath: '' });
  const q = query({ ...filter, max: '100' });
  const events = useLoad(() => api.get<AdminEventRep[]>(`${path('realms', realm, 'admin-events')}${q}`), [realm, q]);
  // The administrator's realm (often master) is named by its id in the event.
  const realms = useLoad(() => api.get<RealmRep[]>('/realms'), []);
  const realmName = (id?: string) => realms.data?.find((r) => r.id === id)?.realm;
  const refOf = (e: AdminEventRep): UserRef | undefined => {
    const name = realmName(e.authDetails?.realmId);
    return name && e.authDetails?.userId ? { realm: name, id: e.authDetails.userId } : undefined;
  };
  const names = useUsernames((events.data ?? []).flatMap((e) => refOf(e) ?? []));
  return (
    <div>
      <div className="toolbar">
        <select aria-label={t.events.operation} value={filter.operationTypes} onChange={(e) => setFilter({ ...filter, operationTypes: e.target.value })}>
          <option value="">{t.events.anyOperation}</option>{['CREATE', 'UPDATE', 'DELETE', 'ACTION'].map((o) => <option key={o}>{o}</option>)}
        </select>
        <input aria-label={t.events.resourceType} placeholder={t.events.resourceTypePlaceholder} value={filter.resourceTypes} onChange={(e) => setFilter({ ...filter, resourceTypes: e.target.value.toUpperCase() })} />
        <input aria-label={t.events.resourcePath} placeholder={t.events.resourcePathPlaceholder} value={filter.resourcePath} onChange={(e) => setFilter({ ...filter, resourcePath: e.target.value })} />
        <button type="button" className="secondary small" onClick={events.reload}>{t.common.refresh}</button>
      </div>
      {events.error ? <Notice kind="error">{events.error}</Notice> : null}
      {events.data ? (
        <table className="list events">
          <thead><tr><th>{t.events.time}</th><th>{t.events.operation}</th><th>{t.events.resource}</th><th>{t.events.path}</th><th>{t.events.byUser}</th><th>{t.events.ip}</th></tr></thead>
          <tbody>
            {events.data.map((e, i) => (
              <tr key={e.id ?? i}>
                <td className="nowrap">{at(e.time)}</td><td><code>{e.operationType}</code></td><td>{e.resourceType}</td><td className="mono">{e.resourcePath ?? ''}</td>
                <td><Who id={e.authDetails?.userId} username={refOf(e) ? names[refKey(refOf(e)!)] : undefined} /></td><td>{e.authDetails?.ipAddress ?? '—'}</td>
              </tr>
            ))}
            {events.data.length === 0 ? <tr><td colSpan={6} className="muted">{t.events.noneAdmin}</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
    </div>
  );
}
