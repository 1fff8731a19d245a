// A realm's mail server as Keycloak keeps it (its smtpServer map of strings) and as nodemailer
// takes it. The password is sealed at rest and shown to administrators as Keycloak shows it.

import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { RealmSettings } from '../storage/store.js';
import { MASKED_SECRET } from '../import/identity-providers.js';

/** Keycloak's: 10 seconds to connect and for each answer, so a dead mail server fails a try quickly. */
const TIMEOUT_MS = 10_000;

/**
 * Seals a password given in the realm's smtpServer (a realm file's or the admin API's) into
 * smtpPassword, so that no plaintext is stored: the mask keeps the stored one, no password
 * drops it, as Keycloak's admin API does. `before` is the realm's settings as stored.
 */
export async function sealSmtpPassword(box: SecretBox, settings: RealmSettings, before?: RealmSettings): Promise<RealmSettings> {
  // Unchanged (a realm saved for another reason): its server is as stored, without a password.
  if (JSON.stringify(settings.smtpServer) === JSON.stringify(before?.smtpServer)) return settings;
  const { smtpServer, smtpPassword: _stale, ...rest } = settings;
  if (!smtpServer) return rest;
  const { password, ...server } = smtpServer;
  const smtpPassword = password === MASKED_SECRET ? before?.smtpPassword : password ? await box.seal(password) : undefined;
  return { ...rest, smtpServer: server, ...(smtpPassword ? { smtpPassword } : {}) };
}

/** The realm's smtpServer as Keycloak's representation has it: the password masked, or (a realm export) in clear. */
export function smtpServerRep(settings: RealmSettings, password: string = MASKED_SECRET): Record<string, string> | undefined {
  if (!settings.smtpServer) return undefined;
  return { ...settings.smtpServer, ...(settings.smtpPassword ? { password } : {}) };
}

const on = (v: string | undefined) => v === 'true';

/** Whether the realm can send mail at all: Keycloak needs a host and a from address. */
export const canSend = (server: Record<string, string> | undefined): server is Record<string, string> =>
  Boolean(server?.host && server.from);

/** nodemailer's options for the server; `password` opened from smtpPassword (or given with a connection test). */
export function transportOptions(server: Record<string, string>, password: string | undefined): SMTPTransport.Options {
  const ssl = on(server.ssl);
  const starttls = on(server.starttls);
  return {
    host: server.host,
    port: server.port ? Number(server.port) : ssl ? 465 : 25,
    secure: ssl,
    // Keycloak's starttls: upgrade, and fail when the server cannot; off, it does not try.
    requireTLS: starttls,
    ignoreTLS: !ssl && !starttls,
    auth: on(server.auth) ? { user: server.user, pass: password } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  };
}

/** The From, Reply-To and envelope of a message sent through the server. */
export function senderFields(server: Record<string, string>, to: string) {
  const address = (email: string, name: string | undefined) => (name ? { name, address: email } : email);
  return {
    from: address(server.from, server.fromDisplayName),
    replyTo: server.replyTo ? address(server.replyTo, server.replyToDisplayName) : undefined,
    envelope: server.envelopeFrom ? { from: server.envelopeFrom, to } : undefined,
  };
}
