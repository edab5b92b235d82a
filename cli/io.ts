// Where a command's output goes and its input comes from: the process, or a test's buffers.
import { readSecret } from './prompt.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Asks for a secret without echoing it; only when standard input is a terminal. */
  promptSecret?(prompt: string): Promise<string>;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  ...(process.stdin.isTTY && { promptSecret: (prompt: string) => readSecret(prompt) }),
};
