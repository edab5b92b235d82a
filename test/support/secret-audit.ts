// Every test file: everything written to stdout/stderr in its worker is captured, and after the
// file's tests the capture and the local server's log are searched for every secret the file
// registered with trackSecret(), in plain, base64 and JSON-escaped forms.
import { readFileSync } from 'node:fs';
import { afterAll, expect, inject } from 'vitest';

const captured: string[] = [];
const secrets = new Set<string>();

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

/** Registers a password (or any secret) a test sends; returns it for convenience. */
export function trackSecret<T extends string>(secret: T): T {
  secrets.add(secret);
  return secret;
}

/** Text to search: the secret as sent, base64 (as in docker auth), and JSON-escaped. */
export function secretForms(secret: string): string[] {
  const forms = [secret, Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)];
  return [...new Set(forms)].filter((form) => form.length >= 6);
}

export function capturedOutput(): string {
  return captured.join('');
}

afterAll(() => {
  if (secrets.size === 0) return;
  const serverLog = readFileSync(inject('localStack').serverLog, 'utf8');
  const haystacks = { 'test worker output': capturedOutput(), 'npm start server log': serverLog };
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      for (const [where, text] of Object.entries(haystacks)) {
        expect(text.includes(form), `a tracked secret appeared in the ${where}`).toBe(false);
      }
    }
  }
});
