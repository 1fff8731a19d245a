import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { REALM_MANAGEMENT_CLIENT } from '../../domain/realms.js';
import { randomToken, sha256 } from '../../crypto/random.js';
import { now } from '../../domain/time.js';
import { SERVICE_ACCOUNT_PREFIX } from '../../domain/users.js';
import { clientSettingsProblem } from '../../domain/clients.js';
import { CLIENT_FIELDS, type ClientRep, type SecretRep } from '../../import/keycloak.js';
import type { ClientRecord, ProtocolMapperRecord, RealmRecord } from '../../storage/store.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { clientFields, clientRep, type ClientFields, currentSecret, secretRep, userRep, withoutNulls } from '../representations.js';
import { clientRepresentation, paging, paramsWith, realmParams, secretInput } from './schemas.js';
import { clientOf, commit, created, page, realmOf, slice, type AdminRouteOptions } from './common.js';
import { checkedMapper } from './client-scopes.js';

const tags = ['Clients'];
const secretTags = ['Client secrets (Latchkey)'];
const clientParams = paramsWith('id');

export const clientRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  /** The client as Keycloak shows it, with its current secret. */
  const represent = async (client: ClientRecord) => {
    if (client.publicClient) return clientRep(client);
    return clientRep(client, currentSecret(await domain.clients.openSecrets(client.id), now())?.value);
  };
  const afterWrite = (realm: RealmRecord, ...clientIds: string[]) => () => {
    for (const clientId of clientIds) domain.clients.invalidate(realm.id, clientId);
    domain.users.invalidate();
    domain.roles.invalidate(realm.id);
  };
  /** 400 naming the field when the settings cannot be a client's (seed 001's two switches both off). */
  const checked = (fields: ClientFields, current?: ClientRecord) => {
    const found = clientSettingsProblem(fields.settings, CLIENT_FIELDS);
    if (found) throw badRequest(`Invalid field ${found.field}: ${found.problem}`);
    // Mappers the client has already (e.g. of a type a realm file brought) are not checked again.
    const kept = (m: ProtocolMapperRecord) => current?.settings.protocolMappers.some((c) => c.id === m.id && c.protocolMapper === m.protocolMapper);
    const protocolMappers = fields.settings.protocolMappers.map((m) => (kept(m) ? m : checkedMapper(m, fields)));
    return { ...fields, settings: { ...fields.settings, protocolMappers } };
  };
  const confidential = (client: ClientRecord) => {
    if (client.publicClient) throw badRequest(`Client ${client.clientId} is public: it has no secrets`);
  };
  /** The realm and the client the path names; 404 for either that is not there. */
  const clientAt = async (request: FastifyRequest) => {
    const realm = await realmOf(domain, request);
    return { realm, client: await clientOf(domain, realm, (request.params as { id: string }).id) };
  };
  /** The same for a confidential client: 400 for a public one, which has no secrets. */
  const confidentialAt = async (request: FastifyRequest) => {
    const at = await clientAt(request);
    confidential(at.client);
    return at;
  };

  app.get('/realms/:realm/clients', {
    schema: {
      tags,
      summary: 'The realm\'s clients, by clientId',
      params: realmParams,
      querystring: {
        type: 'object',
        properties: {
          clientId: { type: 'string', description: 'Only the client of this clientId (with search=true: whose clientId contains it)' },
          search: { type: 'boolean', default: false },
          ...paging,
        },
      },
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const q = request.query as { clientId?: string; search?: boolean; first?: number; max?: number };
    let clients: ClientRecord[];
    if (q.clientId !== undefined && !q.search) {
      const client = await domain.clients.getByClientId(realm.id, q.clientId);
      clients = slice(client ? [client] : [], q);
    } else if (q.clientId !== undefined) {
      const needle = q.clientId.toLowerCase();
      clients = slice((await domain.clients.list(realm.id)).filter((c) => c.clientId.toLowerCase().includes(needle)), q);
    } else {
      clients = await domain.clients.list(realm.id, page(q));
    }
    return Promise.all(clients.map(represent));
  });

  app.post('/realms/:realm/clients', {
    schema: {
      tags,
      summary: 'Create a client; a confidential one with service accounts gets its service-account user',
      params: realmParams,
      body: { ...clientRepresentation, required: ['clientId'] },
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const body = withoutNulls(request.body as ClientRep);
    const fields = checked(clientFields(body, undefined, realm));
    if (await domain.clients.getByClientId(realm.id, fields.clientId)) throw conflict(`Client ${fields.clientId} already exists`);
    const secrets: SecretRep[] = [...(body.secret ? [{ value: body.secret }] : []), ...(body.secrets ?? [])];
    const { record } = await domain.createClient(realm, {
      id: body.id, ...fields, secrets: fields.publicClient ? undefined : secrets,
    });
    afterWrite(realm, record.clientId)();
    return created(request, reply, record.id);
  });

  app.get('/realms/:realm/clients/:id', {
    schema: { tags, summary: 'The client', params: clientParams },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    return represent(await clientOf(domain, realm, (request.params as { id: string }).id));
  });

  app.put('/realms/:realm/clients/:id', {
    schema: {
      tags,
      summary: 'Change the fields given; the others stay (attributes are merged, null removes one)',
      params: clientParams,
      body: clientRepresentation,
    },
  }, async (request, reply) => {
    const { realm, client } = await clientAt(request);
    const body = request.body as ClientRep;
    const fields = checked(clientFields(body, client), client);
    // Not part of the representation: a PUT keeps it.
    const next: ClientRecord = { ...client, ...fields, settings: { ...fields.settings, registrationTokenHash: client.settings.registrationTokenHash } };
    const renamed = next.clientId !== client.clientId;
    if (renamed) {
      if (client.clientId === REALM_MANAGEMENT_CLIENT) throw badRequest(`${REALM_MANAGEMENT_CLIENT} cannot be renamed`);
      if (await domain.clients.getByClientId(realm.id, next.clientId)) throw conflict(`Client ${next.clientId} already exists`);
    }
    const values = next.publicClient ? [] : (await domain.clients.openSecrets(client.id)).map((s) => s.value);
    await commit(domain, async (tx) => {
      await domain.clients.update(tx, next);
      const serviceAccount = await domain.users.findServiceAccount(client.id, tx);
      if (serviceAccount && renamed) {
        await domain.users.update(tx, { ...serviceAccount, username: SERVICE_ACCOUNT_PREFIX + next.clientId });
      } else if (!serviceAccount && next.settings.serviceAccounts && !next.publicClient) {
        await domain.users.createServiceAccount(tx, realm, next);
      }
      if (!next.publicClient) {
        // Keycloak's `secret` sets the secret; a confidential client always has one.
        if (body.secret && !values.includes(body.secret)) await domain.clients.regenerateSecret(tx, client.id, body.secret);
        else if (values.length === 0) await domain.clients.regenerateSecret(tx, client.id);
      }
    }, afterWrite(realm, client.clientId, next.clientId));
    return reply.code(204).send();
  });

  app.delete('/realms/:realm/clients/:id', {
    schema: { tags, summary: 'Delete the client with its roles, secrets, service-account user and tokens', params: clientParams },
  }, async (request, reply) => {
    const { realm, client } = await clientAt(request);
    if (client.clientId === REALM_MANAGEMENT_CLIENT) throw badRequest(`${REALM_MANAGEMENT_CLIENT} is built in and cannot be deleted`);
    await commit(domain, (tx) => domain.clients.delete(tx, client), afterWrite(realm, client.clientId));
    return reply.code(204).send();
  });

  // ---- Keycloak's one secret --------------------------------------------------------

  app.get('/realms/:realm/clients/:id/client-secret', {
    schema: { tags, summary: 'The client\'s current secret (the first that has not expired)', params: clientParams },
  }, async (request) => {
    const { client } = await confidentialAt(request);
    return { type: 'secret', value: currentSecret(await domain.clients.openSecrets(client.id), now())?.value };
  });

  app.post('/realms/:realm/clients/:id/client-secret', {
    schema: { tags, summary: 'Regenerate: every secret of the client is replaced by one new one', params: clientParams },
  }, async (request) => {
    const { realm, client } = await confidentialAt(request);
    const value = await commit(domain, (tx) => domain.clients.regenerateSecret(tx, client.id), afterWrite(realm, client.clientId));
    return { type: 'secret', value };
  });

  // Keycloak's rotated secret is the one still accepted beside the current: here, the newest of the
  // secrets that have not expired other than the current one (Latchkey's several secrets).
  const rotated = async (client: ClientRecord) => {
    const at = now();
    const secrets = await domain.clients.openSecrets(client.id);
    const current = currentSecret(secrets, at);
    return secrets.filter((s) => s !== current && (s.expiresAt === null || s.expiresAt > at));
  };

  app.get('/realms/:realm/clients/:id/client-secret/rotated', {
    schema: { tags, summary: 'The secret accepted beside the current one (the newest of them when there are several)', params: clientParams },
  }, async (request) => {
    const { client } = await confidentialAt(request);
    const others = await rotated(client);
    if (others.length === 0) throw notFound('Client does not have a rotated secret');
    return { type: 'secret', value: others.at(-1)!.value };
  });

  app.delete('/realms/:realm/clients/:id/client-secret/rotated', {
    schema: { tags, summary: 'Stop accepting every secret but the current one', params: clientParams },
  }, async (request, reply) => {
    const { realm, client } = await confidentialAt(request);
    const others = await rotated(client);
    await commit(domain, async (tx) => {
      for (const secret of others) await domain.clients.deleteSecret(tx, secret.id);
    }, afterWrite(realm, client.clientId));
    return reply.code(204).send();
  });

  // ---- Keycloak's cluster nodes and certificates: kept, and shown, as Keycloak does ----

  const setNodes = async (realm: RealmRecord, client: ClientRecord, nodes: Record<string, number>) => {
    const settings = { ...client.settings, registeredNodes: Object.keys(nodes).length > 0 ? nodes : undefined };
    await commit(domain, (tx) => domain.clients.update(tx, { ...client, settings }), afterWrite(realm, client.clientId));
  };

  app.post('/realms/:realm/clients/:id/nodes', {
    schema: {
      tags, summary: 'Register a cluster node of the client (Keycloak\'s registeredNodes); Latchkey calls no node', params: clientParams,
      body: { type: 'object', required: ['node'], properties: { node: { type: 'string', minLength: 1, maxLength: 255 } } },
    },
  }, async (request, reply) => {
    const { realm, client } = await clientAt(request);
    const { node } = request.body as { node: string };
    await setNodes(realm, client, { ...client.settings.registeredNodes, [node]: now() });
    return reply.code(204).send();
  });

  app.delete('/realms/:realm/clients/:id/nodes/:node', {
    schema: { tags, summary: 'Unregister a cluster node of the client', params: paramsWith('id', 'node') },
  }, async (request, reply) => {
    const { realm, client } = await clientAt(request);
    const { node } = request.params as { node: string };
    const { [node]: gone, ...others } = client.settings.registeredNodes ?? {};
    if (gone === undefined) throw notFound(`Client does not have node ${node}`);
    await setNodes(realm, client, others);
    return reply.code(204).send();
  });

  // Keycloak's GlobalRequestResult of calls to the client's admin URL: Latchkey's clients have none, so none is made.
  app.get('/realms/:realm/clients/:id/test-nodes-available', {
    schema: { tags, summary: 'Keycloak tests the registered nodes\' admin URLs; Latchkey calls none', params: clientParams },
  }, async (request) => {
    await clientAt(request);
    return {};
  });

  app.post('/realms/:realm/clients/:id/push-revocation', {
    schema: { tags, summary: 'Keycloak pushes a not-before policy to the client\'s admin URL; Latchkey\'s clients have none', params: clientParams },
  }, async (request) => {
    await clientAt(request);
    return {};
  });

  app.get('/realms/:realm/clients/:id/certificates/:attr', {
    schema: {
      tags, summary: 'The certificate, public key and key id kept in the client\'s attributes under a prefix (e.g. jwt.credential); never a private key',
      params: paramsWith('id', 'attr'),
    },
  }, async (request) => {
    const { client } = await clientAt(request);
    const { attr } = request.params as { attr: string };
    const a = client.settings.extraAttributes;
    return withoutNulls({ certificate: a[`${attr}.certificate`], publicKey: a[`${attr}.public.key`], kid: a[`${attr}.kid`] });
  });

  app.post('/realms/:realm/clients/:id/registration-access-token', {
    schema: {
      tags,
      summary: 'A new registration access token for the client (the old one stops); the answer is the client with it, shown this once',
      params: clientParams,
    },
  }, async (request, reply) => {
    const { realm, client } = await clientAt(request);
    const token = randomToken();
    const next = { ...client, settings: { ...client.settings, registrationTokenHash: sha256(token) } };
    await commit(domain, (tx) => domain.clients.update(tx, next), afterWrite(realm, client.clientId));
    reply.header('cache-control', 'no-store');
    return { ...await represent(next), registrationAccessToken: token };
  });

  app.get('/realms/:realm/clients/:id/service-account-user', {
    schema: { tags, summary: 'The client\'s service-account user', params: clientParams },
  }, async (request) => {
    const { client } = await clientAt(request);
    if (client.publicClient || !client.settings.serviceAccounts) throw badRequest('Service account not enabled for the client');
    const user = await domain.users.findServiceAccount(client.id);
    if (!user) throw notFound('The client has no service-account user');
    return userRep(user, { serviceAccountClientId: client.clientId });
  });

  // ---- Latchkey's several secrets with expiry ----------------------------------------

  app.get('/realms/:realm/clients/:id/secrets', {
    schema: { tags: secretTags, summary: 'The client\'s secrets, oldest first: ids, labels and times, never values', params: clientParams },
  }, async (request) => {
    const { client } = await confidentialAt(request);
    const at = now();
    return (await domain.clients.listSecrets(client.id)).map((s) => secretRep(s, at));
  });

  app.post('/realms/:realm/clients/:id/secrets', {
    schema: {
      tags: secretTags,
      summary: 'Add a secret beside the others; the answer shows its value, this once',
      params: clientParams,
      body: secretInput,
    },
  }, async (request, reply) => {
    const { realm, client } = await confidentialAt(request);
    const input = request.body as { value?: string; expiresAt?: number | null; label?: string | null };
    const { record, value } = await commit(domain, (tx) => domain.clients.addSecret(tx, client.id, input), afterWrite(realm, client.clientId));
    return created(request, reply, record.id, { ...secretRep(record, now()), value });
  });

  app.delete('/realms/:realm/clients/:id/secrets/:secretId', {
    schema: { tags: secretTags, summary: 'Delete one of the client\'s secrets', params: paramsWith('id', 'secretId') },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const { id, secretId } = request.params as { id: string; secretId: string };
    const client = await clientOf(domain, realm, id);
    confidential(client);
    const secret = (await domain.clients.listSecrets(client.id)).find((s) => s.id === secretId);
    if (!secret) throw notFound('Could not find secret');
    await commit(domain, (tx) => domain.clients.deleteSecret(tx, secret.id), afterWrite(realm, client.clientId));
    return reply.code(204).send();
  });
};
