import { useState } from 'react';
import { api, path } from '../api';
import type { KeysRep } from '../types';
import { ConfirmButton, Loading, Notice, at, useLoad } from '../ui';

export function KeysPage({ realm }: { realm: string }) {
  const keys = useLoad(() => api.get<KeysRep>(path('realms', realm, 'keys')), [realm]);
  const [done, setDone] = useState<string>();
  const active = new Set(Object.values(keys.data?.active ?? {}));
  return (
    <section>
      <div className="page-head">
        <h1>Keys</h1>
        <ConfirmButton label="Rotate keys" className="primary" title="Rotate the realm's signing keys?" confirmLabel="Rotate"
          message={<p>New keys sign every token from now on. The old keys stay in the realm's JWKS until the tokens they signed have expired, so nothing signed in stops working.</p>}
          onConfirm={async () => { await api.post(path('realms', realm, 'keys', 'rotate')); setDone('Rotated: the new keys sign from now on.'); keys.reload(); }} />
      </div>
      <p className="lead">The keys that sign this realm's tokens, one per algorithm, published at the realm's JWKS (certs) endpoint.</p>
      <Notice kind="success">{done}</Notice>
      {keys.error ? <Notice kind="error">{keys.error}</Notice> : null}
      {keys.data ? (
        <table className="list keys">
          <thead><tr><th>Algorithm</th><th>Key id</th><th>Type</th><th>Status</th><th>Signs</th><th>Created</th><th>Published until</th></tr></thead>
          <tbody>
            {keys.data.keys.map((k) => (
              <tr key={k.kid} data-kid={k.kid}>
                <td>{k.algorithm}</td><td className="mono">{k.kid}</td><td>{k.type}</td>
                <td><span className={`badge ${k.status === 'ACTIVE' ? 'on' : ''}`}>{k.status.toLowerCase()}</span></td>
                <td>{active.has(k.kid) ? 'Yes' : 'No'}</td>
                <td className="nowrap">{k.createdTimestamp ? at(k.createdTimestamp) : '—'}</td>
                <td className="nowrap">{k.validTo ? at(k.validTo) : active.has(k.kid) ? 'While it signs' : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <Loading />}
    </section>
  );
}
