import type { Messages } from './en';

export const de: Messages = {
  title: 'Konto',
  booting: 'Anmeldung bei Ihrem Konto…',
  cannotSignIn: 'Ihr Konto kann nicht angezeigt werden',
  tryAgain: 'Erneut versuchen',
  signOut: 'Abmelden',
  language: 'Sprache',
  menu: 'Kontobereiche',
  loading: 'Wird geladen…',
  sections: {
    'personal-info': 'Persönliche Daten', 'signing-in': 'Anmeldung', 'device-activity': 'Geräteaktivität',
    'linked-accounts': 'Verknüpfte Konten', applications: 'Anwendungen',
  },
  personalInfo: {
    intro: 'Verwalten Sie Ihre grundlegenden Daten.',
    username: 'Benutzername', email: 'E-Mail', firstName: 'Vorname', lastName: 'Nachname',
    save: 'Speichern', cancel: 'Abbrechen', saved: 'Ihr Konto wurde aktualisiert.',
    unverified: 'Diese E-Mail-Adresse ist nicht bestätigt.',
    verifySent: 'Prüfen Sie Ihre E-Mails: Ein Link zur Bestätigung der neuen Adresse ist unterwegs.',
  },
  signingIn: {
    intro: 'Legen Sie fest, wie Sie sich anmelden.',
    basic: 'Einfache Anmeldung', password: 'Passwort', passwordSet: (when) => `Gesetzt am ${when}`, passwordNone: 'Kein Passwort gesetzt.',
    updatePassword: 'Ändern', twoFactor: 'Zwei-Faktor-Authentifizierung', otp: 'Authenticator-App',
    otpHelp: 'Geben Sie einen Bestätigungscode aus einer Authenticator-App ein.',
    recoveryCodes: 'Wiederherstellungscodes', recoveryCodesHelp: 'Codes für die Anmeldung, wenn die Authenticator-App nicht zur Hand ist.',
    notSetUp: (what) => `${what} ist nicht eingerichtet.`,
    setUp: 'Authenticator-App einrichten', remove: 'Entfernen', unnamed: 'Unbenanntes Gerät',
    created: (when) => `Erstellt ${when}`, confirmRemove: (name) => `${name} entfernen? Sie melden sich dann nicht mehr damit an.`,
    actionDone: 'Erledigt: Ihr Konto wurde aktualisiert.', actionCancelled: 'Es wurde nichts geändert.',
  },
  devices: {
    intro: 'Auf diesen Geräten und Browsern angemeldet.', current: 'Diese Sitzung', started: 'Begonnen', lastAccess: 'Letzter Zugriff',
    expires: 'Läuft ab', clients: 'Anwendungen', signOut: 'Abmelden', signOutAll: 'Alle anderen Sitzungen abmelden', remembered: 'Gemerkt',
    none: 'Keine anderen Sitzungen.', confirmAll: 'Alle anderen Sitzungen abmelden?',
  },
  linked: {
    link: 'Konto verknüpfen',
    intro: 'Verwalten Sie die Konten bei anderen Identitätsanbietern, mit denen Sie sich hier anmelden.', linked: 'Verknüpft', notLinked: 'Nicht verknüpft',
    unlink: 'Verknüpfung lösen', none: 'Dieser Realm hat keine Identitätsanbieter.', confirmUnlink: (name) => `Verknüpfung mit ${name} lösen?`,
    linkedAs: (name) => `Verknüpft als ${name}`,
  },
  applications: {
    intro: 'Behalten Sie die Anwendungen im Blick, die Zugriff auf Ihr Konto haben.', inUse: 'In Verwendung', offline: 'Offline-Zugriff',
    granted: 'Zugriff gewährt', revoke: 'Zugriff entziehen', none: 'Keine Anwendungen.', consentOn: (when) => `Gewährt am ${when}`,
    confirmRevoke: (name) => `Zugriff von ${name} entziehen? Die Anwendung fragt beim nächsten Mal erneut nach Ihrer Zustimmung.`,
  },
  errors: {
    'error-invalid-email': 'Ungültige E-Mail-Adresse.', 'error-user-attribute-required': 'Dieses Feld ist erforderlich.',
    'error-invalid-length': 'Die Länge ist ungültig.', 'error-invalid-length-too-long': 'Zu lang.', 'error-invalid-length-too-short': 'Zu kurz.',
    'error-person-name-invalid-character': 'Enthält unzulässige Zeichen.',
    'error-username-invalid-character': 'Enthält unzulässige Zeichen.', 'error-invalid-value': 'Ungültiger Wert.',
    'error-pattern-no-match': 'Ungültiger Wert.', emailExistsMessage: 'E-Mail-Adresse existiert bereits.', usernameExistsMessage: 'Benutzername existiert bereits.',
  },
};
