import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The data dir holds the database and the master key: for its owner alone. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Creates the data dir for its owner alone, if it is not there yet. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Creates the file empty for its owner alone, if it is not there yet. SQLite gives its WAL and
 * shared-memory files the database file's mode, so creating that one right covers them too.
 */
export function makePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', FILE_MODE));
}

/**
 * Takes away what others may do in an existing data dir (0700) and with each file and folder
 * in it (0600, 0700), as a data dir made by an older version or by hand may allow more.
 * Returns the paths it changed, for the log; symbolic links are left alone.
 */
export function tightenDataDir(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const changed: string[] = [];
  const tighten = (path: string, mode: number) => {
    if ((lstatSync(path).mode & 0o777) === mode) return;
    chmodSync(path, mode);
    changed.push(path);
  };
  const walk = (path: string) => {
    tighten(path, DIR_MODE);
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) tighten(child, FILE_MODE);
    }
  };
  walk(dir);
  return changed;
}
