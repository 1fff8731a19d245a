import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { AccountError, api, segment } from './api';
import { accountBase, oidc, RETURN_TO } from './auth';
import { at, t } from './i18n';

/** Loads data, again on reload(). */
function useLoad<T>(load: () => Promise<T>) {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((data) => { if (live) setState({ data }); }, (err) => { if (live) setState({ error: String(err instanceof Error ? err.message : err) }); });
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [generation]);
  return { ...state, reload: useCallback(() => setGeneration((g) => g + 1), []) };
}

function Loaded<T>({ state, children }: { state: { data?: T; error?: string }; children: (data: T) => ReactNode }) {
  if (state.error) return <p className="notice notice-error" role="alert">{state.error}</p>;
  if (state.data === undefined) return <p className="muted">{t.loading}</p>;
  return <>{children(state.data)}</>;
}

/** A client's name; Keycloak's built-in clients are named by a message key (`${client_account-console}`), which this console shows as their clientId. */
const clientLabel = (c: { clientId: string; clientName: string }) => (c.clientName.startsWith('${') ? c.clientId : c.clientName);

/** A button that asks first (window.confirm: a dialog every browser and screen reader knows). */
function ConfirmButton({ id, label, question, onConfirm, className = 'danger' }: {
  id: string; label: string; question: string; onConfirm: () => Promise<void>; className?: string;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <button type="button" id={id} className={className} disabled={busy} onClick={async () => {
      if (!window.confirm(question)) return;
      setBusy(true);
      try { await onConfirm(); } finally { setBusy(false); }
    }}>{label}</button>
  );
}

// ---- Personal info ---------------------------------------------------------------------

interface Profile {
  username: string; email?: string; firstName?: string; lastName?: string; emailVerified: boolean;
  userProfileMetadata: { attributes: Array<{ name: string; required: boolean; readOnly: boolean }> };
}
const PROFILE_FIELDS = ['username', 'email', 'firstName', 'lastName'] as const;
type Field = (typeof PROFILE_FIELDS)[number];

export function PersonalInfoPage() {
  const state = useLoad(() => api.get<Profile>(''));
  return <Loaded state={state}>{(profile) => <ProfileForm profile={profile} onSaved={state.reload} />}</Loaded>;
}

function ProfileForm({ profile, onSaved }: { profile: Profile; onSaved: () => void }) {
  const initial = () => Object.fromEntries(PROFILE_FIELDS.map((f) => [f, profile[f] ?? ''])) as Record<Field, string>;
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string }>();
  const meta = new Map(profile.userProfileMetadata.attributes.map((a) => [a.name, a]));

  async function save(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setNotice(undefined);
    try {
      await api.post('', values);
      const emailChanged = values.email.trim().toLowerCase() !== (profile.email ?? '').toLowerCase();
      setNotice({ kind: 'success', text: emailChanged ? `${t.personalInfo.saved} ${t.personalInfo.verifySent}` : t.personalInfo.saved });
      onSaved();
    } catch (err) {
      if (err instanceof AccountError && Object.keys(err.fields).length > 0) {
        setErrors(Object.fromEntries(Object.entries(err.fields).map(([f, key]) => [f, t.errors[key] ?? key])));
      } else setNotice({ kind: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  }

  return (
    <form className="account-form" id="personal-info-form" onSubmit={save} noValidate>
      <p className="lead">{t.personalInfo.intro}</p>
      {notice && <p className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} id="personal-info-notice">{notice.text}</p>}
      {PROFILE_FIELDS.filter((f) => meta.has(f)).map((f) => {
        const a = meta.get(f)!;
        return (
          <div className="field" key={f}>
            <label htmlFor={`profile-${f}`}>{t.personalInfo[f]}{a.required && !a.readOnly ? <span className="required" aria-hidden="true"> *</span> : null}</label>
            <input id={`profile-${f}`} name={f} type={f === 'email' ? 'email' : 'text'} value={values[f]} readOnly={a.readOnly}
              autoComplete={{ username: 'username', email: 'email', firstName: 'given-name', lastName: 'family-name' }[f]}
              aria-invalid={errors[f] ? true : undefined} aria-describedby={errors[f] ? `profile-${f}-error` : undefined}
              onChange={(e) => setValues({ ...values, [f]: e.target.value })} />
            {errors[f] && <span className="field-error" id={`profile-${f}-error`}>{errors[f]}</span>}
            {f === 'email' && profile.email && !profile.emailVerified && <span className="hint" id="profile-email-unverified">{t.personalInfo.unverified}</span>}
          </div>
        );
      })}
      <div className="actions">
        <button type="submit" className="primary" id="personal-info-save">{t.personalInfo.save}</button>
        <button type="button" className="secondary" id="personal-info-cancel" onClick={() => { setValues(initial()); setErrors({}); }}>{t.personalInfo.cancel}</button>
      </div>
    </form>
  );
}

// ---- Signing in --------------------------------------------------------------------------

interface CredentialContainer {
  type: string;
  userCredentialMetadatas: Array<{ credential: { id?: string; type: string; userLabel?: string; createdDate?: number } }>;
}

type Metadata = CredentialContainer['userCredentialMetadatas'];

/** One kind of credential: the user's own, each removable, and a button that sets up another through the sign-in (kc_action). */
function CredentialKind({ id, title, help, none, own, setUp, action, reload }: {
  id: string; title: string; help: string; none: string; own: Metadata; setUp: string; action: string; reload: () => void;
}) {
  return (
    <>
      <h3>{title}</h3>
      <p className="muted">{help}</p>
      {own.length === 0 && <p id={`${id}-none`}>{none}</p>}
      <ul className="account-list" id={`${id}-list`}>
        {own.map(({ credential: c }) => (
          <li className="account-row" key={c.id}>
            <div className="grow">
              <strong>{c.userLabel || t.signingIn.unnamed}</strong>
              {c.createdDate && <div className="muted">{t.signingIn.created(at(c.createdDate))}</div>}
            </div>
            <ConfirmButton id={`remove-${c.id}`} label={t.signingIn.remove} question={t.signingIn.confirmRemove(c.userLabel || t.signingIn.unnamed)}
              onConfirm={async () => { await api.delete(`/credentials/${segment(c.id!)}`); reload(); }} />
          </li>
        ))}
      </ul>
      <button type="button" className="secondary" id={`${id}-set-up`} onClick={() => void oidc.redirectToSignIn({ kc_action: action })}>
        {setUp}
      </button>
    </>
  );
}

export function SigningInPage({ actionStatus }: { actionStatus?: string }) {
  const state = useLoad(() => api.get<CredentialContainer[]>('/credentials'));
  const of = (list: CredentialContainer[], type: string) => list.find((c) => c.type === type)?.userCredentialMetadatas ?? [];
  return (
    <>
      <p className="lead">{t.signingIn.intro}</p>
      {actionStatus && (
        <p className={`notice ${actionStatus === 'success' ? 'notice-success' : ''}`} role="status" id="signing-in-action-status">
          {actionStatus === 'success' ? t.signingIn.actionDone : t.signingIn.actionCancelled}
        </p>
      )}
      <Loaded state={state}>{(list) => {
        const password = of(list, 'password')[0];
        const codes = of(list, 'recovery-authn-codes');
        return (
          <>
            <section className="account-card" aria-labelledby="signing-in-basic">
              <h2 id="signing-in-basic">{t.signingIn.basic}</h2>
              <div className="account-row" id="credential-password">
                <div className="grow">
                  <strong>{t.signingIn.password}</strong>
                  <div className="muted">{password?.credential.createdDate ? t.signingIn.passwordSet(at(password.credential.createdDate)) : t.signingIn.passwordNone}</div>
                </div>
                <button type="button" className="secondary" id="password-update" onClick={() => void oidc.redirectToSignIn({ kc_action: 'UPDATE_PASSWORD' })}>
                  {t.signingIn.updatePassword}
                </button>
              </div>
            </section>
            <section className="account-card" aria-labelledby="signing-in-2fa">
              <h2 id="signing-in-2fa">{t.signingIn.twoFactor}</h2>
              <CredentialKind id="otp" title={t.signingIn.otp} help={t.signingIn.otpHelp} none={t.signingIn.notSetUp(t.signingIn.otp)}
                own={of(list, 'otp')} setUp={t.signingIn.setUp} action="CONFIGURE_TOTP" reload={state.reload} />
              <CredentialKind id="webauthn" title={t.signingIn.securityKeys} help={t.signingIn.securityKeysHelp} none={t.signingIn.noSecurityKeys}
                own={of(list, 'webauthn')} setUp={t.signingIn.setUpSecurityKey} action="webauthn-register" reload={state.reload} />
              {codes.length > 0 && (
                <>
                  <h3>{t.signingIn.recoveryCodes}</h3>
                  <p className="muted">{t.signingIn.recoveryCodesHelp}</p>
                  <ul className="account-list" id="recovery-codes-list">
                    {codes.map(({ credential: c }) => (
                      <li className="account-row" key={c.id}>
                        <div className="grow">{c.createdDate ? t.signingIn.created(at(c.createdDate)) : t.signingIn.recoveryCodes}</div>
                        <ConfirmButton id={`remove-${c.id}`} label={t.signingIn.remove} question={t.signingIn.confirmRemove(t.signingIn.recoveryCodes)}
                          onConfirm={async () => { await api.delete(`/credentials/${segment(c.id!)}`); state.reload(); }} />
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </section>
            <section className="account-card" aria-labelledby="signing-in-passwordless">
              <h2 id="signing-in-passwordless">{t.signingIn.passwordless}</h2>
              <CredentialKind id="webauthn-passwordless" title={t.signingIn.passkeys} help={t.signingIn.passkeysHelp} none={t.signingIn.noPasskeys}
                own={of(list, 'webauthn-passwordless')} setUp={t.signingIn.setUpPasskey} action="webauthn-register-passwordless" reload={state.reload} />
            </section>
          </>
        );
      }}</Loaded>
    </>
  );
}

// ---- Device activity -----------------------------------------------------------------------

interface SessionRep {
  id: string; started: number; lastAccess: number; expires: number; current: boolean; rememberMe?: boolean;
  clients: Array<{ clientId: string; clientName: string }>;
}
interface DeviceRep { id: string; current: boolean; sessions: SessionRep[] }

export function DevicesPage() {
  const state = useLoad(() => api.get<DeviceRep[]>('/sessions/devices'));
  return (
    <>
      <p className="lead">{t.devices.intro}</p>
      <Loaded state={state}>{(devices) => {
        const sessions = devices.flatMap((d) => d.sessions).sort((a, b) => Number(b.current) - Number(a.current) || b.lastAccess - a.lastAccess);
        return (
          <>
            <ul className="account-list" id="sessions-list">
              {sessions.map((s) => (
                <li className="account-card account-row" key={s.id} data-session={s.id}>
                  <div className="grow">
                    {s.current && <span className="badge" id="session-current">{t.devices.current}</span>}
                    {s.rememberMe && <span className="badge">{t.devices.remembered}</span>}
                    <dl className="account-facts">
                      <dt>{t.devices.started}</dt><dd>{at(s.started * 1000)}</dd>
                      <dt>{t.devices.lastAccess}</dt><dd>{at(s.lastAccess * 1000)}</dd>
                      <dt>{t.devices.expires}</dt><dd>{at(s.expires * 1000)}</dd>
                      <dt>{t.devices.clients}</dt><dd>{s.clients.map(clientLabel).join(', ') || '—'}</dd>
                    </dl>
                  </div>
                  {!s.current && (
                    <ConfirmButton id={`sign-out-${s.id}`} className="secondary" label={t.devices.signOut} question={t.devices.signOut + '?'}
                      onConfirm={async () => { await api.delete(`/sessions/${segment(s.id)}`); state.reload(); }} />
                  )}
                </li>
              ))}
            </ul>
            {sessions.some((s) => !s.current)
              ? <ConfirmButton id="sign-out-all" label={t.devices.signOutAll} question={t.devices.confirmAll}
                  onConfirm={async () => { await api.delete('/sessions'); state.reload(); }} />
              : <p className="muted" id="sessions-none">{t.devices.none}</p>}
          </>
        );
      }}</Loaded>
    </>
  );
}

// ---- Linked accounts -------------------------------------------------------------------------

interface LinkedAccount { providerAlias: string; displayName: string; connected: boolean; linkedUsername?: string }

/**
 * Keycloak's client-initiated account linking: the account API's link URL for the provider,
 * coming back here (to this page, once signed in again) when the provider has answered.
 */
async function startLink(alias: string) {
  const query = new URLSearchParams({ providerId: alias, redirectUri: accountBase.href });
  const { accountLinkUri } = await api.get<{ accountLinkUri: string }>(`/linked-accounts/${segment(alias)}?${query}`);
  sessionStorage.setItem(RETURN_TO, '#/linked-accounts');
  window.location.assign(accountLinkUri);
}

export function LinkedAccountsPage() {
  const state = useLoad(() => api.get<LinkedAccount[]>('/linked-accounts'));
  return (
    <>
      <p className="lead">{t.linked.intro}</p>
      <Loaded state={state}>{(accounts) => accounts.length === 0 ? <p className="muted">{t.linked.none}</p> : (
        <ul className="account-list" id="linked-list">
          {accounts.map((a) => (
            <li className="account-card account-row" key={a.providerAlias} id={`linked-${a.providerAlias}`}>
              <div className="grow">
                <strong>{a.displayName}</strong>
                <div className="muted">{a.connected ? (a.linkedUsername ? t.linked.linkedAs(a.linkedUsername) : t.linked.linked) : t.linked.notLinked}</div>
              </div>
              {a.connected ? (
                <ConfirmButton id={`unlink-${a.providerAlias}`} label={t.linked.unlink} question={t.linked.confirmUnlink(a.displayName)}
                  onConfirm={async () => { await api.delete(`/linked-accounts/${segment(a.providerAlias)}`); state.reload(); }} />
              ) : (
                <button type="button" className="secondary" id={`link-${a.providerAlias}`} onClick={() => void startLink(a.providerAlias)}>{t.linked.link}</button>
              )}
            </li>
          ))}
        </ul>
      )}</Loaded>
    </>
  );
}

// ---- Applications ------------------------------------------------------------------------------

interface Application {
  clientId: string; clientName: string; inUse: boolean; offlineAccess: boolean;
  consent?: { grantedScopes: Array<{ name: string; displayText: string }>; createdDate: number };
}

export function ApplicationsPage() {
  const state = useLoad(() => api.get<Application[]>('/applications'));
  return (
    <>
      <p className="lead">{t.applications.intro}</p>
      <Loaded state={state}>{(apps) => apps.length === 0 ? <p className="muted">{t.applications.none}</p> : (
        <ul className="account-list" id="applications-list">
          {apps.map((a) => (
            <li className="account-card account-row" key={a.clientId} id={`application-${a.clientId}`}>
              <div className="grow">
                <strong>{clientLabel(a)}</strong>
                <div>
                  {a.inUse && <span className="badge">{t.applications.inUse}</span>}
                  {a.offlineAccess && <span className="badge">{t.applications.offline}</span>}
                </div>
                {a.consent && (
                  <div className="muted">
                    {t.applications.granted}: {a.consent.grantedScopes.map((s) => s.displayText).join(', ')} · {t.applications.consentOn(at(a.consent.createdDate))}
                  </div>
                )}
              </div>
              {a.consent && (
                <ConfirmButton id={`revoke-${a.clientId}`} label={t.applications.revoke} question={t.applications.confirmRevoke(clientLabel(a))}
                  onConfirm={async () => { await api.delete(`/applications/${segment(a.clientId)}/consent`); state.reload(); }} />
              )}
            </li>
          ))}
        </ul>
      )}</Loaded>
    </>
  );
}
