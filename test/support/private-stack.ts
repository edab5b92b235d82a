// A private `npm start` for a test file that must own a whole table (the run's stack is shared by
// every file in parallel): its own data directory, free ports and log file. stop() ends it and
// returns its whole log, for the file's own secrets audit.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunning, repoRoot, type LocalStackInfo } from '../../local/stack.ts';

export interface PrivateStack extends LocalStackInfo {
  /** Stops the stack, removes its data and returns everything it logged. */
  stop(): Promise<string>;
}

export async function startPrivateStack(): Promise<PrivateStack> {
  const home = mkdtempSync(join(tmpdir(), 'regcred-private-'));
  const logFile = join(home, 'server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['local/start.ts'], { cwd: repoRoot, env: { ...process.env, REGCRED_HOME: home, PORT: '0', REGCRED_OFFLINE: '1', REGCRED_PAUSE_RULES: '1' }, stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    const log = readFileSync(logFile, 'utf8');
    rmSync(home, { recursive: true, force: true });
    return log;
  };
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const info = readRunning(home);
    if (info?.apiUrl) return { ...info, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the private stack did not become ready:\n${await stop()}`);
}
