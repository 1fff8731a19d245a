/**
 * Asks for a secret on the terminal without echoing it (stdin in raw mode). Only on a
 * terminal: a script gives the secret by option or environment instead.
 */
export async function askHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) throw new Error('no terminal to ask on');
  // Echo off before the prompt shows: what is typed as soon as it appears is not echoed either.
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        // Raw mode turns Ctrl-C into a character: it still cancels.
        if (ch === '\u0003') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
