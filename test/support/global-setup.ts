// Starts the real `npm start` program once per test run (its own data dir, free ports) and hands
// its endpoints to every test file of the stack project. Its whole output goes to the run's audit
// directory (audit-setup.ts), which searches it for every password after this teardown. Its positive
// control: just before the server stops, teardown sends a few requests of its own, one at a time, and
// the audit fails unless the server log holds their request lines, each with its own request id, so a
// logger that writes nothing, or elsewhere, or without the request id, cannot make the audit pass.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { LocalStackInfo } from '../../local/stack.ts';
import { probeFile, runAuditDir, serverLogPath } from './audit-setup.ts';

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
const probe = { project: `audit-probe-${randomUUID().slice(0, 8)}`, requests: 3, apiUrl: '' };

export async function setup(project: TestProject): Promise<void> {
  const home = join(runAuditDir(), 'stack');
  const serverLog = serverLogPath();
  const out = openSync(serverLog, 'a');
  child = spawn(process.execPath, ['local/start.ts'], {
    // Offline: the stack's functions reach loopback registries only (no DNS query for any other name).
    env: { ...process.env, REGCRED_HOME: home, PORT: '0', REGCRED_OFFLINE: '1', REGCRED_PAUSE_RULES: '1' },
    stdio: ['ignore', out, out],
  });
  const info = await waitForReady(home, serverLog, child);
  probe.apiUrl = info.apiUrl;
  writeFileSync(probeFile(), JSON.stringify({ project: probe.project, requests: probe.requests }));
  project.provide('localStack', { ...info, home, serverLog });
}

export async function teardown(): Promise<void> {
  if (child && child.exitCode === null) {
    for (let i = 0; i < probe.requests; i++) {
      // A failure here shows as missing probe lines in the audit.
      await fetch(`${probe.apiUrl}/projects/${probe.project}/docker-credentials`).then((r) => r.text(), () => undefined);
    }
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

async function waitForReady(dir: string, log: string, proc: ChildProcess): Promise<LocalStackInfo> {
  // The first start on a clean checkout synthesises the app (esbuild for every function) first.
  const deadline = Date.now() + 300_000;
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
