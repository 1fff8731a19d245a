import type { FastifyPluginAsync } from 'fastify';
import { MASTER_REALM } from '../../domain/bootstrap.js';
import { policyProblems } from '../../domain/password-policy.js';
import { checkRealmRep, importRealm, type RealmRep } from '../../import/keycloak.js';
import { parseLoaMap } from '../../protocol/authorization/acr.js';
import { isDatabaseUnavailable, type RealmRecord } from '../../storage/store.js';
import { mayAdminister, requireAllRealms } from '../auth.js';
import { badRequest, conflict } from '../errors.js';
import { realmRep, updatedRealm, withoutNulls } from '../representations.js';
import { realmParams, realmRepresentation } from './schemas.js';
import { created, realmOf, type MailingRouteOptions } from './common.js';
import { OAuthError } from '../../protocol/errors.js';

const tags = ['Realms'];

/** A realm posted with its contents can be large (it is a realm import); everything else is small. */
const REALM_IMPORT_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * An import that failed on what the request said (a role that does not exist, two users of
 * one name) is the client's to fix: 400 or 409 with the importer's reason. Anything else is ours.
 */
function importFailure(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (/UNIQUE constraint|duplicate key value/i.test(message)) {
    return conflict('The realm representation names something twice (an id, or a name that must be unique)');
  }
  // The database going away is ours (503, from the app's handler); anything else the importer refuses is what the request said.
  if (isDatabaseUnavailable(err)) return err;
  return badRequest(message);
}

/** Unlike an import, which reports them, the admin API refuses a password policy with rules Latchkey cannot apply. */
function checkPasswordPolicy(body: RealmRep): void {
  const [problem] = policyProblems(body.passwordPolicy ?? undefined);
  if (problem) throw badRequest(problem);
}

export const realmRoutes: FastifyPluginAsync<MailingRouteOptions> = async (app, { domain, mailer }) => {
  const withDefaultRole = async (realm: RealmRecord) =>
    realmRep(realm, await domain.roles.get(realm.id, null, realm.settings.defaultRoleName));

  app.get('/realms', {
    schema: { tags, summary: 'The realms this administrator may administer' },
  }, async (request) => {
    const realms = (await domain.realms.list()).filter((r) => mayAdminister(request.adminActor!, r.name));
    return Promise.all(realms.map(withDefaultRole));
  });

  app.post('/realms', {
    bodyLimit: REALM_IMPORT_BODY_LIMIT,
    schema: {
      tags,
      summary: 'Create a realm; with clients, roles and users in it, as a realm import',
      body: { ...realmRepresentation, required: ['realm'] },
    },
  }, async (request, reply) => {
    requireAllRealms(request.adminActor!);
    // Keycloak's defaults: a realm made through the API records no events unless asked to.
    const body = { eventsEnabled: false, adminEventsEnabled: false, ...withoutNulls(request.body as RealmRep) };
    if (await domain.realms.exists(body.realm)) throw conflict(`Realm ${body.realm} already exists`);
    try {
      checkRealmRep(body);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    checkPasswordPolicy(body);
    let result;
    try {
      result = await importRealm(domain, body);
    } catch (err) {
      throw importFailure(err);
    }
    if (result.skipped) throw conflict(`Realm ${body.realm} already exists`);
    return created(request, reply, body.realm);
  });

  app.get('/realms/:realm', {
    schema: { tags, summary: 'The realm: its settings', params: realmParams },
  }, async (request) => withDefaultRole(await realmOf(domain, request)));

  app.put('/realms/:realm', {
    schema: {
      tags,
      summary: 'Change the realm settings given; the others stay. A different `realm` renames it.',
      params: realmParams,
      body: realmRepresentation,
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const loa = (request.body as RealmRep).attributes?.['acr.loa.map'];
    if (loa && !parseLoaMap(loa)) throw badRequest('Invalid attribute acr.loa.map: a JSON object of acr values and their levels (whole numbers) is expected');
    checkPasswordPolicy(request.body as RealmRep);
    let next: RealmRecord;
    try {
      next = updatedRealm(realm, request.body as RealmRep);
    } catch (err) {
      // What the representation holds that cannot be read (a user profile component that is not one).
      throw badRequest((err as Error).message);
    }
    if (realm.name === MASTER_REALM && (next.name !== MASTER_REALM || !next.enabled)) {
      throw badRequest('The master realm can be neither renamed nor disabled');
    }
    if (next.name !== realm.name && (await domain.realms.exists(next.name))) throw conflict(`Realm ${next.name} already exists`);
    await domain.realms.update(realm.name, next);
    return reply.code(204).send();
  });

  app.post('/realms/:realm/testSMTPConnection', {
    schema: {
      tags,
      summary: 'Send a test mail to the calling administrator\'s email through the SMTP settings given (a masked password: the stored one)',
      params: realmParams,
      body: { type: 'object', required: ['host', 'from'], properties: { host: { type: 'string', minLength: 1, maxLength: 1024 }, from: { type: 'string', minLength: 1, maxLength: 1024 } }, additionalProperties: { type: 'string', maxLength: 1024 } },
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const actor = request.adminActor!;
    const admin = await domain.users.get(actor.realmId, actor.userId);
    if (!admin?.email) throw badRequest('Logged in user does not have an e-mail.');
    try {
      await mailer.sendTest(realm, request.body as Record<string, string>, { ...admin, email: admin.email });
    } catch (err) {
      // The mail server (or the way to it) failed, not Latchkey nor the request's shape: 502,
      // where Keycloak answers 500, which we keep for our own faults.
      request.log.warn({ err }, 'test mail not sent');
      throw new OAuthError('email_send_failed', `Failed to send email: ${(err as Error).message}`, 502);
    }
    return reply.code(204).send();
  });

  app.delete('/realms/:realm', {
    schema: { tags, summary: 'Delete the realm and everything in it', params: realmParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    if (realm.name === MASTER_REALM) throw badRequest('The master realm cannot be deleted');
    await domain.realms.delete(realm);
    domain.clients.invalidateAll();
    domain.roles.invalidate(realm.id);
    domain.users.invalidate();
    return reply.code(204).send();
  });
};
