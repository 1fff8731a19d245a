import { useState } from 'react';
import { api, path } from '../api';
import { t } from '../i18n';
import type { KeysRep } from '../types';
import { ConfirmButton, Loading, Notice, at, useLoad } from '../ui';

export function KeysPage({ realm }: { realm: string }) {
  const keys = useLoad(() => api.get<KeysRep>(path('realms', realm, 'keys')), [realm]);
  const [done, setDone] = useState<string>();
  const active = new Set(Object.values(keys.data?.active ?? {}));
  return (
    <section>
      <div className="page-head">
        <h1>{t.keys.title}</h1>
        <ConfirmButton label={t.keys.rotate} className="primary" title={t.keys.rotateTitle} confirmLabel={t.keys.rotateConfirm}
          message={<p>{t.keys.rotateMessage}</p>}
          onConfirm={async () => { await api.post(path('realms', realm, 'keys', 'rotate')); setDone(t.keys.rotated); keys.reload(); }} />
      </div>
      <p className="lead">{t.keys.lead}</p>
      <Notice kind="success">{done}</Notice>
      {keys.error ? <Notice kind="error">{keys.error}</Notice> : null}
      {keys.data ? (
        <table className="list keys">
          <thead><tr><th>{t.keys.algorithm}</th><th>{t.keys.kid}</th><th>{t.keys.type}</th><th>{t.common.status}</th><th>{t.keys.signs}</th><th>{t.keys.created}</th><th>{t.keys.publishedUntil}</th></tr></thead>
          <tbody>
            {keys.data.keys.map((k) => (
              <tr key={k.kid} data-kid={k.kid}>
                <td>{k.algorithm}</td><td className="mono">{k.kid}</td><td>{k.type}</td>
                <td><span className={`badge ${k.status === 'ACTIVE' ? 'on' : ''}`}>{t.keys.statuses[k.status] ?? k.status.toLowerCase()}</span></td>
                <td>{active.has(k.kid) ? t.common.yes : t.common.no}</td>
                <td className="nowrap">{k.createdTimestamp ? at(k.createdTimestamp) : '—'}</td>
                <td className="nowrap">{k.validTo ? at(k.validTo) : active.has(k.kid) ? t.keys.whileSigns : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <Loading />}
    </section>
  );
}
