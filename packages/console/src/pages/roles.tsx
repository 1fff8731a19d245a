import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { go, href } from '../router';
import { t } from '../i18n';
import type { RoleRep } from '../types';
import { ConfirmButton, Loading, Notice, TextField, useLoad, useSave } from '../ui';

/** The roles of the realm (clientUuid undefined) or of one client: list, create, delete. */
export function RoleList({ realm, clientUuid }: { realm: string; clientUuid?: string }) {
  const base = clientUuid ? path('realms', realm, 'clients', clientUuid, 'roles') : path('realms', realm, 'roles');
  const roles = useLoad(() => api.get<RoleRep[]>(base), [base]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const save = useSave();
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await save.run(async () => {
      await api.create(base, { name: name.trim(), description: description.trim() || undefined });
      return t.roles.created(name.trim());
    }, { name: 'name', description: 'description', '409': 'name' }, () => (name.trim() ? {} : { name: t.roles.nameMissing }));
    if (ok) { setName(''); setDescription(''); roles.reload(); }
  };
  return (
    <div>
      {roles.error ? <Notice kind="error">{roles.error}</Notice> : null}
      {roles.data ? (
        <table className="list">
          <thead><tr><th>{t.roles.role}</th><th>{t.common.description}</th><th>{t.roles.composite}</th><th /></tr></thead>
          <tbody>
            {roles.data.map((r) => (
              <tr key={r.id}>
                <td>{clientUuid ? r.name : <a href={href(realm, 'roles', r.name)}>{r.name}</a>}</td>
                <td>{r.description && !/^\$\{/.test(r.description) ? r.description : <span className="muted">—</span>}</td>
                <td>{r.composite ? t.common.yes : t.common.no}</td>
                <td className="row-actions">
                  <ConfirmButton label={t.common.delete} className="danger small" title={t.roles.deleteTitle(r.name)} confirmLabel={t.roles.deleteConfirm}
                    message={<p>{t.roles.deleteMessage(<b>{r.name}</b>)}</p>}
                    onConfirm={async () => { await api.delete(`${base}/${encodeURIComponent(r.name)}`); roles.reload(); }} />
                </td>
              </tr>
            ))}
            {roles.data.length === 0 ? <tr><td colSpan={4} className="muted">{t.roles.empty}</td></tr> : null}
          </tbody>
        </table>
      ) : roles.loading ? <Loading /> : null}
      <form className="form boxed" onSubmit={create} noValidate aria-label={t.roles.create}>
        <h2>{t.roles.create}</h2>
        <Notice kind="error">{save.errors['']}</Notice>
        <div className="grid">
          <TextField label={t.roles.name} name="name" required value={name} onChange={setName} error={save.errors.name} />
          <TextField label={t.common.description} name="description" value={description} onChange={setDescription} error={save.errors.description} />
        </div>
        <div className="actions"><button type="submit" disabled={save.busy}>{t.roles.createSubmit}</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
    </div>
  );
}

export function RolesPage({ realm, name }: { realm: string; name?: string }) {
  if (name) return <RoleDetail realm={realm} name={name} />;
  return (
    <section>
      <h1>{t.roles.realmRoles}</h1>
      <p className="lead">{t.roles.lead}</p>
      <RoleList realm={realm} />
    </section>
  );
}

function RoleDetail({ realm, name }: { realm: string; name: string }) {
  const rolePath = path('realms', realm, 'roles', name);
  const role = useLoad(() => api.get<RoleRep>(rolePath), [rolePath]);
  if (role.error) return <Notice kind="error">{role.error}</Notice>;
  if (!role.data) return <Loading />;
  return <RoleForm key={role.data.id} realm={realm} role={role.data} />;
}

function RoleForm({ realm, role }: { realm: string; role: RoleRep }) {
  const [name, setName] = useState(role.name);
  const [description, setDescription] = useState(role.description ?? '');
  const save = useSave();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      await api.put(path('realms', realm, 'roles', role.name), { name: name.trim(), description });
      if (name.trim() !== role.name) go(realm, 'roles', name.trim());
    }, { name: 'name', '409': 'name' }, () => (name.trim() ? {} : { name: t.roles.nameMissing }));
  };
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'roles')}>{t.roles.realmRoles}</a> ›</p>
      <div className="page-head">
        <h1>{role.name}</h1>
        <ConfirmButton label={t.common.delete} title={t.roles.deleteTitle(role.name)} confirmLabel={t.roles.deleteConfirm}
          message={<p>{t.roles.loses(<b>{role.name}</b>)}</p>}
          onConfirm={async () => { await api.delete(path('realms', realm, 'roles', role.name)); go(realm, 'roles'); }} />
      </div>
      <form className="form" onSubmit={submit} noValidate aria-label={t.roles.role}>
        <Notice kind="error">{save.errors['']}</Notice>
        <TextField label={t.roles.name} name="name" required value={name} onChange={setName} error={save.errors.name} />
        <TextField label={t.common.description} name="description" value={description} onChange={setDescription} multiline />
        <div className="actions"><button type="submit" disabled={save.busy}>{t.common.save}</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
    </section>
  );
}
