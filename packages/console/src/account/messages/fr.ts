import type { Messages } from './en';

export const fr: Messages = {
  title: 'Compte',
  booting: 'Connexion à votre compte…',
  cannotSignIn: 'Votre compte ne peut pas être affiché',
  tryAgain: 'Réessayer',
  signOut: 'Se déconnecter',
  language: 'Langue',
  menu: 'Sections du compte',
  loading: 'Chargement…',
  sections: {
    'personal-info': 'Informations personnelles', 'signing-in': 'Connexion', 'device-activity': 'Activité des appareils',
    'linked-accounts': 'Comptes liés', applications: 'Applications',
  },
  personalInfo: {
    intro: 'Gérez vos informations de base.',
    username: "Nom d'utilisateur", email: 'Courriel', firstName: 'Prénom', lastName: 'Nom',
    save: 'Enregistrer', cancel: 'Annuler', saved: 'Votre compte a été mis à jour.',
    unverified: "Cette adresse de courriel n'est pas vérifiée.",
    verifySent: 'Consultez vos courriels : un lien pour vérifier la nouvelle adresse est en route.',
  },
  signingIn: {
    intro: 'Configurez vos moyens de connexion.',
    basic: 'Authentification de base', password: 'Mot de passe', passwordSet: (when) => `Défini le ${when}`, passwordNone: "Aucun mot de passe n'est défini.",
    updatePassword: 'Modifier', twoFactor: 'Authentification à deux facteurs', otp: "Application d'authentification",
    otpHelp: "Saisissez un code de vérification d'une application d'authentification.",
    recoveryCodes: 'Codes de récupération', recoveryCodesHelp: "Des codes pour se connecter quand l'application d'authentification n'est pas à portée de main.",
    notSetUp: (what) => `${what} n'est pas configuré(e).`,
    setUp: "Configurer l'application d'authentification", remove: 'Supprimer', unnamed: 'Appareil sans nom',
    created: (when) => `Créé ${when}`, confirmRemove: (name) => `Supprimer ${name} ? Vous ne vous connecterez plus avec.`,
    actionDone: 'Terminé : votre compte a été mis à jour.', actionCancelled: "Rien n'a été modifié.",
  },
  devices: {
    intro: 'Connecté sur ces appareils et navigateurs.', current: 'Cette session', started: 'Débutée', lastAccess: 'Dernier accès',
    expires: 'Expire', clients: 'Applications', signOut: 'Se déconnecter', signOutAll: 'Déconnecter toutes les autres sessions', remembered: 'Mémorisée',
    none: "Aucune autre session.", confirmAll: 'Déconnecter toutes vos autres sessions ?',
  },
  linked: {
    link: 'Lier le compte',
    intro: "Gérez les comptes d'autres fournisseurs d'identité qui vous connectent ici.", linked: 'Lié', notLinked: 'Non lié',
    unlink: 'Délier', none: "Ce domaine n'a aucun fournisseur d'identité.", confirmUnlink: (name) => `Délier ${name} ?`,
    linkedAs: (name) => `Lié en tant que ${name}`,
  },
  applications: {
    intro: 'Suivez et gérez les applications qui ont accès à votre compte.', inUse: 'En cours d’utilisation', offline: 'Accès hors ligne',
    granted: 'Accès accordé', revoke: "Retirer l'accès", none: 'Aucune application.', consentOn: (when) => `Accordé le ${when}`,
    confirmRevoke: (name) => `Retirer l'accès de ${name} ? Elle demandera à nouveau votre consentement la prochaine fois.`,
  },
  errors: {
    'error-invalid-email': 'Adresse de courriel invalide.', 'error-user-attribute-required': 'Ce champ est obligatoire.',
    'error-invalid-length': "La longueur n'est pas valide.", 'error-invalid-length-too-long': 'Trop long.', 'error-invalid-length-too-short': 'Trop court.',
    'error-person-name-invalid-character': 'Contient des caractères non autorisés.',
    'error-username-invalid-character': 'Contient des caractères non autorisés.', 'error-invalid-value': 'Valeur invalide.',
    'error-pattern-no-match': 'Valeur invalide.', emailExistsMessage: 'Cette adresse de courriel existe déjà.', usernameExistsMessage: "Ce nom d'utilisateur existe déjà.",
  },
};
