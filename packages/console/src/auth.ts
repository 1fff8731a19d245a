// The admin console signs the administrator in as the public client security-admin-console
// of master (as Keycloak's console does): see oidc.ts.
import { oidcSession } from './oidc';

export { WrongAddress, type Session } from './oidc';

/** Where the console is served (…/admin/), wherever the server's relative path puts it. */
export const consoleBase = new URL('.', window.location.href);
/** The console is served at <relative-path>/admin/, master at <relative-path>/realms/master. */
export const issuer = new URL('../realms/master', consoleBase);

const oidc = oidcSession({ issuer, clientId: 'security-admin-console', base: consoleBase, pending: 'latchkey.console.sign-in' });
export const { signIn, accessToken, signOut, currentSession } = oidc;
/** Sends the browser to master's login page; the route it was at comes back afterwards. */
export const redirectToSignIn = (): Promise<never> => oidc.redirectToSignIn();
