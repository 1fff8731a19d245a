import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command, Option } from 'commander';

/**
 * Keys of the config file whose values are file or directory paths: relative ones are
 * taken from the config file's directory, so the file means the same from anywhere.
 */
const PATH_KEYS = new Set(['dataDir', 'importRealm', 'httpsCert', 'httpsKey']);

/** Reads a config file: one JSON object, keys named as the long options in camelCase. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`the config file ${file} is not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`the config file ${file} must hold one JSON object, e.g. {"port": 8080}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Fills in the command's options from the config file, below flags and environment
 * variables: an option set by either keeps its value; one at its default (or unset)
 * takes the file's. So the precedence is flag > environment > config file > default.
 * Unknown keys and values of the wrong type are refused, naming the key.
 */
export function applyConfigFile(command: Command, file: string): void {
  const values = readConfigFile(file);
  const base = dirname(resolve(file));
  const options = new Map<string, Option>();
  for (const option of command.options) {
    const key = option.attributeName();
    if (key !== 'config' && option.long) options.set(key, option);
  }
  for (const [key, raw] of Object.entries(values)) {
    const option = options.get(key);
    if (!option) {
      throw new Error(`unknown key "${key}" in the config file ${file}; known keys: ${[...options.keys()].join(', ')}`);
    }
    const source = command.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') continue;
    const where = `"${key}" in the config file ${file}`;
    const asPath = (s: string) => (PATH_KEYS.has(key) ? resolve(base, s) : s);
    const scalar = (v: unknown): string => {
      if (typeof v === 'string') return v;
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
      if (typeof v === 'boolean') return String(v);
      throw new Error(`${where} must be a string, number or boolean`);
    };
    let value: unknown;
    if (Array.isArray(option.defaultValue)) {
      // A repeatable option: a list, or one value.
      const list = Array.isArray(raw) ? raw : [raw];
      value = list.map((v) => {
        if (typeof v !== 'string') throw new Error(`${where} must be a string or a list of strings`);
        return asPath(v);
      });
    } else {
      const text = scalar(raw);
      if (option.argChoices && !option.argChoices.includes(text)) {
        throw new Error(`${where} must be one of ${option.argChoices.join(', ')}, not "${text}"`);
      }
      try {
        value = option.parseArg ? option.parseArg(asPath(text), undefined) : asPath(text);
      } catch (err) {
        throw new Error(`${where}: ${(err as Error).message}`);
      }
    }
    command.setOptionValueWithSource(key, value, 'config');
  }
}
