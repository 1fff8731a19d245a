import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command, Option } from 'commander';
import { applyConfigFile } from '../../src/config-file.js';
import { CLI, demoRealm, freePort } from '../helpers/server.js';
import { get, spawnLatchkey } from './helpers.js';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, ...env } });

describe('configuration', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-config-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('start --help lists the new options, their environment variables, the config file and the precedence', () => {
    const out = cli(['start', '--help']);
    assert.equal(out.status, 0, out.stderr);
    for (const name of [
      '--config', 'LATCHKEY_CONFIG', '--https-cert', 'LATCHKEY_HTTPS_CERT', '--https-key', 'LATCHKEY_HTTPS_KEY',
      '--proxy-headers', 'LATCHKEY_PROXY_HEADERS', '--shutdown-delay', 'LATCHKEY_SHUTDOWN_DELAY',
      '--shutdown-timeout', 'LATCHKEY_SHUTDOWN_TIMEOUT', '/metrics',
    ]) assert.ok(out.stdout.includes(name), `start --help mentions ${name}:\n${out.stdout}`);
    assert.match(out.stdout.replace(/\s+/g, ' '), /a flag beats its environment variable, which beats the config file, which beats the default/);
  });

  it('flag > environment > config file > default, with paths in the file taken from its directory', async () => {
    const dir = tempDir();
    const filePort = await freePort();
    mkdirSync(join(dir, 'realms'));
    writeFileSync(join(dir, 'realms', 'demo.json'), JSON.stringify(demoRealm()));
    const configFile = join(dir, 'latchkey.json');
    writeFileSync(configFile, JSON.stringify({
      port: filePort, // only here: the file's value is used
      host: '127.0.0.1',
      dataDir: 'state', // relative: <dir>/state
      importRealm: ['realms/demo.json'],
      publicUrl: 'https://file.example', // also in the environment and a flag: the flag wins
      httpRelativePath: '/from-file', // also in the environment: the environment wins
      dbPoolSize: 4,
      shutdownTimeout: 5000,
    }));
    const server = await spawnLatchkey({
      args: ['start', '--public-url', 'https://flag.example'],
      env: { LATCHKEY_CONFIG: configFile, LATCHKEY_PUBLIC_URL: 'https://env.example', LATCHKEY_HTTP_RELATIVE_PATH: '/from-env' },
      // Elsewhere, so that relative paths cannot be resolved against the working directory by accident.
      cwd: tmpdir(),
      readyUrl: `http://127.0.0.1:${filePort}/from-env/health/ready`,
    });
    try {
      const discovery = await get(`http://127.0.0.1:${filePort}/from-env/realms/demo/.well-known/openid-configuration`);
      assert.equal(discovery.status, 200, `the realm file named in the config file was imported: ${discovery.text}`);
      assert.equal(discovery.json.issuer, 'https://flag.example/from-env/realms/demo');
      assert.ok(existsSync(join(dir, 'state', 'latchkey.db')), 'dataDir is relative to the config file');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('a bad config file is refused with a message naming the problem and exit code 1', () => {
    const dir = tempDir();
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: Array<[string, RegExp]> = [
      [write('unknown.json', '{"prot": 8080}'), /unknown key "prot" in the config file .*known keys: .*port/],
      [write('broken.json', '{"port": '), /is not JSON/],
      [write('array.json', '[1]'), /must hold one JSON object/],
      [write('level.json', '{"logLevel": "loud"}'), /"logLevel" in the config file .* must be one of fatal, error, warn, info, debug, trace/],
      [write('port.json', '{"port": "eighty"}'), /--port must be a port number/],
      [write('object.json', '{"publicUrl": {"a": 1}}'), /"publicUrl" in the config file .* must be a string, number or boolean/],
      [write('switch.json', '{"proxyHeaders": "maybe"}'), /"proxyHeaders" in the config file .*: expected true or false/],
      [join(dir, 'missing.json'), /cannot read the config file/],
    ];
    for (const [file, message] of cases) {
      const out = cli(['start', '--config', file, '--data-dir', join(dir, 'data')]);
      assert.equal(out.status, 1, `${file}: ${out.stdout}${out.stderr}`);
      assert.match(out.stderr, message, file);
    }
  });

  describe('applyConfigFile', () => {
    const command = () => new Command('start').exitOverride()
      .addOption(new Option('--config <file>'))
      .addOption(new Option('--port <port>').env('T_PORT').default('8080'))
      .addOption(new Option('--data-dir <dir>').default('./data'))
      .addOption(new Option('--import-realm <file>').argParser((v: string, p: string[] = []) => [...p, v]).default([]))
      .addOption(new Option('--proxy-headers [bool]').env('T_PROXY').preset(true).default(false)
        .argParser((v: string) => v === 'true'))
      .addOption(new Option('--public-url <url>'))
      .action(() => {});
    const withFile = (values: object, args: string[], env: Record<string, string> = {}) => {
      const dir = tempDir();
      const file = join(dir, 'c.json');
      writeFileSync(file, JSON.stringify(values));
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const cmd = command();
        cmd.parse(args, { from: 'user' });
        applyConfigFile(cmd, file);
        return { dir, opts: cmd.opts(), source: (k: string) => cmd.getOptionValueSource(k) };
      } finally {
        for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
      }
    };

    it('fills what neither a flag nor the environment set, converting numbers and booleans', () => {
      const { dir, opts, source } = withFile({ port: 9000, proxyHeaders: true, publicUrl: 'https://x.example', importRealm: 'one.json' }, []);
      assert.equal(opts.port, '9000');
      assert.equal(opts.proxyHeaders, true);
      assert.equal(opts.publicUrl, 'https://x.example');
      assert.deepEqual(opts.importRealm, [join(dir, 'one.json')]);
      assert.equal(opts.dataDir, './data', 'a key the file lacks keeps its default');
      assert.equal(source('port'), 'config');
    });

    it('leaves flags and environment variables alone', () => {
      const { opts } = withFile({ port: 9000, proxyHeaders: true }, ['--port', '7000'], { T_PROXY: 'false' });
      assert.equal(opts.port, '7000');
      assert.equal(opts.proxyHeaders, false);
      const env = withFile({ port: 9000 }, [], { T_PORT: '7100' });
      assert.equal(env.opts.port, '7100');
    });

    it('takes a list for a repeatable option, and refuses other shapes', () => {
      const { dir, opts } = withFile({ importRealm: ['a.json', '/abs/b.json'] }, []);
      assert.deepEqual(opts.importRealm, [join(dir, 'a.json'), '/abs/b.json']);
      assert.throws(() => withFile({ importRealm: [1] }, []), /"importRealm" .* must be a string or a list of strings/);
      assert.throws(() => withFile({ config: 'other.json' }, []), /unknown key "config"/);
    });
  });
});
