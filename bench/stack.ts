// The local stack (DynamoDB Local + local KMS + the HTTP server running the handlers) in its own
// process, as `npm start` runs it, so load generators here don't share its event loop.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { localEnvironment, readRunning, repoRoot, type LocalStackInfo } from '../local/stack.ts';

export interface BenchStack extends LocalStackInfo {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startBenchStack(workDir: string): Promise<BenchStack> {
  const home = join(workDir, 'stack');
  rmSync(home, { recursive: true, force: true });
  const child = spawn(process.execPath, [join(repoRoot, 'local/start.ts')], {
    env: { ...process.env, PORT: '0', REGCRED_HOME: home },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // A first start after a change to infra/ or functions/ synthesises the app (bundles included) before it listens.
  const deadline = Date.now() + 300_000;
  for (;;) {
    const info = readRunning(home);
    if (info?.apiUrl) {
      return {
        ...info,
        env: localEnvironment(info.dynamoDbEndpoint, info.kmsEndpoint),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the local stack did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
