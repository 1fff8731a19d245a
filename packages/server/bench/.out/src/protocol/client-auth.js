import { ClientService } from '../domain/clients.js';
import { OAuthError, invalidRequest } from './errors.js';
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];
function basicChallenge(realm) {
    return { 'www-authenticate': `Basic realm="${realm.realm.name}"` };
}
/** RFC 6749 §2.3.1: both parts are form-urlencoded inside the Basic credentials. */
function parseBasic(header, realm) {
    const fail = () => new OAuthError('invalid_client', 'Malformed Basic authorization header', 401, basicChallenge(realm));
    const encoded = header.slice(6).trim();
    if (!/^[A-Za-z0-9+/]+=*$/.test(encoded))
        throw fail();
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1)
        throw fail();
    try {
        const formDecode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
        return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
    }
    catch {
        throw fail();
    }
}
function presented(input, realm) {
    const { authorization, params } = input;
    const basic = authorization && /^basic /i.test(authorization) ? parseBasic(authorization, realm) : undefined;
    if (basic && params.client_secret !== undefined) {
        throw invalidRequest('The client used more than one authentication method');
    }
    if (basic) {
        if (params.client_id !== undefined && params.client_id !== basic.clientId) {
            throw invalidRequest('client_id does not match the authenticated client');
        }
        return { ...basic, method: 'client_secret_basic' };
    }
    if (params.client_id === undefined)
        return undefined;
    if (params.client_secret !== undefined) {
        return { clientId: params.client_id, secret: params.client_secret, method: 'client_secret_post' };
    }
    return { clientId: params.client_id, method: 'none' };
}
/** Authenticates the client of a token, introspection or revocation request. */
export async function authenticateClient(domain, realm, input) {
    const given = presented(input, realm);
    const challenge = given?.method === 'client_secret_basic' || !given ? basicChallenge(realm) : {};
    const refuse = (description) => new OAuthError('invalid_client', description, 401, challenge);
    if (!given)
        throw refuse('Client authentication is required');
    const client = await domain.clients.runtime(realm.realm.id, given.clientId);
    if (!client)
        throw refuse('Invalid client or invalid client credentials');
    if (!client.record.enabled)
        throw refuse('Client is disabled');
    if (client.record.publicClient)
        return { client, method: 'none' };
    if (given.secret === undefined)
        throw refuse('Client secret is required for a confidential client');
    if (!ClientService.secretMatches(client, given.secret))
        throw refuse('Invalid client or invalid client credentials');
    return { client, method: given.method };
}
