// Reads a password typed at the terminal without echoing it, as `docker login` does: raw mode, so
// the terminal shows nothing; Enter ends it, Backspace deletes, Ctrl-C and Ctrl-D give up.
import type { ReadStream } from 'node:tty';

export class PromptCancelled extends Error {}

export function readSecret(prompt: string, input: ReadStream = process.stdin as ReadStream, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  input.setRawMode(true);
  output.write(prompt);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (outcome: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed));
        if (char === '\u0003' || char === '\u0004') return finish(() => reject(new PromptCancelled('No password entered.')));
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
    };
    input.on('data', onData);
  });
}
