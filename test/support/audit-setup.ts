// The run-wide secrets audit (see secret-audit.ts), shared by every vitest project: each project
// lists this global setup, and the projects' setups share one audit directory through globalThis
// (they run in the one vitest main process). From the first setup to the last teardown everything
// this process prints is captured too (vitest forwards each worker's console and stdout/stderr
// through it). At the last teardown, after the stack has stopped, every secret any file tracked
// (`<dir>/*.secrets.json`) is searched for in the server log, every file's captured output and that
// capture, and a hit fails the run (a throwing teardown makes `vitest run` exit non-zero).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { eventDefaults } from '../../functions/contract/events.ts';
import { recordOutput } from './capture.ts';
import { checkRequestLog, describeHit, findSecrets } from './secret-search.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where every test file of the run writes its secrets and captured output. */
    auditDir: string;
  }
}

interface RunAudit {
  readonly dir: string;
  readonly printed: string[];
  projects: number;
}

const holder = globalThis as { __regcredRunAudit?: RunAudit };

/** The run's audit directory; the stack setup keeps its data and server log inside it. */
export function runAuditDir(): string {
  holder.__regcredRunAudit ??= startCapture(mkdtempSync(join(tmpdir(), 'regcred-test-')));
  return holder.__regcredRunAudit.dir;
}

/** The stack setup's probe requests (project, count), which the server log must show. */
export function probeFile(): string {
  return join(runAuditDir(), 'probe.json');
}

/** Where the stack setup writes the `npm start` log, so the last teardown can search it. */
export function serverLogPath(): string {
  return join(runAuditDir(), 'server.log');
}

export function setup(project: TestProject): void {
  const dir = runAuditDir();
  (holder.__regcredRunAudit as RunAudit).projects++;
  project.provide('auditDir', dir);
}

export function teardown(): void {
  const audit = holder.__regcredRunAudit;
  if (!audit || --audit.projects > 0) return;
  holder.__regcredRunAudit = undefined;
  try {
    auditRun(audit);
  } finally {
    rmSync(audit.dir, { recursive: true, force: true });
  }
}

function startCapture(dir: string): RunAudit {
  const audit: RunAudit = { dir, printed: [], projects: 0 };
  recordOutput((text) => audit.printed.push(text));
  return audit;
}

function auditRun({ dir, printed }: RunAudit): void {
  const files = readdirSync(dir);
  const secrets = new Set<string>();
  const secretFiles = files.filter((f) => f.endsWith('.secrets.json'));
  for (const file of secretFiles) {
    for (const secret of JSON.parse(readFileSync(join(dir, file), 'utf8')) as string[]) secrets.add(secret);
  }
  const serverLog = join(dir, 'server.log');
  const eventsFile = join(dir, 'stack', eventDefaults.localFile);
  const haystacks: Record<string, string> = {
    ...(existsSync(serverLog) && { 'npm start server log': readFileSync(serverLog, 'utf8') }),
    ...(existsSync(eventsFile) && { 'events.ndjson (every event npm start published)': readFileSync(eventsFile, 'utf8') }),
    'test workers\' captured output': files.filter((f) => f.endsWith('.output.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n'),
    'output of the whole vitest run': printed.join(''),
  };
  const leaks = Object.entries(haystacks).flatMap(([where, text]) => findSecrets(text, secrets).map((hit) => describeHit(hit, where)));
  if (leaks.length > 0) throw new Error(`secrets audit of the whole run failed:\n${leaks.join('\n')}`);
  const log = haystacks['npm start server log'];
  const requests = log === undefined ? 0 : checkRequestLog(log, JSON.parse(readFileSync(join(dir, 'probe.json'), 'utf8')));
  process.stdout.write(
    `secrets audit: ${secrets.size} passwords from ${secretFiles.length} test files, none in ${Object.keys(haystacks).join(', ')}` +
      (log === undefined ? '\n' : `; ${requests} request log lines, the probe's with their request ids\n`),
  );
}
