import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { go, href } from '../router';
import { t } from '../i18n';
import type { GroupRep, UserRep } from '../types';
import { ConfirmButton, Loading, Notice, TextField, useLoad, useSave } from '../ui';
import { RoleMappings } from './role-mappings';

/** Every group of the realm at any depth, parents before their children. */
export async function allGroups(realm: string): Promise<GroupRep[]> {
  const walk = async (groups: GroupRep[]): Promise<GroupRep[]> => {
    const out: GroupRep[] = [];
    for (const g of groups) {
      out.push(g);
      if (g.subGroupCount > 0) out.push(...await walk(await api.get<GroupRep[]>(path('realms', realm, 'groups', g.id, 'children'))));
    }
    return out;
  };
  return walk(await api.get<GroupRep[]>(path('realms', realm, 'groups')));
}

export function GroupsPage({ realm, id }: { realm: string; id?: string }) {
  if (id) return <GroupDetail key={id} realm={realm} id={id} />;
  return (
    <section>
      <h1>{t.groups.title}</h1>
      <p className="lead">{t.groups.lead}</p>
      <GroupList realm={realm} />
    </section>
  );
}

/** Top-level groups (parent undefined) or a group's subgroups, with a form to create one. */
function GroupList({ realm, parent }: { realm: string; parent?: GroupRep }) {
  const listPath = parent ? path('realms', realm, 'groups', parent.id, 'children') : path('realms', realm, 'groups');
  const groups = useLoad(() => api.get<GroupRep[]>(listPath), [listPath]);
  const [name, setName] = useState('');
  const save = useSave();
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await save.run(async () => { await api.create(listPath, { name: name.trim() }); return t.groups.created(name.trim()); },
      { name: 'name', '409': 'name' }, () => (!name.trim() ? { name: t.groups.nameMissing } : name.includes('/') ? { name: t.groups.noSlash } : {}));
    if (ok) { setName(''); groups.reload(); }
  };
  return (
    <div>
      {groups.error ? <Notice kind="error">{groups.error}</Notice> : null}
      {groups.data ? (
        <table className="list">
          <thead><tr><th>{parent ? t.groups.subgroup : t.groups.group}</th><th>{t.groups.subgroups}</th></tr></thead>
          <tbody>
            {groups.data.map((g) => <tr key={g.id}><td><a href={href(realm, 'groups', g.id)}>{g.name}</a></td><td>{g.subGroupCount}</td></tr>)}
            {groups.data.length === 0 ? <tr><td colSpan={2} className="muted">{parent ? t.groups.noSubgroups : t.groups.noGroups}</td></tr> : null}
          </tbody>
        </table>
      ) : <Loading />}
      <form className="form boxed" onSubmit={create} noValidate aria-label={parent ? t.groups.createSub : t.groups.create}>
        <h2>{parent ? t.groups.createSubOf(parent.name) : t.groups.create}</h2>
        <Notice kind="error">{save.errors['']}</Notice>
        <TextField label={t.common.name} name="name" required value={name} onChange={setName} error={save.errors.name} />
        <div className="actions"><button type="submit" disabled={save.busy}>{t.common.create}</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
    </div>
  );
}

function GroupDetail({ realm, id }: { realm: string; id: string }) {
  const groupPath = path('realms', realm, 'groups', id);
  const group = useLoad(() => api.get<GroupRep>(groupPath), [groupPath]);
  const members = useLoad(() => api.get<UserRep[]>(`${groupPath}/members`), [groupPath]);
  const [name, setName] = useState<string>();
  const save = useSave();
  if (group.error) return <Notice kind="error">{group.error}</Notice>;
  if (!group.data) return <Loading />;
  const g = group.data;
  const rename = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => { await api.put(groupPath, { name: (name ?? g.name).trim() }); group.reload(); },
      { name: 'name', '409': 'name' }, () => (!(name ?? g.name).trim() ? { name: t.groups.nameMissing } : {}));
  };
  return (
    <section>
      <p className="crumbs"><a href={href(realm, 'groups')}>{t.groups.title}</a> › {g.path.split('/').filter(Boolean).slice(0, -1).join(' › ')}</p>
      <div className="page-head">
        <h1>{g.name} <small className="muted">{g.path}</small></h1>
        <ConfirmButton label={t.common.delete} title={t.groups.deleteTitle(g.name)} confirmLabel={t.groups.deleteConfirm}
          message={<p>{t.groups.deleteMessage}</p>}
          onConfirm={async () => { await api.delete(groupPath); go(realm, 'groups', ...(g.parentId ? [g.parentId] : [])); }} />
      </div>
      <form className="form" onSubmit={rename} noValidate aria-label={t.groups.group}>
        <Notice kind="error">{save.errors['']}</Notice>
        <TextField label={t.common.name} name="name" required value={name ?? g.name} onChange={setName} error={save.errors.name} />
        <div className="actions"><button type="submit" disabled={save.busy}>{t.common.save}</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
      <h2>{t.groups.members}</h2>
      {members.data ? (
        <ul className="chips">{members.data.map((u) => <li key={u.id}><a href={href(realm, 'users', u.id)}>{u.username}</a></li>)}
          {members.data.length === 0 ? <li className="muted plain">{t.groups.noMembers}</li> : null}</ul>
      ) : <Loading />}
      <RoleMappings realm={realm} holder={groupPath} />
      <h2>{t.groups.subgroups}</h2>
      <GroupList realm={realm} parent={g} />
    </section>
  );
}
