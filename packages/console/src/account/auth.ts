// The account console signs the user in as the realm's public client account-console (as
// Keycloak's does), through the realm's own login: see ../oidc.ts.
import { oidcSession } from '../oidc';

/** Where the console is served: <relative-path>/realms/{realm}/account/. */
export const accountBase = new URL('.', window.location.href);
/** Its realm's issuer, <relative-path>/realms/{realm}. */
export const issuer = new URL(new URL('..', accountBase).href.replace(/\/$/, ''));
export const realmName = decodeURIComponent(issuer.pathname.split('/').pop() ?? '');

export const oidc = oidcSession({ issuer, clientId: 'account-console', base: accountBase, pending: `latchkey.account.sign-in.${realmName}` });

/** The section to come back to after a trip elsewhere (an identity provider, for a link): the sign-in that follows keeps it. */
export const RETURN_TO = `latchkey.account.return.${realmName}`;
