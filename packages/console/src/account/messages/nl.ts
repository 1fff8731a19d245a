import type { Messages } from './en';

export const nl: Messages = {
  title: 'Account',
  booting: 'Aanmelden bij uw account…',
  cannotSignIn: 'Uw account kan niet worden getoond',
  tryAgain: 'Opnieuw proberen',
  signOut: 'Afmelden',
  language: 'Taal',
  menu: 'Accountonderdelen',
  loading: 'Laden…',
  sections: {
    'personal-info': 'Persoonlijke gegevens', 'signing-in': 'Aanmelden', 'device-activity': 'Apparaatactiviteit',
    'linked-accounts': 'Gekoppelde accounts', applications: 'Applicaties',
  },
  personalInfo: {
    intro: 'Beheer uw basisgegevens.',
    username: 'Gebruikersnaam', email: 'E-mailadres', firstName: 'Voornaam', lastName: 'Achternaam',
    save: 'Opslaan', cancel: 'Annuleren', saved: 'Uw account is bijgewerkt.',
    unverified: 'Dit e-mailadres is niet bevestigd.',
    verifySent: 'Controleer uw e-mail: een link om het nieuwe adres te bevestigen is onderweg.',
  },
  signingIn: {
    intro: 'Stel in hoe u zich aanmeldt.',
    basic: 'Basisaanmelding', password: 'Wachtwoord', passwordSet: (when) => `Ingesteld op ${when}`, passwordNone: 'Er is geen wachtwoord ingesteld.',
    updatePassword: 'Wijzigen', twoFactor: 'Tweestapsverificatie', otp: 'Authenticator-app',
    otpHelp: 'Voer een verificatiecode uit een authenticator-app in.',
    recoveryCodes: 'Herstelcodes', recoveryCodesHelp: 'Codes om mee aan te melden als de authenticator niet bij de hand is.',
    notSetUp: (what) => `${what} is niet ingesteld.`,
    setUp: 'Authenticator-app instellen', remove: 'Verwijderen', unnamed: 'Naamloos apparaat',
    created: (when) => `Aangemaakt ${when}`, confirmRemove: (name) => `${name} verwijderen? U meldt zich er dan niet meer mee aan.`,
    actionDone: 'Klaar: uw account is bijgewerkt.', actionCancelled: 'Er is niets gewijzigd.',
  },
  devices: {
    intro: 'Aangemeld op deze apparaten en browsers.', current: 'Deze sessie', started: 'Begonnen', lastAccess: 'Laatste toegang',
    expires: 'Verloopt', clients: 'Applicaties', signOut: 'Afmelden', signOutAll: 'Alle andere sessies afmelden', remembered: 'Onthouden',
    none: 'Geen andere sessies.', confirmAll: 'Alle andere sessies afmelden?',
  },
  linked: {
    link: 'Account koppelen',
    intro: 'Beheer de accounts bij andere identiteitsproviders waarmee u zich hier aanmeldt.', linked: 'Gekoppeld', notLinked: 'Niet gekoppeld',
    unlink: 'Ontkoppelen', none: 'Deze realm heeft geen identiteitsproviders.', confirmUnlink: (name) => `${name} ontkoppelen?`,
    linkedAs: (name) => `Gekoppeld als ${name}`,
  },
  applications: {
    intro: 'Houd bij welke applicaties toegang hebben tot uw account.', inUse: 'In gebruik', offline: 'Offline toegang',
    granted: 'Toegang verleend', revoke: 'Toegang intrekken', none: 'Geen applicaties.', consentOn: (when) => `Verleend op ${when}`,
    confirmRevoke: (name) => `Toegang van ${name} intrekken? De applicatie vraagt de volgende keer opnieuw om uw toestemming.`,
  },
  errors: {
    'error-invalid-email': 'Ongeldig e-mailadres.', 'error-user-attribute-required': 'Dit veld is verplicht.',
    'error-invalid-length': 'De lengte is ongeldig.', 'error-invalid-length-too-long': 'Te lang.', 'error-invalid-length-too-short': 'Te kort.',
    'error-person-name-invalid-character': 'Bevat tekens die niet zijn toegestaan.',
    'error-username-invalid-character': 'Bevat tekens die niet zijn toegestaan.', 'error-invalid-value': 'Ongeldige waarde.',
    'error-pattern-no-match': 'Ongeldige waarde.', emailExistsMessage: 'E-mailadres bestaat al.', usernameExistsMessage: 'Gebruikersnaam bestaat al.',
  },
};
