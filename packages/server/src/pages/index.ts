// Renders the server's HTML pages from a theme folder:
//   themes/<name>/templates/*.eta   Eta templates (auto-escaping on)
//   themes/<name>/messages/*.json   one message catalogue per locale
//   themes/<name>/resources/        CSS, scripts and images, served statically
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { EMAIL_TEMPLATES } from './types.js';
import type {
  BrokerFragmentPage, EmailContent, RenderedEmail, ConsentPage, DevicePage, ErrorPage, FormPostPage, IframePage, LinkAccountPage, LoggedOutPage, LoginPage, LogoutConfirmPage, PageContext, Pages,
  UpdatePasswordPage, WelcomePage, OtpPage, RecoveryCodePage, ConfigureTotpPage, RecoveryCodesSetupPage, SecurityKeyPage, WebAuthnRegisterPage,
  ActionTokenPage, RegisterPage, ResetCredentialsPage, VerifyEmailPage,
  UpdateProfilePage, TermsPage,
} from './types.js';

export type * from './types.js';
export { resolveLocale, type LocaleInputs } from './locale.js';

const DEFAULT_THEME = 'latchkey';
const FALLBACK_LOCALE = 'en';
const THEME_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const LOCALE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;
const TEMPLATES = [
  'layout', 'login', 'consent', 'error', 'logout-confirm', 'logged-out', 'form-post', 'broker-fragment', 'link-account',
  'update-password', 'account', 'iframe', 'welcome', 'login-code', 'configure-totp', 'recovery-codes-setup',
  'step-alternatives', 'device', 'webauthn-authenticate', 'webauthn-register', 'step-message', 'reset-credentials', 'register', 'verify-email', 'action-token', 'info', 'update-profile', 'terms', 'aia-cancel',
] as const;
/** The two pages that ask a code after the password: one template, these differences. */
const CODE_PAGES = {
  otp: { field: 'otp', formId: 'kc-otp-login-form', pageClass: 'page-login-otp', titleKey: 'otpTitle', introKey: 'otpIntro', labelKey: 'otpLabel', numeric: true },
  recoveryCode: {
    field: 'recoveryCode', formId: 'kc-recovery-code-login-form', pageClass: 'page-login-recovery-code',
    titleKey: 'recoveryCodeTitle', introKey: 'recoveryCodeIntro', labelKey: 'recoveryCodeLabel', numeric: false,
  },
} as const;
// URL schemes that would run code if a form were posted to them.
const SCRIPT_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:']);

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The absolute path of themes/<themeName>, found by walking up from this module:
 * it runs as dist/src/pages/index.js and bundled into dist/latchkey.mjs, so no
 * fixed relative path fits both.
 */
export function themeDir(themeName = DEFAULT_THEME): string {
  if (!THEME_NAME.test(themeName)) throw new Error(`Invalid theme name: ${JSON.stringify(themeName)}`);
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'themes', themeName);
    if (isDirectory(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`Theme ${themeName} not found: no themes/${themeName} folder in ${start} or above`);
  }
}

/** The absolute path of the theme's static resources (CSS, scripts, images). */
export function themeResourcesDir(themeName = DEFAULT_THEME): string {
  return join(themeDir(themeName), 'resources');
}

type Catalogue = ReadonlyMap<string, string>;

function loadCatalogues(dir: string): Map<string, Catalogue> {
  const catalogues = new Map<string, Catalogue>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const locale = file.slice(0, -'.json'.length);
    if (!LOCALE_TAG.test(locale)) throw new Error(`Message catalogue ${file}: the file name is not a locale`);
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`Message catalogue ${file}: expected an object of strings`);
    }
    const messages = new Map<string, string>();
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw new Error(`Message catalogue ${file}: ${key} is not a string`);
      messages.set(key, value);
    }
    catalogues.set(locale, messages);
  }
  if (!catalogues.has(FALLBACK_LOCALE)) throw new Error(`Message catalogues in ${dir}: ${FALLBACK_LOCALE}.json is missing`);
  return catalogues;
}

/** Fills {0}, {1} … with the arguments; a placeholder without an argument stays as it is. */
function format(text: string, args: readonly string[]): string {
  return text.replace(/\{(\d+)\}/g, (placeholder, index: string) => args[Number(index)] ?? placeholder);
}

/** Only logos a browser may load under the pages' CSP (img-src 'self' https: data:) and that cannot run code. */
function safeLogoUri(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    const url = new URL(uri);
    if (url.protocol === 'https:') return url.href;
    if (url.protocol === 'data:' && /^data:image\//i.test(url.href)) return url.href;
  } catch {
    // Not an absolute URL.
  }
  return undefined;
}

export function createPages(themeName = DEFAULT_THEME): Pages {
  const root = themeDir(themeName);
  const views = join(root, 'templates');
  const emailViews = EMAIL_TEMPLATES.flatMap((name) => [`email/html/${name}`, `email/text/${name}`]);
  for (const name of [...TEMPLATES, ...emailViews]) {
    if (!existsSync(join(views, `${name}.eta`))) throw new Error(`Theme ${themeName}: templates/${name}.eta is missing`);
  }
  const eta = new Eta({ views, autoEscape: true, cache: true });
  const catalogues = loadCatalogues(join(root, 'messages'));
  const fallback = catalogues.get(FALLBACK_LOCALE)!;
  const locales = Object.freeze([FALLBACK_LOCALE, ...[...catalogues.keys()].filter((l) => l !== FALLBACK_LOCALE)]);
  const byLowerCase = new Map([...catalogues.keys()].map((l) => [l.toLowerCase(), l]));

  /** The catalogue locale for a tag: itself, else its primary language, else undefined. */
  function catalogueLocale(locale: string): string | undefined {
    const lower = locale.toLowerCase();
    return byLowerCase.get(lower) ?? byLowerCase.get(lower.split('-')[0]);
  }

  function message(locale: string, key: string, ...args: string[]): string {
    const own = catalogueLocale(locale);
    const text = (own === undefined ? undefined : catalogues.get(own)!.get(key)) ?? fallback.get(key) ?? key;
    return format(text, args);
  }

  /**
   * A name as Keycloak stores its own (`${client_admin-cli}`): each `${key}` becomes the
   * catalogue's message, as Keycloak's themes resolve them; a key no catalogue has stays as written.
   */
  function localised(locale: string, text: string): string {
    return text.replace(/\$\{([^{}]+)\}/g, (written, key: string) => (fallback.has(key) ? message(locale, key) : written));
  }

  /** What every template sees as `it`, besides the page's own data in it.page. */
  function model(ctx: PageContext, page: object = {}) {
    // A locale without a catalogue is rendered, and labelled, in the fallback language.
    const lang = LOCALE_TAG.test(ctx.locale) && catalogueLocale(ctx.locale) !== undefined ? ctx.locale : FALLBACK_LOCALE;
    const client = ctx.client && {
      name: localised(lang, ctx.client.title?.trim() || ctx.client.clientId),
      logoUri: safeLogoUri(ctx.client.logoUri),
    };
    return {
      lang,
      t: (key: string, ...args: string[]) => message(lang, key, ...args),
      localised: (text: string) => localised(lang, text),
      res: ctx.resourcesPath.replace(/\/+$/, ''),
      realmName: localised(lang, ctx.realm.displayName?.trim() || ctx.realm.name),
      client,
      page,
    };
  }

  const render = (template: (typeof TEMPLATES)[number], ctx: PageContext, page?: object) =>
    eta.render(`./${template}`, model(ctx, page));

  /** A link's lifespan in words: whole days, else whole hours, else minutes (rounded up), as Keycloak's mails say it. */
  function lifespan(locale: string, seconds: number): string {
    const [unit, size] = seconds % 86400 === 0 ? ['Day', 86400] : seconds % 3600 === 0 ? ['Hour', 3600] : ['Minute', 60];
    const amount = Math.max(1, Math.ceil(seconds / (size as number)));
    return message(locale, `expiry${unit}${amount === 1 ? '' : 's'}`, String(amount));
  }

  function email(ctx: PageContext, mail: EmailContent): RenderedEmail {
    const it = model(ctx, {
      ...mail,
      expires: mail.linkLifespan === undefined ? undefined : lifespan(ctx.locale, mail.linkLifespan),
    });
    // Keycloak's message keys: password-reset's are passwordResetSubject, passwordResetBody, …
    const keys = mail.template.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    return {
      subject: it.t(`${keys}Subject`, it.realmName),
      html: eta.render(`./email/html/${mail.template}`, it),
      text: eta.render(`./email/text/${mail.template}`, it),
    };
  }

  return {
    email,
    login: (ctx: PageContext, page: LoginPage) => render('login', ctx, page),
    consent: (ctx: PageContext, page: ConsentPage) => render('consent', ctx, page),
    error: (ctx: PageContext, page: ErrorPage) => render('error', ctx, page),
    logoutConfirm: (ctx: PageContext, page: LogoutConfirmPage) => render('logout-confirm', ctx, page),
    loggedOut: (ctx: PageContext, page: LoggedOutPage = {}) => render('logged-out', ctx, page),
    formPost(ctx: PageContext, page: FormPostPage) {
      // The endpoint only passes registered redirect URIs; this guards against a mistake there.
      let scheme: string | undefined;
      try {
        scheme = new URL(page.action).protocol;
      } catch {
        scheme = undefined;
      }
      if (scheme !== undefined && SCRIPT_SCHEMES.has(scheme)) throw new Error(`Refusing to post a form to a ${scheme} URL`);
      return render('form-post', ctx, page);
    },
    brokerFragment: (ctx: PageContext, page: BrokerFragmentPage) => render('broker-fragment', ctx, page),
    device: (ctx: PageContext, page: DevicePage) => render('device', ctx, page),
    linkAccount: (ctx: PageContext, page: LinkAccountPage) => render('link-account', ctx, page),
    updatePassword: (ctx: PageContext, page: UpdatePasswordPage) => render('update-password', ctx, page),
    otp: (ctx: PageContext, page: OtpPage) => render('login-code', ctx, { ...page, code: CODE_PAGES.otp }),
    recoveryCode: (ctx: PageContext, page: RecoveryCodePage) => render('login-code', ctx, { ...page, code: CODE_PAGES.recoveryCode }),
    configureTotp: (ctx: PageContext, page: ConfigureTotpPage) => render('configure-totp', ctx, page),
    recoveryCodesSetup: (ctx: PageContext, page: RecoveryCodesSetupPage) => render('recovery-codes-setup', ctx, page),
    securityKey: (ctx: PageContext, page: SecurityKeyPage) => render('webauthn-authenticate', ctx, page),
    webauthnRegister: (ctx: PageContext, page: WebAuthnRegisterPage) => render('webauthn-register', ctx, page),
    resetCredentials: (ctx: PageContext, page: ResetCredentialsPage) => render('reset-credentials', ctx, page),
    register: (ctx: PageContext, page: RegisterPage) => render('register', ctx, page),
    verifyEmail: (ctx: PageContext, page: VerifyEmailPage) => render('verify-email', ctx, page),
    actionToken: (ctx: PageContext, page: ActionTokenPage) => render('action-token', ctx, page),
    info: (ctx: PageContext, page: ErrorPage) => render('info', ctx, page),
    updateProfile: (ctx: PageContext, page: UpdateProfilePage) => render('update-profile', ctx, page),
    terms: (ctx: PageContext, page: TermsPage) => render('terms', ctx, page),
    iframe: (ctx: PageContext, page: IframePage) => render('iframe', ctx, page),
    welcome: (ctx: PageContext, page: WelcomePage) => render('welcome', ctx, page),
    message,
    locales,
  };
}
