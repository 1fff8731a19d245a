import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Mailer } from '../../mail/index.js';
import type { Domain } from '../../domain/index.js';
import type { ClientRecord, GroupRecord, RealmRecord, Store, UserRecord } from '../../storage/store.js';
import { badRequest, notFound } from '../errors.js';
import { briefGroupRep, groupRep } from '../representations.js';
import { MAX_PAGE_SIZE, MAX_PAGING_VALUE } from './schemas.js';

export interface AdminRouteOptions {
  domain: Domain;
}

/** The routes that write mail (and so the theme's messages) have the mailer too. */
export interface MailingRouteOptions extends AdminRouteOptions {
  mailer: Mailer;
}

export type RealmParams = { realm: string };

/** The realm the path names, as stored now; 404 when there is none. */
export async function realmOf(domain: Domain, request: FastifyRequest): Promise<RealmRecord> {
  const realm = await domain.realms.get((request.params as RealmParams).realm);
  if (!realm) throw notFound('Realm not found.');
  return realm;
}

export async function clientOf(domain: Domain, realm: RealmRecord, id: string): Promise<ClientRecord> {
  const client = await domain.clients.get(realm.id, id);
  if (!client) throw notFound('Could not find client');
  return client;
}

export async function userOf(domain: Domain, realm: RealmRecord, id: string): Promise<UserRecord> {
  const user = await domain.users.get(realm.id, id);
  if (!user) throw notFound('User not found');
  return user;
}

export async function groupOf(domain: Domain, realm: RealmRecord, id: string): Promise<GroupRecord> {
  const group = await domain.groups.get(realm.id, id);
  if (!group) throw notFound('Could not find group by id');
  return group;
}

/**
 * Runs the writes of one request in a transaction, then (once it has committed) drops
 * what the domain services cached of what changed. Nothing is dropped when it fails:
 * then nothing changed.
 */
export async function commit<T>(domain: Domain, work: (tx: Store) => Promise<T>, invalidate: () => void): Promise<T> {
  const result = await domain.store.transaction(work);
  invalidate();
  return result;
}

/** 201 Created with the new resource's URL, as Keycloak answers a create. */
export function created(request: FastifyRequest, reply: FastifyReply, id: string, body?: unknown): FastifyReply {
  const path = request.url.split('?')[0].replace(/\/+$/, '');
  reply.code(201).header('location', `${request.protocol}://${request.host}${path}/${encodeURIComponent(id)}`);
  return body === undefined ? reply.send() : reply.send(body);
}

/** 400 for a paging parameter that is not a whole number in range. */
export const badPaging = (name: string) => badRequest(`Invalid value for '${name}', expected a whole number from 0 to ${MAX_PAGING_VALUE}`);

/**
 * Keycloak's paging: `first` results skipped, at most `max` (a default when not given), never
 * more than a page holds. The schema's bounds are checked again: Ajv lets a coerced `1e400`
 * (Infinity) through.
 */
export function page(query: { first?: number; max?: number }, defaultMax?: number): { first?: number; max?: number } {
  for (const name of ['first', 'max'] as const) {
    const value = query[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= MAX_PAGING_VALUE)) throw badPaging(name);
  }
  const max = query.max ?? defaultMax;
  return max === undefined ? {} : { first: query.first ?? 0, max: Math.min(max, MAX_PAGE_SIZE) };
}

/** Paging applied to a list already in memory. */
export function slice<T>(items: T[], query: { first?: number; max?: number }): T[] {
  const { first = 0, max } = page(query);
  return max === undefined ? items.slice(first) : items.slice(first, first + max);
}

/** A group as Keycloak lists it: without its roles, with how many subgroups it has. */
export async function listedGroup(domain: Domain, group: GroupRecord) {
  return groupRep(group, await domain.groups.path(group), {
    subGroupCount: await domain.groups.count(group.realmId, { parentId: group.id }),
  });
}

/** The group with its roles, as Keycloak's full GroupRepresentation. */
export async function fullGroup(domain: Domain, group: GroupRecord) {
  const roleIds = new Set(await domain.groups.roleIds(group.id));
  const roles = (await domain.roles.listAll(group.realmId)).filter((r) => roleIds.has(r.id));
  const clientRoles: Record<string, string[]> = {};
  for (const role of roles.filter((r) => r.clientId !== null)) {
    const client = await domain.clients.get(group.realmId, role.clientId!);
    if (client) (clientRoles[client.clientId] ??= []).push(role.name);
  }
  return groupRep(group, await domain.groups.path(group), {
    subGroupCount: await domain.groups.count(group.realmId, { parentId: group.id }),
    realmRoles: roles.filter((r) => r.clientId === null).map((r) => r.name).sort(),
    clientRoles,
  });
}

/** Keycloak's brief group: id, name, path (and parent). */
export async function briefGroup(domain: Domain, group: GroupRecord) {
  return briefGroupRep(group, await domain.groups.path(group));
}

/**
 * Keycloak's `q` search: `key:value` pairs, space separated; a value may hold colons.
 * 400 naming the parameter when a pair has no key.
 */
export function attributeQuery(q: string | undefined): Array<[string, string]> {
  if (q === undefined || q.trim() === '') return [];
  return q.trim().split(/\s+/).map((pair) => {
    const at = pair.indexOf(':');
    if (at <= 0) throw badRequest(`Invalid query parameter q: ${pair} is not key:value`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

/** Whether attributes match every pair: the value equal (exact) or contained, ignoring case. */
export function matchesAttributes(attributes: Record<string, string[]> | undefined, pairs: Array<[string, string]>, exact: boolean): boolean {
  return pairs.every(([key, value]) => (attributes?.[key] ?? []).some((v) =>
    (exact ? v === value : v.toLowerCase().includes(value.toLowerCase()))));
}
