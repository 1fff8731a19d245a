import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, CLI, PATIENCE_MS } from '../helpers/server.js';

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM (unless it has exited), then the exit code. */
  stop(): Promise<number | null>;
}

export interface SpawnOptions {
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Polled until it answers 200. */
  readyUrl: string;
  /** For an https readyUrl: the certificate to trust. */
  ca?: Buffer;
}

/** Starts `latchkey` as it is shipped, with exactly the given arguments, and waits until it is ready. */
export async function spawnLatchkey(opts: SpawnOptions): Promise<Proc> {
  const child = spawn(process.execPath, [CLI, ...opts.args], {
    cwd: opts.cwd,
    env: { ...process.env, LATCHKEY_ADMIN_PASSWORD: ADMIN_PASSWORD, LATCHKEY_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  child.stdout!.on('data', (d) => { stdout += d; output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const proc: Proc = {
    child,
    stdout: () => stdout,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`latchkey exited with ${child.exitCode}:\n${output}`);
    const ok = await get(opts.readyUrl, { ca: opts.ca }).then((r) => r.status === 200, () => false);
    if (ok) return proc;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`latchkey not ready in ${PATIENCE_MS / 1000} s at ${opts.readyUrl}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/**
 * A request over http or https (trusting `ca`), with any headers, including Host.
 * fetch cannot set Host, nor trust one certificate without undici's Agent.
 */
export async function get(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; ca?: Buffer } = {}): Promise<Answer> {
  const u = new URL(url);
  if (u.protocol === 'http:') {
    const res = await fetch(url, { method: opts.method, headers: opts.headers, body: opts.body });
    const text = await res.text();
    return { status: res.status, headers: Object.fromEntries(res.headers), text, json: parseJson(text) };
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(u, { method: opts.method ?? 'GET', headers: opts.headers, ca: opts.ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function parseJson(text: string): any {
  try { return JSON.parse(text); } catch { return undefined; }
}

/** A self-signed certificate for localhost and 127.0.0.1, valid for a day. */
export function selfSignedCertificate(): { dir: string; certFile: string; keyFile: string; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const out = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`openssl failed: ${out.stderr}`);
  return { dir, certFile, keyFile, cert: readFileSync(certFile) };
}

/** The claims of a JWT, unverified. */
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

/** Parses Prometheus' text format into "name{labels}" → value. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    samples.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return samples;
}
