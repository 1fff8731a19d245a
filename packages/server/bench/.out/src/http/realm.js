import { OAuthError } from '../protocol/errors.js';
/** The realm named in the path; 404 in JSON when there is none (as Keycloak answers). */
export async function realmOf(domain, request) {
    const name = request.params.realm;
    const realm = await domain.realms.runtime(name);
    if (!realm || !realm.realm.enabled)
        throw new OAuthError('not_found', 'Realm does not exist', 404);
    return realm;
}
