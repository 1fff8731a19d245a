import { now } from '../../domain/time.js';
import { invalidGrant, invalidRequest, OAuthError, unauthorizedClient } from '../errors.js';
import { parseScope } from '../scopes.js';
import { issueTokens } from '../tokens.js';
import { grantSession } from './authorization-code.js';
import type { GrantHandler } from './grant.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.4: the device polls with its code until the user has answered on another device. */
export const deviceCodeGrant: GrantHandler = {
  type: DEVICE_CODE_GRANT,

  allowed({ client }) {
    if (!client.record.settings.deviceGrant) throw unauthorizedClient('Client is not allowed the device authorization grant');
  },

  async handle({ domain, realm, client, params, notes, dpop }) {
    if (!params.device_code) throw invalidRequest('Missing parameter: device_code');
    const record = await domain.deviceCodes.findByDeviceCode(params.device_code);
    if (!record || record.realmId !== realm.realm.id || record.clientId !== client.client.record.id) throw invalidGrant('Invalid device code');
    if (record.expiresAt <= now()) throw new OAuthError('expired_token', 'The device code has expired');
    if (record.status === 'denied') {
      await domain.deviceCodes.redeem(record);
      throw new OAuthError('access_denied', 'The user denied the authorization');
    }
    if (record.status === 'pending') {
      if ((await domain.deviceCodes.poll(record)) === 'slow_down') {
        throw new OAuthError('slow_down', 'Polled sooner than the interval allows; the interval is now 5 seconds longer');
      }
      throw new OAuthError('authorization_pending', 'The user has not answered yet');
    }
    if (notes) Object.assign(notes, { userId: record.userId, sessionId: record.sessionId });
    if (!(await domain.deviceCodes.redeem(record))) throw invalidGrant('The device code was already used');
    const sso = await domain.sessions.active(record.sessionId!);
    if (!sso) throw invalidGrant('Session not active');
    const user = await domain.users.get(realm.realm.id, record.userId!);
    if (!user || !user.enabled) throw invalidGrant('User is disabled or no longer exists');
    const scopes = parseScope(record.scope);
    const session = await grantSession({ domain, realm, client, notes }, user, scopes, sso);
    return issueTokens(domain, { realm, client: client.client, user, scopes, session, refresh: {}, dpopJkt: dpop?.jkt });
  },
};
