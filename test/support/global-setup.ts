// Starts the real `npm start` program once per test run (its own data dir, free ports) and hands
// its endpoints to every test file. Its whole output is kept for the secrets audit.
// Run-wide secrets audit (see secret-audit.ts): from setup to teardown everything this process
// prints is captured too (vitest forwards each worker's console and stdout/stderr through it); at
// teardown, after the server has stopped, every secret any file tracked (`<home>/audit/*.secrets.json`)
// is searched for in the server log, every file's captured output and that capture, and a hit
// fails the run (a throwing teardown makes `vitest run` exit non-zero).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { eventDefaults } from '../../functions/contract/events.ts';
import type { LocalStackInfo } from '../../local/stack.ts';
import { describeHit, findSecrets } from './secret-search.ts';

export interface ProvidedStack extends LocalStackInfo {
  readonly home: string;
  readonly serverLog: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localStack: ProvidedStack;
  }
}

let child: ChildProcess | undefined;
let home: string | undefined;
const printed: string[] = [];

export async function setup(project: TestProject): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  home = mkdtempSync(join(tmpdir(), 'regcred-test-'));
  mkdirSync(join(home, 'audit'));
  const serverLog = join(home, 'server.log');
  const out = openSync(serverLog, 'a');
  child = spawn(process.execPath, ['local/start.ts'], {
    env: { ...process.env, REGCRED_HOME: home, PORT: '0' },
    stdio: ['ignore', out, out],
  });
  const info = await waitForReady(home, serverLog, child);
  project.provide('localStack', { ...info, home, serverLog });
}

export async function teardown(): Promise<void> {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  if (!home) return;
  try {
    auditRun(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function auditRun(dir: string): void {
  const audit = join(dir, 'audit');
  const files = readdirSync(audit);
  const secrets = new Set<string>();
  for (const file of files.filter((f) => f.endsWith('.secrets.json'))) {
    for (const secret of JSON.parse(readFileSync(join(audit, file), 'utf8')) as string[]) secrets.add(secret);
  }
  const haystacks: Record<string, string> = {
    'npm start server log': readFileSync(join(dir, 'server.log'), 'utf8'),
    'events.ndjson (every event npm start published)': readIfPresent(join(dir, eventDefaults.localFile)),
    'test workers\' captured output': files.filter((f) => f.endsWith('.output.log')).map((f) => readFileSync(join(audit, f), 'utf8')).join('\n'),
    'output of the whole vitest run': printed.join(''),
  };
  const leaks = Object.entries(haystacks).flatMap(([where, text]) => findSecrets(text, secrets).map((hit) => describeHit(hit, where)));
  if (leaks.length > 0) throw new Error(`secrets audit of the whole run failed:\n${leaks.join('\n')}`);
  process.stdout.write(`secrets audit: ${secrets.size} passwords, none in ${Object.keys(haystacks).join(', ')}\n`);
}

function readIfPresent(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function waitForReady(dir: string, log: string, proc: ChildProcess): Promise<LocalStackInfo> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`npm start exited early:\n${readFileSync(log, 'utf8')}`);
    try {
      const info = JSON.parse(readFileSync(join(dir, 'regcred.lock'), 'utf8')) as Partial<LocalStackInfo>;
      if (info.apiUrl) return info as LocalStackInfo;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the local stack did not become ready:\n${readFileSync(log, 'utf8')}`);
}
