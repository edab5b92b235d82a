// The secrets audit, in two layers:
// - per test file (this setup file): everything written to stdout/stderr in its worker is
//   captured, and after the file's tests the capture and the local server's log are searched for
//   every secret the file registered with trackSecret(), in plain, base64 and JSON-escaped forms;
// - per run: the file's secrets and its captured output are also written to the run's audit
//   directory (`<stack home>/audit/`), and globalSetup's teardown searches the complete server log,
//   every file's captured output and everything the run printed for every secret of every file,
//   and fails the run on a hit. That covers lines written after a file's own audit (a later file,
//   the server's shutdown) and secrets of one file showing up in another file's output.
// The only place a tracked password may appear is the body of a resolve or dockerconfigjson 200
// that a test reads (and compares without printing); every other response is checked with
// expectNoTrackedSecret, and logs, audit lines and output by the searches above.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, inject } from 'vitest';
import { describeHit, findSecrets, secretForms } from './secret-search.ts';

export { secretForms };

const secrets = new Set<string>();

// Patched once per worker; each test file (a fresh module) gets its own buffer.
interface Capture {
  buffer: string[];
}
const holder = globalThis as { __regcredCapture?: Capture };
if (!holder.__regcredCapture) {
  const capture: Capture = { buffer: [] };
  holder.__regcredCapture = capture;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      capture.buffer.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}
const capture = holder.__regcredCapture;
capture.buffer = [];

/** Registers a password (or any secret) a test sends; returns it for convenience. */
export function trackSecret<T extends string>(secret: T): T {
  secrets.add(secret);
  return secret;
}

/**
 * Registers a password and docker's `auth` form of it (base64 of `user:password`, as resolve's
 * dockerconfigjson writes it), so neither may appear in any log or output; returns the password.
 */
export function trackCredential<T extends string>(username: string | null, password: T): T {
  trackSecret(`${username ?? ''}:${password}`);
  return trackSecret(password);
}

/**
 * For every response other than a resolve or dockerconfigjson 200 (the only places a password may
 * appear): fails if any secret this file tracked is in it, without printing the secret.
 */
export function expectNoTrackedSecret(text: string, where = 'a response that must not carry a password'): void {
  const hits = findSecrets(text, secrets).map((hit) => describeHit(hit, where));
  expect(hits).toEqual([]);
}

export function capturedOutput(): string {
  return capture.buffer.join('');
}

/** Where this run's audit files go (created by globalSetup). */
export function auditDir(): string {
  return join(inject('localStack').home, 'audit');
}

afterAll(() => {
  const output = capturedOutput();
  const file = join(auditDir(), `${process.pid}-${randomUUID()}`);
  writeFileSync(`${file}.secrets.json`, JSON.stringify([...secrets]));
  writeFileSync(`${file}.output.log`, output);
  if (secrets.size === 0) return;
  const serverLog = readFileSync(inject('localStack').serverLog, 'utf8');
  const haystacks = { 'test worker output': output, 'npm start server log': serverLog };
  const leaks = Object.entries(haystacks).flatMap(([where, text]) => findSecrets(text, secrets).map((hit) => describeHit(hit, where)));
  expect(leaks).toEqual([]);
});
