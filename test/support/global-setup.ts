// Starts the real `npm start` program once per test run (its own data dir, free ports) and hands
// its endpoints to every test file of the stack project. Its whole output goes to the run's audit
// directory (audit-setup.ts), which searches it for every password after this teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { LocalStackInfo } from '../../local/stack.ts';
import { runAuditDir, serverLogPath } from './audit-setup.ts';

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

export async function setup(project: TestProject): Promise<void> {
  const home = join(runAuditDir(), 'stack');
  const serverLog = serverLogPath();
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
