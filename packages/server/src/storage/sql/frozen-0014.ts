// What migration 0014_client_scopes wrote, frozen as it was released: Keycloak 26's built-in
// client scopes and the mappers Latchkey made of a client's custom claims and audiences. The live
// code (domain/builtin-scopes.ts, protocol/mappers.ts) may change; a released migration must not.
import { newId } from '../../crypto/random.js';

interface FrozenMapper {
  name: string;
  protocol: string;
  protocolMapper: string;
  consentRequired: boolean;
  config: Record<string, string>;
}

interface FrozenScope {
  name: string;
  description: string | null;
  protocol: string;
  attributes: Record<string, string>;
  protocolMappers?: FrozenMapper[];
}

const BUILT_IN_SCOPES_0014: readonly FrozenScope[] = [
  {
    "name": "acr",
    "description": "OpenID Connect scope for add acr (authentication context class reference) to the token",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "false",
      "display.on.consent.screen": "false"
    },
    "protocolMappers": [
      {
        "name": "acr loa level",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-acr-mapper",
        "consentRequired": false,
        "config": {
          "id.token.claim": "true",
          "introspection.token.claim": "true",
          "access.token.claim": "true",
          "userinfo.token.claim": "true"
        }
      }
    ]
  },
  {
    "name": "address",
    "description": "OpenID Connect built-in scope: address",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "true",
      "consent.screen.text": "${addressScopeConsentText}",
      "display.on.consent.screen": "true"
    },
    "protocolMappers": [
      {
        "name": "address",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-address-mapper",
        "consentRequired": false,
        "config": {
          "user.attribute.formatted": "formatted",
          "user.attribute.country": "country",
          "introspection.token.claim": "true",
          "user.attribute.postal_code": "postal_code",
          "userinfo.token.claim": "true",
          "user.attribute.street": "street",
          "id.token.claim": "true",
          "user.attribute.region": "region",
          "access.token.claim": "true",
          "user.attribute.locality": "locality"
        }
      }
    ]
  },
  {
    "name": "basic",
    "description": "OpenID Connect scope for add all basic claims to the token",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "false",
      "display.on.consent.screen": "false"
    },
    "protocolMappers": [
      {
        "name": "sub",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-sub-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "access.token.claim": "true"
        }
      },
      {
        "name": "auth_time",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usersessionmodel-note-mapper",
        "consentRequired": false,
        "config": {
          "user.session.note": "AUTH_TIME",
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "auth_time",
          "jsonType.label": "long"
        }
      }
    ]
  },
  {
    "name": "email",
    "description": "OpenID Connect built-in scope: email",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "true",
      "consent.screen.text": "${emailScopeConsentText}",
      "display.on.consent.screen": "true"
    },
    "protocolMappers": [
      {
        "name": "email verified",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-property-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "emailVerified",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "email_verified",
          "jsonType.label": "boolean"
        }
      },
      {
        "name": "email",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "email",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "email",
          "jsonType.label": "String"
        }
      }
    ]
  },
  {
    "name": "microprofile-jwt",
    "description": "Microprofile - JWT built-in scope",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "true",
      "display.on.consent.screen": "false"
    },
    "protocolMappers": [
      {
        "name": "groups",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-realm-role-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "multivalued": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "foo",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "groups",
          "jsonType.label": "String"
        }
      },
      {
        "name": "upn",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "username",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "upn",
          "jsonType.label": "String"
        }
      }
    ]
  },
  {
    "name": "offline_access",
    "description": "OpenID Connect built-in scope: offline_access",
    "protocol": "openid-connect",
    "attributes": {
      "consent.screen.text": "${offlineAccessScopeConsentText}",
      "display.on.consent.screen": "true"
    }
  },
  {
    "name": "phone",
    "description": "OpenID Connect built-in scope: phone",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "true",
      "consent.screen.text": "${phoneScopeConsentText}",
      "display.on.consent.screen": "true"
    },
    "protocolMappers": [
      {
        "name": "phone number",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "phoneNumber",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "phone_number",
          "jsonType.label": "String"
        }
      },
      {
        "name": "phone number verified",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "phoneNumberVerified",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "phone_number_verified",
          "jsonType.label": "boolean"
        }
      }
    ]
  },
  {
    "name": "profile",
    "description": "OpenID Connect built-in scope: profile",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "true",
      "consent.screen.text": "${profileScopeConsentText}",
      "display.on.consent.screen": "true"
    },
    "protocolMappers": [
      {
        "name": "nickname",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "nickname",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "nickname",
          "jsonType.label": "String"
        }
      },
      {
        "name": "username",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "username",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "preferred_username",
          "jsonType.label": "String"
        }
      },
      {
        "name": "picture",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "picture",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "picture",
          "jsonType.label": "String"
        }
      },
      {
        "name": "family name",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "lastName",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "family_name",
          "jsonType.label": "String"
        }
      },
      {
        "name": "profile",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "profile",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "profile",
          "jsonType.label": "String"
        }
      },
      {
        "name": "locale",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "locale",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "locale",
          "jsonType.label": "String"
        }
      },
      {
        "name": "gender",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "gender",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "gender",
          "jsonType.label": "String"
        }
      },
      {
        "name": "website",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "website",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "website",
          "jsonType.label": "String"
        }
      },
      {
        "name": "full name",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-full-name-mapper",
        "consentRequired": false,
        "config": {
          "id.token.claim": "true",
          "introspection.token.claim": "true",
          "access.token.claim": "true",
          "userinfo.token.claim": "true"
        }
      },
      {
        "name": "birthdate",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "birthdate",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "birthdate",
          "jsonType.label": "String"
        }
      },
      {
        "name": "zoneinfo",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "zoneinfo",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "zoneinfo",
          "jsonType.label": "String"
        }
      },
      {
        "name": "middle name",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "middleName",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "middle_name",
          "jsonType.label": "String"
        }
      },
      {
        "name": "updated at",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "updatedAt",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "updated_at",
          "jsonType.label": "long"
        }
      },
      {
        "name": "given name",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "userinfo.token.claim": "true",
          "user.attribute": "firstName",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "given_name",
          "jsonType.label": "String"
        }
      }
    ]
  },
  {
    "name": "roles",
    "description": "OpenID Connect scope for add user roles to the access token",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "false",
      "consent.screen.text": "${rolesScopeConsentText}",
      "display.on.consent.screen": "true"
    },
    "protocolMappers": [
      {
        "name": "realm roles",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-realm-role-mapper",
        "consentRequired": false,
        "config": {
          "user.attribute": "foo",
          "introspection.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "realm_access.roles",
          "jsonType.label": "String",
          "multivalued": "true"
        }
      },
      {
        "name": "client roles",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-client-role-mapper",
        "consentRequired": false,
        "config": {
          "user.attribute": "foo",
          "introspection.token.claim": "true",
          "access.token.claim": "true",
          "claim.name": "resource_access.${client_id}.roles",
          "jsonType.label": "String",
          "multivalued": "true"
        }
      },
      {
        "name": "audience resolve",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-resolve-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "access.token.claim": "true"
        }
      }
    ]
  },
  {
    "name": "web-origins",
    "description": "OpenID Connect scope for add allowed web origins to the access token",
    "protocol": "openid-connect",
    "attributes": {
      "include.in.token.scope": "false",
      "consent.screen.text": "",
      "display.on.consent.screen": "false"
    },
    "protocolMappers": [
      {
        "name": "allowed web origins",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-allowed-origins-mapper",
        "consentRequired": false,
        "config": {
          "introspection.token.claim": "true",
          "access.token.claim": "true"
        }
      }
    ]
  }
];

/** The built-in scopes as 0014 gave each realm: fresh ids, created now. */
export function builtInScopes0014(): Array<FrozenScope & { id: string; createdAt: number; protocolMappers: Array<FrozenMapper & { id: string }> }> {
  const createdAt = Math.floor(Date.now() / 1000);
  return BUILT_IN_SCOPES_0014.map((s) => ({
    ...s, id: newId(), createdAt, attributes: { ...s.attributes },
    protocolMappers: (s.protocolMappers ?? []).map((m) => ({ ...m, id: newId(), config: { ...m.config } })),
  }));
}

/** Latchkey's custom claim (before mappers were kept) as 0014 turned it into a mapper. */
export interface CustomClaim0014 {
  name: string;
  userAttribute: string;
  claim: string;
  jsonType: string;
  multivalued: boolean;
  accessToken: boolean;
  idToken: boolean;
  userinfo: boolean;
}

const USER_PROPERTIES_0014 = new Set(['username', 'email', 'firstName', 'lastName']);

export function claimMapper0014(m: CustomClaim0014): FrozenMapper & { id: string } {
  return {
    id: newId(),
    name: m.name,
    protocol: 'openid-connect',
    protocolMapper: USER_PROPERTIES_0014.has(m.userAttribute) ? 'oidc-usermodel-property-mapper' : 'oidc-usermodel-attribute-mapper',
    consentRequired: false,
    config: {
      'user.attribute': m.userAttribute,
      'claim.name': m.claim,
      'jsonType.label': m.jsonType,
      multivalued: String(m.multivalued),
      'access.token.claim': String(m.accessToken),
      'id.token.claim': String(m.idToken),
      'userinfo.token.claim': String(m.userinfo),
      'introspection.token.claim': String(m.accessToken),
    },
  };
}

export function audienceMapper0014(audience: string, isClient: boolean): FrozenMapper & { id: string } {
  return {
    id: newId(),
    name: `audience ${audience}`,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-audience-mapper',
    consentRequired: false,
    config: {
      [isClient ? 'included.client.audience' : 'included.custom.audience']: audience,
      'access.token.claim': 'true',
      'id.token.claim': 'false',
      'introspection.token.claim': 'true',
    },
  };
}
