// The embedded default: DynamoDB Local, the local KMS endpoint and the HTTP API, on this machine,
// with the handlers reaching both through the normal SDK clients (endpoint overrides only).
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { envNames } from '../functions/contract/config.ts';
import { eventDefaults } from '../functions/contract/events.ts';
import { routeList } from '../functions/contract/routes.ts';
import { ensureTable, loopbackHost, startDynamoDbLocal } from './dynamodb-local.ts';
import { healthCheck } from './health.ts';
import { maxConcurrentInvocations, startHttpServer, type BoundRoute } from './http-server.ts';
import { invocationScope } from './invocation-scope.ts';
import { LocalKeyStore, startKmsServer } from './kms-server.ts';
import { localCredentials, localRegion } from './sigv4-verifier.ts';
import { NdjsonFileEventSink } from './event-file.ts';
import { startStreamPublisher } from './stream-publisher.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const localDefaults = {
  home: join(repoRoot, '.regcred'),
  port: 3000,
  region: localRegion,
  tableName: 'regcred-credentials',
  keyAlias: 'alias/regcred',
} as const;

export interface LocalStackOptions {
  readonly home?: string;
  /** API port; the KMS endpoint takes port + 1 and DynamoDB Local port + 2. 0 picks free ports. */
  readonly port?: number;
  /** Called once if a dependency dies while the stack runs (DynamoDB Local's Java exiting). */
  readonly onFailure?: (message: string) => void;
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
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
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
  await invocationScope(maxConcurrentInvocations); // before any SDK call, see there
  const home = resolve(options.home ?? localDefaults.home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700); // mkdir's mode applies only when it creates the directory
  takeLock(home);
  const cleanup: Array<() => Promise<void> | void> = [() => rmSync(lockFile(home), { force: true })];
  const stop = async () => {
    for (const step of cleanup.reverse().splice(0)) await step();
  };
  try {
    const [apiPort, kmsPort, dynamoPort] = await choosePorts(options.port ?? localDefaults.port);
    const keys = new LocalKeyStore(join(home, 'kms-keys.json'), localDefaults.region);
    keys.ensureAlias(localDefaults.keyAlias);
    ownerOnly(home);

    // Dependencies first: the API port opens only once the table and the key answer, so whatever
    // waits for the port can use the API at once.
    const kms = await startKmsServer(keys, kmsPort, loopbackHost).catch(portError(kmsPort, 'PORT (+1, for KMS)'));
    cleanup.push(() => new Promise<void>((done) => kms.server.close(() => done())));
    const dynamo = await startDynamoDbLocal(join(home, 'dynamodb'), dynamoPort);
    cleanup.push(() => dynamo.stop());
    await ensureTable(dynamo.endpoint, localDefaults.tableName);
    ownerOnly(join(home, 'dynamodb'));
    const eventsFile = join(home, eventDefaults.localFile);
    const publisher = await startStreamPublisher({
      endpoint: dynamo.endpoint,
      tableName: localDefaults.tableName,
      sink: new NdjsonFileEventSink(eventsFile),
      checkpointFile: join(home, 'events.checkpoint.json'),
    });
    cleanup.push(() => publisher.stop());

    const env = localEnvironment(dynamo.endpoint, kms.url);
    delete process.env['AWS_PROFILE'];
    Object.assign(process.env, env);
    const bound: BoundRoute[] = await Promise.all(
      routeList.map(async (route) => {
        const module = (await import(pathToFileURL(join(repoRoot, route.entry)).href)) as { handler: BoundRoute['handler'] };
        return { route, handler: module.handler };
      }),
    );
    const health = healthCheck({
      region: localDefaults.region,
      dynamoDbEndpoint: dynamo.endpoint,
      kmsEndpoint: kms.url,
      tableName: localDefaults.tableName,
      keyId: localDefaults.keyAlias,
    });
    const http = await startHttpServer(bound, health, apiPort, loopbackHost).catch(portError(apiPort, 'PORT'));
    cleanup.push(() => new Promise<void>((done) => http.server.close(() => done())));
    http.server.closeIdleConnections();
    dynamo.onUnexpectedExit((how) => options.onFailure?.(`DynamoDB Local (Java) stopped unexpectedly (${how}).`));

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
    writeLock(home, info);
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

/** The data directory and every file in it: the owner's only, also when they existed before. */
function ownerOnly(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) chmodSync(join(dir, entry.name), 0o600);
  }
}

function writeLock(home: string, content: unknown): void {
  writeFileSync(lockFile(home), JSON.stringify(content, null, 2), { mode: 0o600 });
  chmodSync(lockFile(home), 0o600);
}

function takeLock(home: string): void {
  const running = readRunning(home);
  if (running) {
    const where = running.apiUrl ? ` at ${running.apiUrl}` : '';
    throw new AlreadyRunningError(`regcred is already running${where} (pid ${running.pid}, data in ${home}). Stop it with Ctrl-C first.`);
  }
  writeLock(home, { pid: process.pid });
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
    probe.listen(0, loopbackHost, () => done(probe));
  });
}

function portError(port: number, setting: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (error.code === 'EADDRINUSE') throw new Error(`Port ${port} is already in use; set ${setting} to another port.`);
    throw error;
  };
}
