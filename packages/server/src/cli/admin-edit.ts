// What `latchkey admin` does to JSON on the way out and in, as kcadm.sh does it: `-s NAME=VALUE`
// and `-d NAME` edits, the merge of `update`, and the `--fields` filter of what is printed.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One step of a dotted name: a member, maybe followed by an index into it (`redirectUris[0]`). */
interface Step {
  name: string;
  /** The array item: a number, -1 for "append" (`name+=value`), undefined for the member itself. */
  index?: number;
}

export interface Edit {
  /** As the user wrote it, for messages. */
  text: string;
  steps: Step[];
  /** undefined: delete what the name points at. */
  value?: Json;
}

/**
 * Keycloak's string maps: client and realm `attributes`, a mapper's `config`. Their keys hold
 * dots (`pkce.code.challenge.method`), so after one of them the rest of a name is one key, and
 * `-s attributes.pkce.code.challenge.method=S256` means what it says (kcadm.sh would nest it
 * unless the key were quoted; quoting works here too).
 */
const STRING_MAPS = new Set(['attributes', 'config']);

class EditSyntaxError extends Error {}

/** `text` names the option in messages: "-s redirectUris". */
const fail = (text: string, why: string): never => {
  throw new EditSyntaxError(`invalid ${text}: ${why}`);
};

/** `name`, `"quoted.name"`, either with `[N]` after it. */
function parseStep(text: string, raw: string, appendTo: boolean): Step {
  let rest = raw;
  let index: number | undefined;
  const indexed = /\[(\d*)\]$/.exec(rest);
  if (indexed) {
    if (indexed[1] === '') fail(text, `an index needs a number: ${raw}`);
    index = Number(indexed[1]);
    rest = rest.slice(0, indexed.index);
  }
  if (rest.startsWith('"')) {
    if (rest.length < 2 || !rest.endsWith('"')) fail(text, `unbalanced quote in ${raw}`);
    rest = rest.slice(1, -1);
  } else if (/["[\]]/.test(rest)) {
    fail(text, `unexpected character in ${raw}`);
  }
  if (rest === '') fail(text, 'a name has an empty part');
  if (appendTo) {
    if (index !== undefined) fail(text, '+= appends to an array: give no index');
    index = -1;
  }
  return { name: rest, index };
}

/** Splits a dotted name at the dots outside double quotes. */
function splitName(text: string, name: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of name) {
    if (ch === '"') quoted = !quoted;
    if (ch === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted) fail(text, 'unbalanced quote');
  parts.push(current);
  return parts;
}

function parseName(text: string, name: string, appendTo: boolean): Step[] {
  if (name === '') fail(text, 'the name is empty: expected NAME=VALUE');
  const parts = splitName(text, name);
  const steps: Step[] = [];
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    if (i > 0 && STRING_MAPS.has(steps[i - 1].name) && steps[i - 1].index === undefined && !parts[i].startsWith('"')) {
      // The rest of the name is one key of the map, indexed maybe (a user attribute's values).
      steps.push(parseStep(text, parts.slice(i).join('.'), appendTo));
      return steps;
    }
    steps.push(parseStep(text, parts[i], appendTo && last));
  }
  return steps;
}

/**
 * A value as kcadm.sh reads it: a JSON object or array, true/false, a number, a quoted
 * string ('x' or "x", to keep "true" or "42" a string), else the text itself. A value that
 * looks like JSON and is not is refused rather than sent as text.
 */
function parseValue(text: string, name: string, value: string, inStringMap: boolean): Json {
  const trimmed = value.trim();
  if (/^[[{]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as Json;
    } catch {
      return fail(text, `the value starts with ${trimmed[0]} and is not valid JSON; to set it as text, quote it: -s '${name}="…"'`);
    }
  }
  const quoted = /^(['"])([\s\S]*)\1$/.exec(value);
  if (quoted) return quoted[2];
  // Keycloak's attribute maps hold strings only: "true" stays "true" there.
  if (inStringMap) return value;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(value) && Number.isFinite(Number(value))) return Number(value);
  return value;
}

/** `-s NAME=VALUE` or `-s NAME+=VALUE` (append to an array). */
export function parseSet(option: string): Edit {
  const eq = option.indexOf('=');
  if (eq < 0) fail(`-s ${option}`, 'expected NAME=VALUE');
  const appendTo = eq > 0 && option[eq - 1] === '+';
  const name = option.slice(0, appendTo ? eq - 1 : eq);
  // Messages name the field, never repeat the value: it may be a secret.
  const text = `-s ${name}`;
  const steps = parseName(text, name, appendTo);
  const parent = steps.length > 1 ? steps[steps.length - 2] : undefined;
  const inStringMap = parent !== undefined && STRING_MAPS.has(parent.name) && parent.index === undefined;
  return { text, steps, value: parseValue(text, name, option.slice(eq + 1), inStringMap) };
}

/** `-d NAME`: removes a member, or an array's item (`redirectUris[1]`). */
export function parseDelete(option: string): Edit {
  const text = `-d ${option}`;
  if (option.includes('=')) fail(text, 'expected a NAME only (-s sets a value)');
  return { text, steps: parseName(text, option, false) };
}

/** The edits of one command line, checked before anything is sent. */
export function parseEdits(sets: string[], deletes: string[] = []): Edit[] {
  return [...sets.map(parseSet), ...deletes.map(parseDelete)];
}

/** Applies the edits to a copy of the document, in order. */
export function applyEdits(document: Json, edits: Edit[]): Json {
  const root = structuredClone(document);
  if (edits.length > 0 && !isObject(root)) {
    throw new EditSyntaxError(`-s and -d edit a JSON object, and the body is ${Array.isArray(root) ? 'an array' : 'not an object'}`);
  }
  for (const edit of edits) applyEdit(root as JsonObject, edit);
  return root;
}

function applyEdit(root: JsonObject, edit: Edit): void {
  const deleting = edit.value === undefined;
  let node = root;
  for (const [i, step] of edit.steps.entries()) {
    const last = i === edit.steps.length - 1;
    const where = edit.steps.slice(0, i + 1).map((s) => s.name).join('.');
    const member = node[step.name];
    if (step.index === undefined) {
      if (last) {
        if (deleting) delete node[step.name];
        else node[step.name] = edit.value!;
        return;
      }
      if (member === undefined || member === null) {
        if (deleting) return;
        node[step.name] = {};
      } else if (!isObject(member)) {
        throw new EditSyntaxError(`cannot apply ${edit.text}: ${where} is not an object`);
      }
      node = node[step.name] as JsonObject;
      continue;
    }
    if (!Array.isArray(member)) {
      if (deleting) return;
      if (member !== undefined && member !== null && !last) throw new EditSyntaxError(`cannot apply ${edit.text}: ${where} is not an array`);
      node[step.name] = [];
    }
    const list = node[step.name] as Json[];
    const at = step.index === -1 ? list.length : step.index;
    if (last) {
      if (deleting) list.splice(at, 1);
      else {
        while (list.length < at) list.push(null);
        list[at] = edit.value!;
      }
      return;
    }
    if (!isObject(list[at])) {
      if (deleting) return;
      while (list.length < at) list.push(null);
      list[at] = {};
    }
    node = list[at] as JsonObject;
  }
}

/**
 * kcadm.sh's merge of `update`: members of `changes` replace those of `base`; objects merge
 * member by member, arrays and everything else are replaced whole.
 */
export function merge(base: Json, changes: Json): Json {
  if (!isObject(base) || !isObject(changes)) return structuredClone(changes);
  const out: JsonObject = structuredClone(base);
  for (const [key, value] of Object.entries(changes)) {
    out[key] = isObject(out[key]) && isObject(value) ? merge(out[key], value) : structuredClone(value);
  }
  return out;
}

// ---- --fields ------------------------------------------------------------------------

interface FieldPattern {
  match: RegExp;
  sub?: FieldPattern[];
}

/** `id,clientId,attributes(pkce*,post*)`: names (with * wildcards), each maybe with the fields to keep inside it. */
export function parseFields(text: string): FieldPattern[] {
  let at = 0;
  const list = (depth: number): FieldPattern[] => {
    const patterns: FieldPattern[] = [];
    for (;;) {
      const start = at;
      while (at < text.length && !',()'.includes(text[at])) at++;
      const name = text.slice(start, at).trim();
      if (name === '') throw new EditSyntaxError(`invalid --fields ${text}: a field name is missing at position ${start + 1}`);
      const escaped = name.split('*').map((p) => p.replace(/[.+?^${}|[\]\\]/g, '\\$&')).join('.*');
      const pattern: FieldPattern = { match: new RegExp(`^${escaped}$`) };
      if (text[at] === '(') {
        at++;
        pattern.sub = list(depth + 1);
        if (text[at] !== ')') throw new EditSyntaxError(`invalid --fields ${text}: unbalanced parenthesis`);
        at++;
      }
      patterns.push(pattern);
      if (text[at] === ',') {
        at++;
        continue;
      }
      if (at < text.length && !(text[at] === ')' && depth > 0)) throw new EditSyntaxError(`invalid --fields ${text}: unexpected ${text[at]}`);
      return patterns;
    }
  };
  return list(0);
}

/** The document with only the fields asked for, in every object of a list. */
export function filterFields(document: Json, patterns: FieldPattern[]): Json {
  if (Array.isArray(document)) return document.map((item) => filterFields(item, patterns));
  if (!isObject(document)) return document;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(document)) {
    const pattern = patterns.find((p) => p.match.test(key));
    if (pattern) out[key] = pattern.sub ? filterFields(value, pattern.sub) : value;
  }
  return out;
}
