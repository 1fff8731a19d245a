// The account console's English texts: the catalogue every other language has the same shape as.

export const en = {
  title: 'Account',
  booting: 'Signing in to your account…',
  cannotSignIn: 'Your account cannot be shown',
  tryAgain: 'Try again',
  signOut: 'Sign out',
  language: 'Language',
  menu: 'Account sections',
  loading: 'Loading…',
  sections: {
    'personal-info': 'Personal info', 'signing-in': 'Signing in', 'device-activity': 'Device activity',
    'linked-accounts': 'Linked accounts', applications: 'Applications',
  },
  personalInfo: {
    intro: 'Manage your basic information.',
    username: 'Username', email: 'Email', firstName: 'First name', lastName: 'Last name',
    save: 'Save', cancel: 'Cancel', saved: 'Your account has been updated.',
    unverified: 'This email address is not verified.',
    verifySent: 'Check your email: a link to verify the new address is on its way.',
  },
  signingIn: {
    intro: 'Configure ways to sign in.',
    basic: 'Basic authentication', password: 'Password', passwordSet: (when: string) => `Set on ${when}`, passwordNone: 'No password is set.',
    updatePassword: 'Update', twoFactor: 'Two-factor authentication', otp: 'Authenticator application',
    otpHelp: 'Enter a verification code from an authenticator application.',
    recoveryCodes: 'Recovery codes', recoveryCodesHelp: 'Codes to sign in with when the authenticator is not at hand.',
    notSetUp: (what: string) => `${what} is not set up.`,
    setUp: 'Set up authenticator application', remove: 'Remove', unnamed: 'Unnamed device',
    created: (when: string) => `Created ${when}`, confirmRemove: (name: string) => `Remove ${name}? You will no longer sign in with it.`,
    passwordless: 'Passwordless', passkeys: 'Passkeys', passkeysHelp: 'Sign in with a passkey on this device, a phone or a security key, without a password.',
    setUpPasskey: 'Set up passkey', securityKeys: 'Security keys', securityKeysHelp: 'Confirm it is you with a security key or a passkey after your password.',
    setUpSecurityKey: 'Set up security key',
    noPasskeys: 'No passkey is set up.', noSecurityKeys: 'No security key is set up.',
    actionDone: 'Done: your account has been updated.', actionCancelled: 'Nothing was changed.',
  },
  devices: {
    intro: 'Signed in on these devices and browsers.', current: 'This session', started: 'Started', lastAccess: 'Last access',
    expires: 'Expires', clients: 'Applications', signOut: 'Sign out', signOutAll: 'Sign out all other sessions', remembered: 'Remembered',
    none: 'No other sessions.', confirmAll: 'Sign out all your other sessions?',
  },
  linked: {
    link: 'Link account',
    intro: 'Manage the accounts at other identity providers that sign you in here.', linked: 'Linked', notLinked: 'Not linked',
    unlink: 'Unlink', none: 'This realm has no identity providers.', confirmUnlink: (name: string) => `Unlink ${name}?`,
    linkedAs: (name: string) => `Linked as ${name}`,
  },
  applications: {
    intro: 'Track and manage the applications that have access to your account.', inUse: 'In use', offline: 'Offline access',
    granted: 'Access granted', revoke: 'Remove access', none: 'No applications.', consentOn: (when: string) => `Granted on ${when}`,
    confirmRevoke: (name: string) => `Remove the access of ${name}? It asks for your consent again the next time.`,
  },
  errors: {
    'error-invalid-email': 'Invalid email address.', 'error-user-attribute-required': 'This field is required.',
    'error-invalid-length': 'The length is not valid.', 'error-invalid-length-too-long': 'Too long.', 'error-invalid-length-too-short': 'Too short.',
    'error-person-name-invalid-character': 'Contains characters that are not allowed.',
    'error-username-invalid-character': 'Contains characters that are not allowed.', 'error-invalid-value': 'Invalid value.',
    'error-pattern-no-match': 'Invalid value.', emailExistsMessage: 'Email already exists.', usernameExistsMessage: 'Username already exists.',
  } as Record<string, string>,
};

export type Messages = typeof en;
