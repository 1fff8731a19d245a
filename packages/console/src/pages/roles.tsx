import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { go, href } from '../router';
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
      return `Role ${name.trim()} created.`;
    }, { name: 'name', description: 'description', '409': 'name' }, () => (name.trim() ? {} : { name: 'Enter the role\'s name.' }));
    if (ok) { setName(''); setDescription(''); roles.reload(); }
  };
  return (
    <div>
      {roles.error ? <Notice kind="error">{roles.error}</Notice> : null}
      {roles.data ? (
        <table className="list">
          <thead><tr><th>Role</th><th>Description</th><th>Composite</th><th /></tr></thead>
          <tbody>
            {roles.data.map((r) => (
              <tr key={r.id}>
                <td>{clientUuid ? r.name : <a href={href(realm, 'roles', r.name)}>{r.name}</a>}</td>
                <td>{r.description && !/^\$\{/.test(r.description) ? r.description : <span className="muted">—</span>}</td>
                <td>{r.composite ? 'Yes' : 'No'}</td>
                <td className="row-actions">
                  <ConfirmButton label="Delete" className="danger small" title={`Delete role ${r.name}?`} confirmLabel="Delete role"
                    message={<p>Everyone who holds <b>{r.name}</b> loses it, and tokens issued from now on no longer carry it.</p>}
                    onConfirm={async () => { await api.delete(`${base}/${encodeURIComponent(r.name)}`); roles.reload(); }} />
                </td>
              </tr>
            ))}
            {roles.data.length === 0 ? <tr><td colSpan={4} className="muted">No roles yet.</td></tr> : null}
          </tbody>
        </table>
      ) : roles.loading ? <Loading /> : null}
      <form className="form boxed" onSubmit={create} noValidate aria-label="Create a role">
        <h2>Create a role</h2>
        <Notice kind="error">{save.errors['']}</Notice>
        <div className="grid">
          <TextField label="Role name" name="name" required value={name} onChange={setName} error={save.errors.name} />
          <TextField label="Description" name="description" value={description} onChange={setDescription} error={save.errors.description} />
        </div>
        <div className="actions"><button type="submit" disabled={save.busy}>Create role</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
    </div>
  );
}

export function RolesPage({ realm, name }: { realm: string; name?: string }) {
  if (name) return <RoleDetail realm={realm} name={name} />;
  return (
    <section>
      <h1>Realm roles</h1>
      <p className="lead">Roles users (and service accounts) hold directly or through groups; tokens carry them in realm_access.</p>
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
    }, { name: 'name', '409': 'name' }, () => (name.trim() ? {} : { name: 'Enter the role\'s name.' }));
  };
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'roles')}>Realm roles</a> ›</p>
      <div className="page-head">
        <h1>{role.name}</h1>
        <ConfirmButton label="Delete" title={`Delete role ${role.name}?`} confirmLabel="Delete role"
          message={<p>Everyone who holds <b>{role.name}</b> loses it.</p>}
          onConfirm={async () => { await api.delete(path('realms', realm, 'roles', role.name)); go(realm, 'roles'); }} />
      </div>
      <form className="form" onSubmit={submit} noValidate aria-label="Role">
        <Notice kind="error">{save.errors['']}</Notice>
        <TextField label="Role name" name="name" required value={name} onChange={setName} error={save.errors.name} />
        <TextField label="Description" name="description" value={description} onChange={setDescription} multiline />
        <div className="actions"><button type="submit" disabled={save.busy}>Save</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
    </section>
  );
}
