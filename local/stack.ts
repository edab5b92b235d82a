// The embedded default: DynamoDB Local, the local KMS endpoint and the HTTP API, on this machine,
// with the handlers reaching both through the normal SDK clients (endpoint overrides only).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { envNames } from '../functions/contract/config.ts';
import { eventDefaults } from '../functions/contract/events.ts';
import { routeList } from '../functions/contract/routes.ts';
import { ensureTable, startDynamoDbLocal } from './dynamodb-local.ts';
import { startHttpServer, type BoundRoute } from './http-server.ts';
import { NdjsonFileEventSink } from './event-file.ts';
import { LocalKeyStore, startKmsServer } from './kms-server.ts';
import { startStreamPublisher } from './stream-publisher.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const localDefaults = {
  home: join(repoRoot, '.regcred'),
  port: 3000,
  region: 'us-east-1',
  tableName: 'regcred-credentials',
  keyAlias: 'alias/regcred',
} as const;

export interface LocalStackOptions {
  readonly home?: string;
  /** API port; the KMS endpoint takes port + 1 and DynamoDB Local port + 2. 0 picks free ports. */
  readonly port?: number;
}

export interface LocalStackInfo {
  readonly pid: number;
  readonly apiUrl: string;
  readonly kmsEndpoint: string;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  readonly keyId: string;
  readonly region: string;
  /** Where the stream publisher appends the events (`regcred events tail` reads it). */
  readonly eventsFile: string;
}

export interface LocalStack extends LocalStackInfo {
  /** Environment for SDK clients (and the handlers) talking to this stack. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** What SDK clients (and the handlers) need to talk to a local stack instead of AWS. */
export function localEnvironment(dynamoDbEndpoint: string, kmsEndpoint: string): Record<string, string> {
  return {
    AWS_REGION: localDefaults.region,
    // DynamoDB Local accepts only letters and digits in access key ids.
    AWS_ACCESS_KEY_ID: 'regcredlocal',
    AWS_SECRET_ACCESS_KEY: 'regcredlocal',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    AWS_ENDPOINT_URL_KMS: kmsEndpoint,
    [envNames.tableName]: localDefaults.tableName,
    [envNames.kmsKeyId]: localDefaults.keyAlias,
    // Local registries (localhost:5000, plain http) may be verified here, and only here.
    [envNames.allowInsecureRegistries]: 'true',
  };
}

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

export function lockFile(home: string): string {
  return join(home, 'regcred.lock');
}

export function readRunning(home: string): LocalStackInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockFile(home), 'utf8')) as LocalStackInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const home = resolve(options.home ?? localDefaults.home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  takeLock(home);
  const cleanup: Array<() => Promise<void> | void> = [() => rmSync(lockFile(home), { force: true })];
  const stop = async () => {
    for (const step of cleanup.reverse().splice(0)) await step();
  };
  try {
    const [apiPort, kmsPort, dynamoPort] = await choosePorts(options.port ?? localDefaults.port);
    const keys = new LocalKeyStore(join(home, 'kms-keys.json'), localDefaults.region);
    keys.ensureAlias(localDefaults.keyAlias);

    const env = localEnvironment(`http://127.0.0.1:${dynamoPort}`, `http://127.0.0.1:${kmsPort}`);
    delete process.env['AWS_PROFILE'];
    Object.assign(process.env, env);

    const bound: BoundRoute[] = await Promise.all(
      routeList.map(async (route) => {
        const module = (await import(pathToFileURL(join(repoRoot, route.entry)).href)) as { handler: BoundRoute['handler'] };
        return { route, handler: module.handler };
      }),
    );
    const http = await startHttpServer(bound, apiPort).catch(portError(apiPort, 'PORT'));
    cleanup.push(() => new Promise<void>((done) => http.server.close(() => done())));
    http.server.closeIdleConnections();

    const kms = await startKmsServer(keys, kmsPort).catch(portError(kmsPort, 'PORT (+1, for KMS)'));
    cleanup.push(() => new Promise<void>((done) => kms.server.close(() => done())));

    const dynamo = await startDynamoDbLocal(join(home, 'dynamodb'), dynamoPort);
    cleanup.push(() => dynamo.stop());
    await ensureTable(dynamo.endpoint, localDefaults.tableName);
    const eventsFile = join(home, eventDefaults.localFile);
    const publisher = await startStreamPublisher({
      endpoint: dynamo.endpoint,
      tableName: localDefaults.tableName,
      sink: new NdjsonFileEventSink(eventsFile),
      checkpointFile: join(home, 'events.checkpoint.json'),
    });
    cleanup.push(() => publisher.stop());

    const info: LocalStackInfo = {
      pid: process.pid,
      apiUrl: http.url,
      kmsEndpoint: kms.url,
      dynamoDbEndpoint: dynamo.endpoint,
      tableName: localDefaults.tableName,
      keyId: localDefaults.keyAlias,
      region: localDefaults.region,
      eventsFile,
    };
    writeFileSync(lockFile(home), JSON.stringify(info, null, 2), { mode: 0o600 });
    return {
      ...info,
      env,
      stop: async () => {
        http.server.closeAllConnections();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function takeLock(home: string): void {
  const running = readRunning(home);
  if (running) {
    const where = running.apiUrl ? ` at ${running.apiUrl}` : '';
    throw new AlreadyRunningError(`regcred is already running${where} (pid ${running.pid}, data in ${home}). Stop it with Ctrl-C first.`);
  }
  writeFileSync(lockFile(home), JSON.stringify({ pid: process.pid }), { mode: 0o600 });
}

async function choosePorts(port: number): Promise<[number, number, number]> {
  if (port !== 0) return [port, port + 1, port + 2];
  const probes = await Promise.all([0, 1, 2].map(() => listenOnFreePort()));
  const ports = probes.map((probe) => (probe.address() as { port: number }).port);
  await Promise.all(probes.map((probe) => new Promise((done) => probe.close(done))));
  return ports as [number, number, number];
}

// All three probes are held open together so the ports picked are distinct.
function listenOnFreePort(): Promise<ReturnType<typeof createServer>> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => done(probe));
  });
}

function portError(port: number, setting: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (error.code === 'EADDRINUSE') throw new Error(`Port ${port} is already in use; set ${setting} to another port.`);
    throw error;
  };
}
