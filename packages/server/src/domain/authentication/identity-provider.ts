import type { Step } from './step.js';

/**
 * Keycloak's identity-provider-redirector: the first factor given at another OpenID provider.
 * Its page is the provider's: the login page links there, and the broker's callback completes
 * the step (endpoints/broker.ts), so it is never due here and takes no form.
 */
export const identityProviderStep: Step & { amr: string } = {
  id: 'identity-provider',
  name: 'identity-provider-redirector',
  kind: 'authenticator',
  amr: 'fed',
  due: () => false,
  submit: async () => ({ ok: false, message: 'requestExpired' }),
};
