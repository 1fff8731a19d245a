// What `npm start` and `npm run build` use to skip a step whose output is newer than all it is
// built from: a start on a built tree then takes about a second instead of a full build.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under the given files and directories (missing ones are left out). */
export function filesUnder(...paths) {
  return paths.flatMap((path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return [];
    }
    if (!stat.isDirectory()) return [path];
    return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
  });
}

/** True when `output` exists and no input was changed after it was written (a missing input counts as changed). */
export function isFresh(output, inputs) {
  let built;
  try {
    built = statSync(output).mtimeMs;
  } catch {
    return false;
  }
  return inputs.every((input) => {
    try {
      return statSync(input).mtimeMs <= built;
    } catch {
      return false;
    }
  });
}
