import { useState, type FormEvent } from 'react';
import { api, path } from '../api';
import { t } from '../i18n';
import { go } from '../router';
import type { RealmRep } from '../types';
import { CheckField, ConfirmButton, FieldError, Notice, SelectField, TextField, duration, messageOf, useSave, type Errors } from '../ui';

const LOCALES = ['en', 'de', 'nl', 'fr'];

type NumberKey = 'accessTokenLifespan' | 'accessCodeLifespan' | 'ssoSessionIdleTimeout' | 'ssoSessionMaxLifespan'
  | 'ssoSessionIdleTimeoutRememberMe' | 'ssoSessionMaxLifespanRememberMe'
  | 'offlineSessionIdleTimeout' | 'failureFactor' | 'waitIncrementSeconds' | 'maxFailureWaitSeconds' | 'eventsExpiration' | 'adminEventsExpiration'
  | 'refreshTokenMaxReuse' | 'refreshTokenReuseGrace' | 'otpPolicyPeriod' | 'otpPolicyLookAheadWindow'
  | 'actionTokenGeneratedByAdminLifespan' | 'actionTokenGeneratedByUserLifespan';

/** Each setting's minimum and fieldset; its label is t.realm.numbers[key]. */
const NUMBERS: Array<[NumberKey, number, string]> = [
  ['accessTokenLifespan', 1, 'tokens'],
  ['accessCodeLifespan', 1, 'tokens'],
  ['ssoSessionIdleTimeout', 1, 'sessions'],
  ['ssoSessionMaxLifespan', 1, 'sessions'],
  // 0: a remembered session lives as long as any other (Keycloak's default).
  ['ssoSessionIdleTimeoutRememberMe', 0, 'sessions'],
  ['ssoSessionMaxLifespanRememberMe', 0, 'sessions'],
  ['offlineSessionIdleTimeout', 1, 'sessions'],
  ['failureFactor', 1, 'brute'],
  ['waitIncrementSeconds', 0, 'brute'],
  ['maxFailureWaitSeconds', 0, 'brute'],
  ['eventsExpiration', 0, 'events'],
  ['adminEventsExpiration', 0, 'events'],
  ['refreshTokenMaxReuse', 0, 'refresh'],
  ['refreshTokenReuseGrace', 0, 'refresh'],
  ['otpPolicyPeriod', 1, 'otp'],
  ['otpPolicyLookAheadWindow', 0, 'otp'],
  ['actionTokenGeneratedByAdminLifespan', 1, 'links'],
  ['actionTokenGeneratedByUserLifespan', 1, 'links'],
];

/** Settings kept among Keycloak's realm attributes (as text) rather than as members of the realm representation. */
const ATTRIBUTES: NumberKey[] = ['adminEventsExpiration', 'refreshTokenReuseGrace'];
/** Counts, not seconds. */
const COUNTS: NumberKey[] = ['failureFactor', 'refreshTokenMaxReuse', 'otpPolicyLookAheadWindow'];
/** Multi-factor switches kept among the realm attributes, as 'true' or 'false'. */
const FLAGS = ['otpRequired', 'passwordGrantWithSecondFactor'] as const;

const numberOf = (realm: RealmRep, key: NumberKey) =>
  ATTRIBUTES.includes(key) ? Number(realm.attributes?.[key] ?? 0) : realm[key as Exclude<NumberKey, 'adminEventsExpiration' | 'refreshTokenReuseGrace'>];

type SwitchKey = 'registrationAllowed' | 'registrationEmailAsUsername' | 'resetPasswordAllowed' | 'verifyEmail'
  | 'loginWithEmailAllowed' | 'duplicateEmailsAllowed' | 'rememberMe' | 'editUsernameAllowed';

/** Keycloak's Login tab: what users may do for themselves; each labelled by t.realm.login. */
const SWITCHES: SwitchKey[] = [
  'registrationAllowed', 'registrationEmailAsUsername', 'resetPasswordAllowed', 'rememberMe', 'verifyEmail', 'loginWithEmailAllowed',
  'duplicateEmailsAllowed', 'editUsernameAllowed',
];

type SmtpKey = 'host' | 'port' | 'from' | 'fromDisplayName' | 'replyTo' | 'replyToDisplayName' | 'envelopeFrom' | 'user' | 'password';
/** The mail server's fields, each labelled by t.realm.mail. */
const SMTP_FIELDS = ['host', 'port', 'from', 'fromDisplayName', 'replyTo', 'replyToDisplayName', 'envelopeFrom'] as const;
const SMTP_SWITCHES = ['ssl', 'starttls', 'auth'] as const;

/** The mail server as the admin API takes it: strings, empty ones left out, the user and password only with authentication. */
function smtpOf(d: Record<string, string | boolean>): Record<string, string> {
  // No host: no mail server, as Keycloak keeps it ({}).
  if (!String(d['smtp.host'] ?? '').trim()) return {};
  const server: Record<string, string> = {};
  for (const k of SMTP_FIELDS) if (typeof d[`smtp.${k}`] === 'string' && (d[`smtp.${k}`] as string).trim()) server[k] = (d[`smtp.${k}`] as string).trim();
  for (const k of SMTP_SWITCHES) server[k] = String(d[`smtp.${k}`] === true);
  if (d['smtp.auth'] === true) {
    server.user = String(d['smtp.user'] ?? '');
    server.password = String(d['smtp.password'] ?? '');
  }
  return server;
}

/** Keycloak's two WebAuthn policies: security keys (a second factor) and passkeys (passwordless). */
const WEBAUTHN_POLICIES = [['securityKeys', 'webAuthnPolicy'], ['passkeys', 'webAuthnPolicyPasswordless']] as const;
/** Each policy's fields and the values Keycloak's realm representation takes (text, a list, a number, a switch, or one of these). */
const WEBAUTHN_CHOICES = {
  UserVerificationRequirement: ['not specified', 'required', 'preferred', 'discouraged'],
  AuthenticatorAttachment: ['not specified', 'platform', 'cross-platform'],
  RequireResidentKey: ['not specified', 'Yes', 'No'],
  AttestationConveyancePreference: ['not specified', 'none', 'indirect', 'direct', 'enterprise'],
} as const;
const WEBAUTHN_TEXTS = ['RpEntityName', 'RpId'] as const;
const WEBAUTHN_LISTS = ['SignatureAlgorithms', 'AcceptableAaguids', 'ExtraOrigins'] as const;
type WebAuthnKey = `${(typeof WEBAUTHN_POLICIES)[number][1]}${keyof typeof WEBAUTHN_CHOICES | (typeof WEBAUTHN_TEXTS)[number]
  | (typeof WEBAUTHN_LISTS)[number] | 'CreateTimeout'}`;
const webAuthnKeys = <F extends string>(field: F) => WEBAUTHN_POLICIES.map(([, prefix]) => `${prefix}${field}` as `${typeof prefix}${F}`);

/** The WebAuthn policies as the admin API takes them, from the form's text. */
function webAuthnOf(d: Record<string, unknown>): Record<string, unknown> {
  const rep: Record<string, unknown> = {};
  for (const [, prefix] of WEBAUTHN_POLICIES) {
    for (const f of [...WEBAUTHN_TEXTS, ...Object.keys(WEBAUTHN_CHOICES)]) rep[`${prefix}${f}`] = String(d[`${prefix}${f}`]).trim();
    for (const f of WEBAUTHN_LISTS) rep[`${prefix}${f}`] = String(d[`${prefix}${f}`]).split(/[\s,]+/).filter(Boolean);
    rep[`${prefix}CreateTimeout`] = Number(d[`${prefix}CreateTimeout`]);
    rep[`${prefix}AvoidSameAuthenticatorRegister`] = d[`${prefix}AvoidSameAuthenticatorRegister`] === true;
  }
  return rep;
}

export function RealmSettingsPage({ realm, onChanged }: { realm: RealmRep; onChanged: () => void }) {
  return <RealmForm key={realm.id} realm={realm} onChanged={onChanged} />;
}

function RealmForm({ realm, onChanged }: { realm: RealmRep; onChanged: () => void }) {
  const [d, setDraft] = useState(() => ({
    displayName: realm.displayName ?? '', enabled: realm.enabled, bruteForceProtected: realm.bruteForceProtected,
    eventsEnabled: realm.eventsEnabled, adminEventsEnabled: realm.adminEventsEnabled, revokeRefreshToken: realm.revokeRefreshToken,
    defaultLocale: realm.defaultLocale ?? '', supportedLocales: realm.supportedLocales.join(' '), defaultSignatureAlgorithm: realm.defaultSignatureAlgorithm,
    otpPolicyType: realm.otpPolicyType as string, otpPolicyAlgorithm: realm.otpPolicyAlgorithm, otpPolicyDigits: String(realm.otpPolicyDigits),
    otpPolicyCodeReusable: realm.otpPolicyCodeReusable,
    ...Object.fromEntries([...WEBAUTHN_TEXTS, ...Object.keys(WEBAUTHN_CHOICES), 'CreateTimeout'].flatMap(webAuthnKeys)
      .map((k) => [k, String(realm[k] ?? '')])) as Record<WebAuthnKey, string>,
    ...Object.fromEntries(WEBAUTHN_LISTS.flatMap(webAuthnKeys).map((k) => [k, ((realm[k] ?? []) as string[]).join(' ')])) as Record<WebAuthnKey, string>,
    ...Object.fromEntries(webAuthnKeys('AvoidSameAuthenticatorRegister').map((k) => [k, realm[k] === true])) as Record<`${(typeof WEBAUTHN_POLICIES)[number][1]}AvoidSameAuthenticatorRegister`, boolean>,
    ...Object.fromEntries(FLAGS.map((f) => [f, realm.attributes?.[f] === 'true'])) as Record<(typeof FLAGS)[number], boolean>,
    ...Object.fromEntries(NUMBERS.map(([k]) => [k, String(numberOf(realm, k))])) as Record<NumberKey, string>,
    ...Object.fromEntries(SWITCHES.map((k) => [k, realm[k] === true])) as Record<SwitchKey, boolean>,
    passwordPolicy: realm.passwordPolicy ?? '',
    ...Object.fromEntries([...SMTP_FIELDS, 'user', 'password'].map((k) => [`smtp.${k}`, realm.smtpServer?.[k] ?? ''])) as Record<`smtp.${SmtpKey}`, string>,
    ...Object.fromEntries(SMTP_SWITCHES.map((k) => [`smtp.${k}`, realm.smtpServer?.[k] === 'true'])) as Record<'smtp.ssl' | 'smtp.starttls' | 'smtp.auth', boolean>,
  }));
  const test = useSave();
  const save = useSave();
  const set = <K extends keyof typeof d>(key: K) => (value: (typeof d)[K]) => setDraft((old) => ({ ...old, [key]: value }));
  const master = realm.realm === 'master';
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      await api.put(path('realms', realm.realm), {
        displayName: d.displayName, enabled: d.enabled, bruteForceProtected: d.bruteForceProtected,
        defaultLocale: d.defaultLocale, supportedLocales: d.supportedLocales.split(/[\s,]+/).filter(Boolean),
        internationalizationEnabled: d.supportedLocales.trim() !== '', defaultSignatureAlgorithm: d.defaultSignatureAlgorithm,
        eventsEnabled: d.eventsEnabled, adminEventsEnabled: d.adminEventsEnabled, revokeRefreshToken: d.revokeRefreshToken,
        otpPolicyType: d.otpPolicyType, otpPolicyAlgorithm: d.otpPolicyAlgorithm, otpPolicyDigits: Number(d.otpPolicyDigits),
        otpPolicyCodeReusable: d.otpPolicyCodeReusable,
        ...webAuthnOf(d),
        ...Object.fromEntries(SWITCHES.map((k) => [k, d[k]])),
        passwordPolicy: d.passwordPolicy.trim(),
        smtpServer: smtpOf(d),
        ...Object.fromEntries(NUMBERS.filter(([k]) => !ATTRIBUTES.includes(k)).map(([k]) => [k, Number(d[k])])),
        attributes: {
          ...Object.fromEntries(ATTRIBUTES.map((k) => [k, String(Number(d[k]))])),
          ...Object.fromEntries(FLAGS.map((f) => [f, String(d[f])])),
        },
      });
      onChanged();
    }, Object.fromEntries(ATTRIBUTES.map((k) => [`attributes.${k}`, k])), () => {
      const errors: Errors = {};
      for (const [k, min] of NUMBERS) {
        if (!/^\d+$/.test(d[k].trim()) || Number(d[k]) < min || Number(d[k]) > 2_147_483_647) errors[k] = t.realm.wholeNumber(min);
      }
      if (!errors.ssoSessionMaxLifespan && !errors.ssoSessionIdleTimeout && Number(d.ssoSessionMaxLifespan) < Number(d.ssoSessionIdleTimeout)) {
        errors.ssoSessionMaxLifespan = t.realm.maxBelowIdle;
      }
      for (const k of webAuthnKeys('CreateTimeout')) {
        if (!/^\d+$/.test(d[k].trim()) || Number(d[k]) > 2_147_483_647) errors[k] = t.realm.wholeNumber(0);
      }
      const locales = d.supportedLocales.split(/[\s,]+/).filter(Boolean);
      const bad = locales.find((l) => !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(l));
      if (bad) errors.supportedLocales = t.realm.badLocale(bad);
      return errors;
    });
  };
  const numbers = (group: string) => NUMBERS.filter(([, , g]) => g === group).map(([k]) => (
    <TextField key={k} label={t.realm.numbers[k]} name={k} value={d[k]} onChange={set(k)} error={save.errors[k]}
      hint={group === 'events' && Number(d[k]) === 0 ? t.realm.keptForGood : duration(Number(d[k])) && !COUNTS.includes(k) ? duration(Number(d[k])) : undefined} />
  ));
  const supported = d.supportedLocales.split(/[\s,]+/).filter(Boolean);
  return (
    <section>
      <div className="page-head">
        <h1>{t.realm.settings} <small className="muted">{realm.realm}</small></h1>
        {!master ? (
          <ConfirmButton label={t.realm.deleteRealm} title={t.realm.deleteTitle(realm.realm)} confirmLabel={t.realm.deleteRealm}
            message={<p>{t.realm.deleteMessage}</p>}
            onConfirm={async () => { await api.delete(path('realms', realm.realm)); onChanged(); go('master', 'settings'); }} />
        ) : null}
      </div>
      <form className="form" onSubmit={submit} noValidate aria-label={t.realm.settings}>
        <Notice kind="error">{save.errors['']}</Notice>
        <fieldset><legend>{t.realm.general}</legend>
          <div className="grid">
            <TextField label={t.realm.displayName} name="displayName" value={d.displayName} onChange={set('displayName')} error={save.errors.displayName} hint={t.realm.displayNameHint} />
            <SelectField label={t.realm.signatureAlg} name="defaultSignatureAlgorithm" value={d.defaultSignatureAlgorithm} onChange={set('defaultSignatureAlgorithm')}
              options={[['RS256', 'RS256'], ['ES256', 'ES256'], ['EdDSA', 'EdDSA']]} />
          </div>
          <CheckField label={t.common.enabled} name="enabled" checked={d.enabled} onChange={set('enabled')} disabled={master}
            hint={master ? t.realm.masterEnabled : t.realm.disabledHint} />
        </fieldset>
        <fieldset><legend>{t.realm.tokens}</legend><div className="grid">{numbers('tokens')}</div></fieldset>
        <fieldset><legend>{t.realm.refreshTokens}</legend>
          <CheckField label={t.realm.revoke} name="revokeRefreshToken" checked={d.revokeRefreshToken} onChange={set('revokeRefreshToken')}
            hint={t.realm.revokeHint} />
          <div className="grid">{numbers('refresh')}</div>
        </fieldset>
        <fieldset><legend>{t.realm.sessions}</legend><div className="grid three">{numbers('sessions')}</div></fieldset>
        <fieldset><legend>{t.realm.brute}</legend>
          <CheckField label={t.realm.bruteLabel} name="bruteForceProtected" checked={d.bruteForceProtected} onChange={set('bruteForceProtected')} />
          <div className="grid three">{numbers('brute')}</div>
        </fieldset>
        <fieldset><legend>{t.realm.secondFactor.legend}</legend>
          <CheckField label={t.realm.secondFactor.otpRequired} name="otpRequired" checked={d.otpRequired} onChange={set('otpRequired')}
            hint={t.realm.secondFactor.otpRequiredHint} />
          <CheckField label={t.realm.secondFactor.passwordGrant} name="passwordGrantWithSecondFactor" checked={d.passwordGrantWithSecondFactor}
            onChange={set('passwordGrantWithSecondFactor')} hint={t.realm.secondFactor.passwordGrantHint} />
          <div className="grid three">
            <SelectField label={t.realm.secondFactor.type} name="otpPolicyType" value={d.otpPolicyType} onChange={set('otpPolicyType')}
              options={[['totp', t.realm.secondFactor.totp], ['hotp', t.realm.secondFactor.hotp]]} />
            <SelectField label={t.realm.secondFactor.algorithm} name="otpPolicyAlgorithm" value={d.otpPolicyAlgorithm} onChange={set('otpPolicyAlgorithm')}
              options={[['HmacSHA1', t.realm.secondFactor.sha1], ['HmacSHA256', 'SHA-256'], ['HmacSHA512', 'SHA-512']]} />
            <SelectField label={t.realm.secondFactor.digits} name="otpPolicyDigits" value={d.otpPolicyDigits} onChange={set('otpPolicyDigits')} options={[['6', '6'], ['8', '8']]} />
            {numbers('otp')}
          </div>
          <CheckField label={t.realm.secondFactor.reusable} name="otpPolicyCodeReusable" checked={d.otpPolicyCodeReusable} onChange={set('otpPolicyCodeReusable')}
            hint={t.realm.secondFactor.reusableHint} />
        </fieldset>
        {WEBAUTHN_POLICIES.map(([policy, prefix]) => (
          <fieldset key={prefix}><legend>{t.realm.webauthn[policy]}</legend>
            <p className="hint">{t.realm.webauthn.hints[policy]}</p>
            <div className="grid three">
              {WEBAUTHN_TEXTS.map((f) => (
                <TextField key={f} label={t.realm.webauthn.fields[f]} name={`${prefix}${f}`} value={d[`${prefix}${f}`]} onChange={set(`${prefix}${f}`)}
                  error={save.errors[`${prefix}${f}`]} hint={f === 'RpId' ? t.realm.webauthn.rpIdHint : undefined} />
              ))}
              {(Object.keys(WEBAUTHN_CHOICES) as Array<keyof typeof WEBAUTHN_CHOICES>).map((f) => (
                <SelectField key={f} label={t.realm.webauthn.fields[f]} name={`${prefix}${f}`} value={d[`${prefix}${f}`]} onChange={set(`${prefix}${f}`)}
                  options={WEBAUTHN_CHOICES[f].map((v) => [v, v === 'not specified' ? t.realm.webauthn.notSpecified : v])} />
              ))}
              <TextField label={t.realm.webauthn.fields.CreateTimeout} name={`${prefix}CreateTimeout`} value={d[`${prefix}CreateTimeout`]}
                onChange={set(`${prefix}CreateTimeout`)} error={save.errors[`${prefix}CreateTimeout`]} hint={t.realm.webauthn.timeoutHint} />
              {WEBAUTHN_LISTS.map((f) => (
                <TextField key={f} label={t.realm.webauthn.fields[f]} name={`${prefix}${f}`} value={d[`${prefix}${f}`]} onChange={set(`${prefix}${f}`)}
                  error={save.errors[`${prefix}${f}`]} hint={t.realm.webauthn.listHint} />
              ))}
            </div>
            <CheckField label={t.realm.webauthn.fields.AvoidSameAuthenticatorRegister} name={`${prefix}AvoidSameAuthenticatorRegister`}
              checked={d[`${prefix}AvoidSameAuthenticatorRegister`]} onChange={set(`${prefix}AvoidSameAuthenticatorRegister`)} />
          </fieldset>
        ))}
        <fieldset><legend>{t.realm.events}</legend>
          <p className="hint">{t.realm.eventsHint}</p>
          <CheckField label={t.realm.recordLogin} name="eventsEnabled" checked={d.eventsEnabled} onChange={set('eventsEnabled')} />
          <CheckField label={t.realm.recordAdmin} name="adminEventsEnabled" checked={d.adminEventsEnabled} onChange={set('adminEventsEnabled')} />
          <div className="grid">{numbers('events')}</div>
        </fieldset>
        <fieldset><legend>{t.realm.login.legend}</legend>
          <div className="grid">
            {SWITCHES.map((k) => <CheckField key={k} label={t.realm.login.switches[k]} name={k} checked={d[k]} onChange={set(k)} hint={t.realm.login.hints[k]} />)}
          </div>
        </fieldset>
        <fieldset><legend>{t.realm.passwordPolicy.legend}</legend>
          <TextField label={t.realm.passwordPolicy.label} name="passwordPolicy" value={d.passwordPolicy} onChange={set('passwordPolicy')} error={save.errors.passwordPolicy}
            placeholder="length(12) and digits(1) and notUsername(undefined)" hint={t.realm.passwordPolicy.hint} />
        </fieldset>
        <fieldset><legend>{t.realm.mail.legend}</legend>
          <p className="hint">{t.realm.mail.lead}</p>
          <div className="grid">
            {SMTP_FIELDS.map((k) => <TextField key={k} label={t.realm.mail.fields[k]} name={`smtp.${k}`} value={d[`smtp.${k}`]} onChange={set(`smtp.${k}`)} hint={t.realm.mail.hints[k]} />)}
          </div>
          {SMTP_SWITCHES.map((k) => <CheckField key={k} label={t.realm.mail.switches[k]} name={`smtp.${k}`} checked={d[`smtp.${k}`]} onChange={set(`smtp.${k}`)} />)}
          <div className="grid">{numbers('links')}</div>
          {d['smtp.auth'] ? (
            <div className="grid">
              <TextField label={t.users.username} name="smtp.user" value={d['smtp.user']} onChange={set('smtp.user')} autoComplete="off" />
              <TextField label={t.users.password} name="smtp.password" type="password" value={d['smtp.password']} onChange={set('smtp.password')} autoComplete="new-password"
                hint={d['smtp.password'] === '**********' ? t.realm.mail.storedPassword : undefined} />
            </div>
          ) : null}
          <div className="actions">
            <button type="button" className="secondary" disabled={test.busy}
              onClick={() => void test.run(async () => {
                await api.post(path('realms', realm.realm, 'testSMTPConnection'), smtpOf(d));
                return t.realm.mail.testSent;
              })}>{t.realm.mail.test}</button>
            <Notice kind="error">{test.errors[''] ?? test.errors.host ?? test.errors.from}</Notice>
            <Notice kind="success">{test.saved}</Notice>
          </div>
        </fieldset>
        <fieldset><legend>{t.realm.localization}</legend>
          <div className="grid">
            <SelectField label={t.realm.defaultLocale} name="defaultLocale" value={d.defaultLocale} onChange={set('defaultLocale')}
              options={[['', t.realm.browsersLanguage], ...[...new Set([...LOCALES, ...supported])].map((l): [string, string] => [l, l])]}
              hint={t.realm.defaultLocaleHint} />
            <TextField label={t.realm.supportedLocales} name="supportedLocales" value={d.supportedLocales} onChange={set('supportedLocales')} error={save.errors.supportedLocales}
              placeholder="en de nl fr" hint={t.realm.separateSpaces} />
          </div>
        </fieldset>
        <div className="actions"><button type="submit" disabled={save.busy}>{t.common.save}</button><Notice kind="success">{save.saved}</Notice></div>
      </form>
    </section>
  );
}

export function NewRealmPage({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const save = useSave();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await save.run(async () => {
      await api.create('/realms', { realm: name.trim(), displayName: displayName.trim() || undefined, enabled: true });
    }, { realm: 'realm', '409': 'realm' }, () => (
      !name.trim() ? { realm: t.realm.nameMissing } : !/^[A-Za-z0-9._-]{1,255}$/.test(name.trim()) ? { realm: t.realm.nameChars } : {}));
    if (ok) { onCreated(); go(name.trim(), 'settings'); }
  };
  return (
    <section>
      <h1>{t.realm.create}</h1>
      <p className="lead">{t.realm.createLead(<code>…/realms/&lt;{t.realm.nameWord}&gt;</code>)}</p>
      <form className="form" onSubmit={submit} noValidate aria-label={t.realm.create}>
        <Notice kind="error">{save.errors['']}</Notice>
        <TextField label={t.realm.name} name="realm" required value={name} onChange={setName} error={save.errors.realm} autoComplete="off" />
        <TextField label={t.realm.displayName} name="displayName" value={displayName} onChange={setDisplayName} />
        <div className="actions"><button type="submit" disabled={save.busy}>{t.realm.create}</button></div>
      </form>
      <ImportRealmForm onCreated={onCreated} />
    </section>
  );
}

/** A realm file as Keycloak exports it (realm-export.json, kc.sh export): read here, created by POST /admin/realms. */
function ImportRealmForm({ onCreated }: { onCreated: () => void }) {
  const [file, setFile] = useState<{ name: string; rep?: Record<string, unknown>; problem?: string }>();
  const save = useSave();
  // Said as soon as the file is chosen, and again if it is imported all the same.
  const refuse = (name: string, problem: string) => { setFile({ name, problem }); save.setErrors({ file: problem }); };
  const choose = async (chosen: File | undefined) => {
    save.setErrors({});
    save.setSaved(undefined);
    if (!chosen) { setFile(undefined); return; }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await chosen.text());
    } catch (err) {
      refuse(chosen.name, t.realm.import.notJson(chosen.name, (err as Error).message));
      return;
    }
    const rep = parsed as Record<string, unknown>;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof rep.realm !== 'string' || !rep.realm) {
      refuse(chosen.name, t.realm.import.notRealm(chosen.name));
      return;
    }
    setFile({ name: chosen.name, rep });
  };
  const count = (key: string) => (Array.isArray(file?.rep?.[key]) ? (file!.rep![key] as unknown[]).length : 0);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const realm = file?.rep?.realm as string | undefined;
    const ok = await save.run(async () => {
      try {
        await api.create('/realms', file!.rep);
      } catch (err) {
        // Whole, at the top: the field the server names is somewhere in the file, not on this form.
        throw new Error(t.realm.import.failed(file!.name, messageOf(err)));
      }
    }, {}, () => ({ file: !file ? t.realm.import.choose : file.problem }));
    if (ok && realm) { onCreated(); go(realm, 'clients'); }
  };
  return (
    <form className="form boxed" onSubmit={submit} noValidate aria-label={t.realm.import.title}>
      <h2>{t.realm.import.title}</h2>
      <p className="hint">{t.realm.import.hint}</p>
      <Notice kind="error">{save.errors['']}</Notice>
      <div className="field" data-field="file">
        <label htmlFor="realm-file">{t.realm.import.file}</label>
        <input id="realm-file" name="file" type="file" accept=".json,application/json" aria-invalid={save.errors.file ? true : undefined}
          aria-describedby={save.errors.file ? 'realm-file-error' : undefined} onChange={(e) => void choose(e.target.files?.[0])} />
        {file?.rep ? (
          <p className="hint" id="realm-file-summary">{t.realm.import.summary(<b>{String(file.rep.realm)}</b>, count('clients'), count('users'), count('groups'))}</p>
        ) : null}
        <FieldError id="realm-file-error" error={save.errors.file} />
      </div>
      <div className="actions"><button type="submit" disabled={save.busy}>{t.realm.import.submit}</button></div>
    </form>
  );
}
