import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { applyEdits, filterFields, merge, parseEdits, parseFields, type Edit, type Json } from './admin-edit.js';
import { AdminError, configPath, CONFIG_ENV, failure, login, serverUrl, Session, writeConfig, type Reply } from './admin-session.js';
import { bootstrapCommandOf } from './bootstrap.js';
import { askHidden } from './prompt.js';

// `latchkey admin`: a thin client of the admin REST API, shaped like Keycloak's kcadm.sh
// (`config credentials` is `login` here), so what a Keycloak administrator types works.

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface CommonOptions {
  config?: string;
  targetRealm?: string;
}

interface OutputOptions {
  fields?: string;
  compressed?: boolean;
}

interface BodyOptions {
  set: string[];
  file?: string;
  body?: string;
}

const common = (command: Command): Command => command
  .addOption(new Option('--config <file>', 'the login\'s config file (default: ~/.latchkey/admin.json)').env(CONFIG_ENV))
  .option('-r, --target-realm <realm>', 'the realm the path is in (default: the realm logged in to)');

const output = (command: Command): Command => command
  .option('-F, --fields <filter>', 'print only these fields: id,clientId,attributes(pkce*) (* matches anything)')
  .option('-c, --compressed', 'print JSON on one line');

const body = (command: Command): Command => command
  .option('-s, --set <name=value>', 'set a field of the body (repeatable): enabled=true, attributes.pkce.code.challenge.method=S256, \'redirectUris=["https://app/cb"]\', name+=value appends', collect, [])
  .option('-f, --file <file>', 'the body as JSON, from a file or - for standard input')
  .option('-b, --body <json>', 'the body as JSON on the command line');

const query = (command: Command): Command => command
  .option('-q, --query <name=value>', 'a query parameter (repeatable): -q clientId=orders', collect, []);

// ---- paths and requests ----------------------------------------------------------------

/** Keycloak's built-in client-secret endpoint and Latchkey's several secrets: their answers hold secrets asked for. */
const SECRET_ENDPOINT = /^clients\/[^/]+\/(?:client-secret|secrets)(?:\/|$)/;

interface Target {
  url: string;
  /** The path below /admin/realms/<realm>/, for what depends on the resource. */
  resource: string;
}

function encodeSegment(segment: string): string {
  try {
    return encodeURIComponent(decodeURIComponent(segment));
  } catch {
    return encodeURIComponent(segment);
  }
}

/**
 * kcadm.sh's paths: `realms...` (and `serverinfo`) from /admin, anything else from the
 * target realm: `clients` is /admin/realms/<realm>/clients. A full URL must be on the
 * server logged in to: the token goes nowhere else.
 */
function target(session: Session, path: string, o: CommonOptions, params: string[] = []): Target {
  const { server } = session.config;
  let relative = path;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    if (!path.startsWith(`${server}/admin/`)) throw new AdminError(`${path} is not on the server logged in to (${server}): the token is sent only there`);
    relative = path.slice(`${server}/admin/`.length);
  }
  const [pathPart, queryPart] = relative.split(/\?(.*)/s, 2);
  const segments = pathPart.split('/').filter(Boolean).map(encodeSegment);
  if (segments.length === 0) throw new AdminError('give a path: realms, clients, users/<id>, …');
  const realm = o.targetRealm || session.config.realm;
  const fromAdmin = segments[0] === 'realms' || segments[0] === 'serverinfo';
  const full = fromAdmin ? segments : ['realms', encodeURIComponent(realm), ...segments];
  const search = new URLSearchParams(queryPart ?? '');
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new AdminError(`invalid -q ${param}: expected NAME=VALUE`);
    search.append(param.slice(0, eq), param.slice(eq + 1));
  }
  const qs = search.toString();
  const resource = (segments[0] === 'realms' ? segments.slice(2) : fromAdmin ? [] : segments).map(decodeURIComponent).join('/');
  return { url: `${server}/admin/${full.join('/')}${qs ? `?${qs}` : ''}`, resource };
}

/** The body -f or -b gives, or undefined. */
function givenBody(o: BodyOptions): Json | undefined {
  if (o.file !== undefined && o.body !== undefined) throw new AdminError('give -f or -b, not both');
  if (o.body !== undefined) return parseJson(o.body, '-b');
  if (o.file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(o.file === '-' ? 0 : o.file, 'utf8');
  } catch (err) {
    throw new AdminError(`cannot read ${o.file === '-' ? 'standard input' : o.file}: ${(err as Error).message}`);
  }
  return parseJson(text, o.file === '-' ? 'standard input' : o.file);
}

function parseJson(text: string, where: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    // JSON.parse quotes the text it failed on, which may hold a secret: only where it failed.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new AdminError(`${where} is not valid JSON${position ? ` (at position ${position})` : ''}`);
  }
}

/** What the user edits, by top-level name: the members of the body and the names of -s and -d. */
const touched = (given: Json | undefined, edits: Edit[]): Set<string> => new Set([
  ...(given && typeof given === 'object' && !Array.isArray(given) ? Object.keys(given) : []),
  ...edits.map((e) => e.steps[0].name),
]);

/** A client's secret is printed only when asked for by its own endpoint. */
function withoutSecrets(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'secret').map(([k, v]) => [k, withoutSecrets(v)]));
}

function print(reply: Reply, resource: string, o: OutputOptions): void {
  if (reply.json === undefined) {
    if (reply.text) process.stdout.write(reply.text.endsWith('\n') ? reply.text : `${reply.text}\n`);
    return;
  }
  let shown = reply.json as Json;
  if (!SECRET_ENDPOINT.test(resource)) shown = withoutSecrets(shown);
  if (o.fields) shown = filterFields(shown, parseFields(o.fields));
  process.stdout.write(`${o.compressed ? JSON.stringify(shown) : JSON.stringify(shown, null, 2)}\n`);
}

async function expect(reply: Reply | Promise<Reply>, method: string, t: Target, ...ok: number[]): Promise<Reply> {
  const r = await reply;
  if (!ok.includes(r.status)) throw failure(r, `${method} ${t.resource || new URL(t.url).pathname}`);
  return r;
}

/** A generated secret is in the answer once: say that it went unprinted, rather than lose it silently. */
function noteUnprintedSecret(reply: Reply, sent: Json): void {
  const answer = reply.json as { value?: unknown } | undefined;
  const gaveValue = sent !== null && typeof sent === 'object' && !Array.isArray(sent) && 'value' in sent;
  if (typeof answer?.value === 'string' && !gaveValue) {
    process.stderr.write('latchkey: the answer held the generated secret, which was not printed and which the secrets list never shows: add -o to print it\n');
  }
}

// ---- the commands ----------------------------------------------------------------------

interface LoginOptions {
  server: string;
  realm: string;
  user: string;
  password?: string;
  client: string;
  config?: string;
  allowHttp?: boolean;
}

async function loginCommand(o: LoginOptions): Promise<void> {
  const server = serverUrl(o.server, !!o.allowHttp);
  let password = o.password ?? (process.env.LATCHKEY_ADMIN_PASSWORD || undefined);
  if (password === undefined) {
    if (!process.stdin.isTTY) throw new AdminError('no password: give --password, set LATCHKEY_ADMIN_PASSWORD, or run on a terminal to be asked');
    password = await askHidden(`Password for ${o.user} in realm ${o.realm}: `).catch((err: Error) => {
      throw new AdminError(err.message);
    });
  }
  const config = await login({ server, realm: o.realm, clientId: o.client, user: o.user, password });
  const path = configPath(o.config);
  writeConfig(path, config);
  process.stderr.write(`Logged in to ${server} as ${o.user} of realm ${o.realm}; the session is kept in ${path}\n`);
}

async function getCommand(path: string, o: CommonOptions & OutputOptions & { query: string[]; offset?: string; limit?: string }): Promise<void> {
  const session = Session.open(configPath(o.config));
  const params = [...o.query];
  if (o.offset !== undefined) params.push(`first=${o.offset}`);
  if (o.limit !== undefined) params.push(`max=${o.limit}`);
  if (o.fields) parseFields(o.fields);
  const t = target(session, path, o, params);
  print(await expect(session.request('GET', t.url), 'GET', t, 200, 204), t.resource, o);
}

async function createCommand(path: string, o: CommonOptions & OutputOptions & BodyOptions & { query: string[]; output?: boolean }): Promise<void> {
  const edits = parseEdits(o.set);
  const session = Session.open(configPath(o.config));
  const t = target(session, path, o, o.query);
  const sent = applyEdits(givenBody(o) ?? {}, edits);
  const reply = await expect(session.request('POST', t.url, sent), 'POST', t, 200, 201, 204);
  const location = reply.headers.get('location');
  const id = location ? decodeURIComponent(new URL(location, t.url).pathname.split('/').pop()!) : undefined;
  if (!o.output) {
    if (id) process.stdout.write(`${id}\n`);
    if (SECRET_ENDPOINT.test(t.resource)) noteUnprintedSecret(reply, sent);
    return;
  }
  if (reply.json !== undefined || !id) {
    print(reply, t.resource, o);
    return;
  }
  // Keycloak answers a create with its Location only: the new resource is read from there.
  const created = target(session, `${path.replace(/\?.*$/s, '').replace(/\/+$/, '')}/${encodeURIComponent(id)}`, o);
  print(await expect(session.request('GET', created.url), 'GET', created, 200), created.resource, o);
}

interface UpdateOptions extends CommonOptions, OutputOptions, BodyOptions {
  delete: string[];
  query: string[];
  merge?: boolean;
  output?: boolean;
}

async function updateCommand(path: string, o: UpdateOptions): Promise<void> {
  const edits = parseEdits(o.set, o.delete);
  const session = Session.open(configPath(o.config));
  const t = target(session, path, o, o.query);
  const given = givenBody(o);
  // As kcadm.sh: merged with what the server has, unless a whole body is given (or -n).
  const merging = o.merge ?? given === undefined;
  let sent: Json;
  if (merging) {
    const current = await session.request('GET', t.url);
    if (current.status !== 200) {
      const err = failure(current, `GET ${t.resource} (to merge the changes into)`);
      throw current.status === 404 ? new AdminError(`${err.message}; if the path takes a PUT only, add -n to send the -s edits without fetching`) : err;
    }
    sent = applyEdits(given === undefined ? (current.json as Json) : merge(current.json as Json, given), edits);
    const names = touched(given, edits);
    // A client's claims are both its protocolMappers and Latchkey's customResources: the server
    // takes customResources when both come, so changed mappers must not come with the old list.
    if (names.has('protocolMappers') && !names.has('customResources') && sent && typeof sent === 'object' && !Array.isArray(sent)) {
      delete sent.customResources;
    }
  } else {
    sent = applyEdits(given ?? {}, edits);
  }
  await expect(session.request('PUT', t.url, sent), 'PUT', t, 200, 204);
  if (o.output) {
    const plain = target(session, path.replace(/\?.*$/s, ''), o);
    print(await expect(session.request('GET', plain.url), 'GET', plain, 200), plain.resource, o);
  }
}

async function deleteCommand(path: string, o: CommonOptions & BodyOptions & { query: string[] }): Promise<void> {
  const edits = parseEdits(o.set);
  const session = Session.open(configPath(o.config));
  const t = target(session, path, o, o.query);
  const given = givenBody(o);
  const sent = given === undefined && edits.length === 0 ? undefined : applyEdits(given ?? {}, edits);
  await expect(session.request('DELETE', t.url, sent), 'DELETE', t, 200, 204);
}

interface SetPasswordOptions extends CommonOptions {
  username?: string;
  userid?: string;
  newPassword?: string;
  temporary?: boolean;
}

async function setPasswordCommand(o: SetPasswordOptions): Promise<void> {
  if (!o.username === !o.userid) throw new AdminError('give --username or --userid');
  const session = Session.open(configPath(o.config));
  const realm = o.targetRealm || session.config.realm;
  let id = o.userid;
  if (!id) {
    const t = target(session, 'users', o, [`username=${o.username}`, 'exact=true']);
    const found = (await expect(session.request('GET', t.url), 'GET', t, 200)).json as { id: string; username: string }[];
    const user = found.find((u) => u.username.toLowerCase() === o.username!.toLowerCase());
    if (!user) throw new AdminError(`there is no user ${o.username} in realm ${realm}`);
    id = user.id;
  }
  let password = o.newPassword;
  if (password === undefined) {
    if (!process.stdin.isTTY) throw new AdminError('no password: give --new-password, or run on a terminal to be asked');
    password = await askHidden('New password: ').catch((err: Error) => {
      throw new AdminError(err.message);
    });
  }
  const t = target(session, `users/${encodeURIComponent(id)}/reset-password`, o);
  await expect(session.request('PUT', t.url, { type: 'password', value: password, temporary: !!o.temporary }), 'PUT', t, 204);
}

const HELP = `
Log in once with \`login\`; the other commands then call the admin REST API as that
administrator, as Keycloak's kcadm.sh does (its \`config credentials\` is \`login\`, and works too):

  latchkey admin login --server http://localhost:8080 --realm master --user admin
  latchkey admin create realms -s realm=demo -s enabled=true
  latchkey admin create clients -r demo -s clientId=orders -s name="Orders" \\
      -s serviceAccountsEnabled=true -s standardFlowEnabled=false \\
      -s attributes.latchkey.oidc=false -s attributes.latchkey.api.access=true      # prints the new id
  latchkey admin create clients/<id>/secrets -r demo -s value=<a secret you made up> -s label=2026
  latchkey admin update clients/<id> -r demo -s 'redirectUris=["https://app/cb"]' \\
      -s attributes.post.logout.redirect.uris=https://app/bye -s consentTexts.en.api="Orders may be read"
  latchkey admin get clients -r demo -q clientId=orders --fields id,clientId,name
  latchkey admin get clients/<id>/client-secret -r demo
  latchkey admin create users -r demo -s username=alice -s enabled=true
  latchkey admin set-password -r demo --username alice        # asks for the password
  latchkey admin delete clients/<id> -r demo

Paths are those of the admin REST API: \`realms\` and \`realms/<name>/...\` from /admin, any
other from the target realm (-r, default the realm logged in to): \`clients\` is
/admin/realms/<realm>/clients. \`latchkey admin <command> --help\` tells more.

-s NAME=VALUE, as in kcadm.sh: a dotted NAME sets a nested field (consentTexts.en.profile);
after \`attributes\` or \`config\` the rest is one key (attributes.pkce.code.challenge.method),
and "quoted" parts keep their dots. NAME[2]=VALUE sets an item of an array, NAME+=VALUE
appends one. A VALUE in [...] or {...} is JSON, true/false a boolean, digits a number (text
in attributes), 'quoted' or "quoted" text stays text; anything else is text.

The config file (--config, ${CONFIG_ENV}, default ~/.latchkey/admin.json) is written
readable by its owner only. It holds the server, realm, user and the tokens, never the
password: an expired access token is refreshed with the refresh token, and when that has
expired too (the SSO session's lifetime), \`login\` again.

Nothing prints a token or password. A client's \`secret\` is left out of what get prints:
\`get clients/<id>/client-secret\` shows it, and \`create clients/<id>/secrets -o\` a
generated one (the secrets list never shows a value; client-secret shows the current
secret, the oldest unexpired one, as Keycloak does). Errors print the server's
error_description and exit with 1.`;

/** The `admin` command and its subcommands. */
export function adminCommand(): Command {
  const admin = new Command('admin')
    .description('Administer a server through its admin REST API from the command line, as Keycloak\'s kcadm.sh does.')
    .addHelpText('after', HELP);

  const credentials = (command: Command): Command => command
    .requiredOption('--server <url>', 'the server\'s base URL, with its http-relative-path: http://localhost:8080, https://id.example.com/auth')
    .option('--realm <realm>', 'the realm the administrator is in', 'master')
    .requiredOption('--user <name>', 'the administrator\'s username')
    .option('--password <password>', 'the password (default: LATCHKEY_ADMIN_PASSWORD, else asked on the terminal without echo)')
    .option('--client <clientId>', 'the public client to log in with', 'admin-cli')
    .option('--allow-http', 'allow plain http to a host other than this machine (the password and tokens cross the network unencrypted)')
    .addOption(new Option('--config <file>', 'where to keep the session (default: ~/.latchkey/admin.json)').env(CONFIG_ENV))
    .addHelpText('after', `
The administrator needs master's admin role (every realm) or a realm's realm-management
realm-admin role (that realm only). The config file is written with mode 0600 and holds the
tokens, never the password. Environment: LATCHKEY_ADMIN_PASSWORD, ${CONFIG_ENV}.`)
    .action((o: LoginOptions) => loginCommand(o));

  credentials(admin.command('login')
    .description('Log in as an administrator (kcadm.sh config credentials): a password grant, the tokens kept in the config file.'));
  // What a Keycloak administrator's fingers type.
  credentials(admin.command('config', { hidden: true }).command('credentials')
    .description('The same as latchkey admin login (kcadm.sh\'s name for it).'));

  output(query(common(admin.command('get')
    .description('GET a resource and print its JSON: latchkey admin get clients -r demo -q clientId=orders')
    .argument('<path>', 'clients, clients/<id>, users, realms/<name>, …'))))
    .option('--offset <n>', 'skip this many results (Keycloak\'s first)')
    .option('--limit <n>', 'at most this many results (Keycloak\'s max)')
    .action((path: string, o) => getCommand(path, o));

  output(query(body(common(admin.command('create')
    .description('POST a new resource and print its id (from the Location header), as kcadm.sh create -i does')
    .argument('<path>', 'realms, clients, users, clients/<id>/secrets, users/<id>/role-mappings/realm, …')))))
    .option('-i, --id', 'print the new id only (what create prints anyway)')
    .option('-o, --output', 'print the new resource (or the answer) instead of its id')
    .addHelpText('after', `
The body is built from -f or -b (default {}) and the -s edits on it. A body that is a JSON
array (role mappings) comes from -f or -b.`)
    .action((path: string, o) => createCommand(path, o));

  output(query(body(common(admin.command('update')
    .description('PUT a resource: by default the one on the server, fetched and changed by -s and -d, as kcadm.sh update does')
    .argument('<path>', 'clients/<id>, users/<id>, realms/<name>, users/<id>/reset-password, …')))))
    .option('-d, --delete <name>', 'remove a field (or an array item: redirectUris[0]) before sending (repeatable)', collect, [])
    .option('-m, --merge', 'merge -f or -b into what the server has (the default without -f or -b)')
    .option('-n, --no-merge', 'send only the body given and -s edits, without fetching the resource first')
    .option('-o, --output', 'print the resource after the update')
    .addHelpText('after', `
Without -f or -b the resource is fetched, edited by -s and -d and sent back whole. With -f
or -b that body is sent as it is (and edited by -s and -d); -m merges it into the fetched
one instead. Endpoints that cannot be fetched take -n:

  latchkey admin update users/<id>/reset-password -r demo -s type=password -s value=… -n`)
    .action((path: string, o) => updateCommand(path, o));

  query(body(common(admin.command('delete')
    .description('DELETE a resource: latchkey admin delete clients/<id> -r demo')
    .argument('<path>', 'clients/<id>, users/<id>, clients/<id>/secrets/<secretId>, …'))))
    .action((path: string, o) => deleteCommand(path, o));

  common(admin.command('set-password')
    .description('Set a user\'s password (kcadm.sh set-password)'))
    .option('--username <name>', 'the user, by username')
    .option('--userid <id>', 'the user, by id')
    .option('--new-password <password>', 'the new password (default: asked on the terminal without echo)')
    .option('--temporary', 'mark it temporary: the user chooses a new one at the next sign-in (UPDATE_PASSWORD)')
    .action((o: SetPasswordOptions) => setPasswordCommand(o));

  admin.addCommand(bootstrapCommandOf());
  return admin;
}
