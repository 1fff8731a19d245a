// Lifecycle of the two server processes. Their output goes to files rather than pipes:
// an unread pipe would eventually block a chatty server, and reading it would cost the
// load generator CPU while it measures.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { request } from './http.js';

export interface Server {
  name: string;
  process: ChildProcess;
  logPath: string;
}

const running = new Set<ChildProcess>();

// Last resort for every exit path, including process.exit from a signal handler;
// must stay synchronous.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function track(name: string, child: ChildProcess, logPath: string): Server {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { name, process: child, logPath };
}

/** Runs `node ...args`, or with `command`, that command itself (an executable bin, with the flags of its shebang). */
export function spawnServer(name: string, args: string[], logPath: string, command = process.execPath): Server {
  const fd = openSync(logPath, 'a');
  try {
    return track(name, spawn(command, args, { stdio: ['ignore', fd, fd] }), logPath);
  } finally {
    closeSync(fd);
  }
}

export function forkServer(name: string, modulePath: string, logPath: string): Server {
  const fd = openSync(logPath, 'a');
  try {
    return track(name, fork(modulePath, [], { stdio: ['ignore', fd, fd, 'ipc'] }), logPath);
  } finally {
    closeSync(fd);
  }
}

export function logTail(server: Server, bytes = 2000): string {
  const log = readFileSync(server.logPath, 'utf8');
  return log.length > bytes ? `...${log.slice(-bytes)}` : log;
}

function exitError(server: Server, code: number | null, signal: NodeJS.Signals | null): Error {
  return new Error(`${server.name} exited early (code ${code}, signal ${signal}); log tail:\n${logTail(server)}`);
}

export function waitForPortMessage(server: Server, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${server.name} did not report a port within ${timeoutMs} ms; log tail:\n${logTail(server)}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(exitError(server, code, signal));
    };
    server.process.once('exit', onExit);
    server.process.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      server.process.off('exit', onExit);
      resolve(message.port);
    });
  });
}

/** Resolves once `url` answers 200; rejects if the process dies or `timeoutMs` passes. */
export async function pollUntilOk(server: Server, url: string, intervalMs: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no attempt';
  while (performance.now() < deadline) {
    const { exitCode, signalCode } = server.process;
    if (exitCode !== null || signalCode !== null) throw exitError(server, exitCode, signalCode);
    try {
      const res = await request(url, { timeoutMs: 1000 });
      if (res.status === 200) return;
      last = `HTTP ${res.status} ${res.body.slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`GET ${url} did not answer 200 within ${timeoutMs} ms (last: ${last}); log tail:\n${logTail(server)}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Current and peak resident set size in MiB, from /proc (Linux only). */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) / 1024;
  };
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

export async function stop(server: Server, graceMs = 3000): Promise<void> {
  const child = server.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
