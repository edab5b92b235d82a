// The embedded default: DynamoDB Local, the local KMS endpoint and the HTTP API, on this machine,
// with the handlers reaching both through the normal SDK clients (endpoint overrides only).
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { envNames } from '../functions/contract/config.ts';
import { eventDefaults } from '../functions/contract/events.ts';
import { tableKeys } from '../functions/contract/table.ts';
import { startDynamoDbGate } from './aws/dynamodb-gate.ts';
import { LocalEventBus } from './aws/events.ts';
import { LocalSecrets } from './aws/secrets.ts';
import { startAwsEndpoint } from './aws/server.ts';
import { LocalQueues } from './aws/sqs.ts';
import { ensureTable, loopbackHost, startDynamoDbLocal } from './dynamodb-local.ts';
import { healthCheck } from './health.ts';
import { startHttpServer } from './http-server.ts';
import { createGate } from './iam/gate.ts';
import { PrincipalDirectory } from './iam/principals.ts';
import { LocalKeyStore, kmsService } from './kms-server.ts';
import { localAccountId } from './lambda-event.ts';
import { repoRoot } from './paths.ts';
import {
  apiAuthoriser,
  bindRoutes,
  closeServer,
  deliverStreamBatch,
  localApiId,
  runAllSchedules,
  startFunctions,
  writeCredentialsFile,
  type ScheduleRun,
} from './run-template.ts';
import { localCredentials, localRegion } from './sigv4-verifier.ts';
import { startStreamPublisher } from './stream-publisher.ts';
import { startSqsSource } from './lambda/sqs-source.ts';
import type { FunctionError, LocalFunctionRuntime } from './lambda/runtime.ts';
import { stackName, synthesise, type Template } from './template/synth.ts';
import { loadWorld } from './template/world.ts';

export { repoRoot };
export const localDefaults = {
  home: join(repoRoot, '.regcred'),
  port: 3000,
  region: localRegion,
  tableName: 'regcred-credentials',
  keyAlias: 'alias/regcred',
} as const;

export interface LocalStackOptions {
  readonly home?: string;
  /** API port; the local AWS endpoint (KMS, SQS, EventBridge, Secrets Manager) takes port + 1 and DynamoDB (through the IAM gate) port + 2. 0 picks free ports. */
  readonly port?: number;
  /** Called once if a dependency dies while the stack runs (DynamoDB Local's Java exiting). */
  readonly onFailure?: (message: string) => void;
  /** Extra cdk context for the synthesis, e.g. `{ 'regcred:grantsFile': 'test/fixtures/grants.json' }`. */
  readonly context?: Record<string, string>;
  /** Tests only: change the synthesised template before the stack runs it (a positive control removes a statement). */
  readonly transformTemplate?: (template: Template) => Template;
  /**
   * Events still reach events.ndjson, but no rule's target: the shared test stack, where a check
   * queued by the Credential Added rule would race every test's own view of its credentials.
   */
  readonly pauseRules?: boolean;
  /** The functions reach loopback registries only and resolve no other name (REGCRED_OFFLINE=1; the test stacks). */
  readonly offline?: boolean;
  /** Where the stack reports synthesis and IAM denials. @default stderr */
  readonly log?: (line: string) => void;
}

export interface LocalStackInfo {
  readonly pid: number;
  readonly apiUrl: string;
  readonly kmsEndpoint: string;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  readonly keyId: string;
  readonly region: string;
  /** The local AWS endpoint: KMS, SQS, EventBridge and Secrets Manager. */
  readonly awsEndpoint: string;
  /** Where the event bus appends the events (`regcred events tail` reads it). */
  readonly eventsFile: string;
  /** The AWS shared credentials file with a profile per grant principal (and the local administrator). */
  readonly credentialsFile: string;
}

export interface LocalStack extends LocalStackInfo {
  /** Environment for SDK clients talking to this stack as the local administrator. */
  readonly env: Record<string, string>;
  /** Whether this start ran `cdk synth` (false: the cached assembly). */
  readonly synthesised: boolean;
  /** Every function of the template that runs here, by its local name. */
  readonly functions: ReadonlyMap<string, { readonly logicalId: string; invoke(event: unknown): Promise<unknown> }>;
  /** Runs every schedule of the template now, as EventBridge Scheduler would. */
  runSchedules(): Promise<ScheduleRun[]>;
  stop(): Promise<void>;
}

/**
 * What SDK clients (and handlers run in a test process) need to talk to a local stack as its
 * administrator, who passes the IAM gate as an account admin would. The stack's own functions get
 * their roles' keys instead (local/run-template.ts).
 */
export function localEnvironment(dynamoDbEndpoint: string, awsEndpoint: string): Record<string, string> {
  return {
    AWS_REGION: localDefaults.region,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    AWS_ENDPOINT_URL_KMS: awsEndpoint,
    AWS_ENDPOINT_URL_SQS: awsEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: awsEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: awsEndpoint,
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
  const log = options.log ?? ((line: string) => console.error(line));
  const home = resolve(options.home ?? localDefaults.home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700); // mkdir's mode applies only when it creates the directory
  takeLock(home);
  const cleanup: Array<() => Promise<void> | void> = [() => rmSync(lockFile(home), { force: true })];
  // Every step runs, whatever an earlier one threw: Java and the lock file never outlive a failed one.
  const stop = async () => {
    for (const step of cleanup.reverse().splice(0)) await Promise.resolve().then(step).catch((error: Error) => log(`regcred local: stopping: ${error.message}`));
  };
  try {
    // Synthesis first: the template decides what runs. Cached by its inputs, so usually instant.
    const assembly = await synthesise({ context: options.context ?? {}, log });
    const template = options.transformTemplate ? options.transformTemplate(structuredClone(assembly.template)) : assembly.template;
    const [apiPort, awsPort, gatePort] = await choosePorts(options.port ?? localDefaults.port);
    const dynamoPort = await freePort();
    const keys = new LocalKeyStore(join(home, 'kms-keys.json'), localDefaults.region);
    ownerOnly(home);

    const dynamo = await startDynamoDbLocal(join(home, 'dynamodb'), dynamoPort);
    cleanup.push(() => dynamo.stop());
    const streamArn = await ensureTable(dynamo.endpoint, localDefaults.tableName);
    ownerOnly(join(home, 'dynamodb'));

    const awsUrl = `http://${loopbackHost}:${awsPort}`;
    const world = loadWorld(
      { ...assembly, template },
      {
        pseudo: { account: localAccountId, region: localDefaults.region, stackName },
        tableName: localDefaults.tableName,
        tableStreamArn: streamArn,
        keyArn: (alias) => keys.ensureAlias(alias),
        sqsEndpoint: awsUrl,
        apiId: localApiId,
      },
    );
    ownerOnly(home);

    // Every principal of the template gets its own keys; every AWS call is authorised as AWS would.
    const principals = new PrincipalDirectory(home);
    const sessionNames = new Map(world.functions.map((f) => [f.role.arn, f.name]));
    for (const role of world.roles.values()) principals.addRole({ roleArn: role.arn, sessionName: sessionNames.get(role.arn) ?? role.name, policies: role.policies, permissionBoundary: role.permissionBoundary });
    const gate = createGate({ region: localDefaults.region, account: localAccountId, principals, log });

    const queues = new LocalQueues(world.queues);
    const eventsFile = join(home, eventDefaults.localFile);
    const bus = new LocalEventBus({ region: localDefaults.region, account: localAccountId, file: eventsFile, rules: world.rules, queues, log, deliverToTargets: options.pauseRules !== true });
    const secrets = new LocalSecrets(join(home, 'secrets.json'), localDefaults.region, localAccountId);
    const functionsByName = new Map<string, LocalFunctionRuntime>();
    const runtimeOf = (name: string) => functionsByName.get(name) ?? [...functionsByName.values()].find((f) => f.fn.arn === name);
    const aws = await startAwsEndpoint({
      services: [kmsService(keys, (arn) => world.keyPolicies.get(arn)), queues, bus, secrets],
      gate,
      port: awsPort,
      host: loopbackHost,
      lambda: {
        arnOf: (name) => runtimeOf(name)?.fn.arn,
        invoke: async (name, payload) => {
          try {
            return { payload: await runtimeOf(name)!.invoke(payload) };
          } catch (error) {
            const e = error as FunctionError;
            return { payload: { errorType: e.errorType ?? 'Error', errorMessage: e.message }, functionError: 'Unhandled' };
          }
        },
      },
    }).catch(portError(awsPort, 'PORT (+1, for the local AWS endpoint)'));
    cleanup.push(() => closeServer(aws.server));
    const gateway = await startDynamoDbGate({
      upstream: dynamo.endpoint,
      gate,
      region: localDefaults.region,
      account: localAccountId,
      hashKeyOf: (table) => (table === localDefaults.tableName ? tableKeys.partition : undefined),
      port: gatePort,
      host: loopbackHost,
    }).catch(portError(gatePort, 'PORT (+2, for DynamoDB)'));
    cleanup.push(() => closeServer(gateway.server));

    const functions = startFunctions(world, principals, {
      AWS_REGION: localDefaults.region,
      AWS_DEFAULT_REGION: localDefaults.region,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: gateway.url,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: gateway.url,
      AWS_ENDPOINT_URL_KMS: aws.url,
      AWS_ENDPOINT_URL_SQS: aws.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
      AWS_ENDPOINT_URL_LAMBDA: aws.url,
      // Any other service a bundle might call answers here too (UnknownOperationException), never AWS.
      AWS_ENDPOINT_URL: aws.url,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      // The one local-only setting (README): loopback and private registries over http may be checked
      // here; an offline stack (the tests') reaches loopback registries only, with no DNS query.
      [envNames.allowInsecureRegistries]: options.offline ? 'loopback' : 'true',
    });
    for (const [name, runtime] of functions) functionsByName.set(name, runtime);
    // Booted before the port opens, so the first request does not wait for a worker to import its bundle.
    await Promise.all([...functions.values()].map((f) => f.warm()));
    cleanup.push(() => Promise.all([...functions.values()].map((f) => f.stop())).then(() => undefined));

    for (const mapping of world.eventSourceMappings) {
      const target = functions.get(mapping.functionName);
      if (!target) throw new Error(`event source mapping to ${mapping.functionName}, which the local stack does not run`);
      const credentials = principals.keysOf(target.fn.role.arn)!;
      if (mapping.sourceArn === streamArn) {
        const publisher = await startStreamPublisher({
          endpoint: gateway.url,
          streamArn,
          credentials,
          checkpointFile: join(home, 'events.checkpoint.json'),
          deliver: (records) => deliverStreamBatch(target, streamArn, records, log),
        });
        cleanup.push(() => publisher.stop());
        continue;
      }
      const queue = world.queues.find((q) => q.arn === mapping.sourceArn);
      if (!queue) throw new Error(`event source mapping from ${mapping.sourceArn}, which the local stack does not have`);
      const source = startSqsSource({ mapping, queueUrl: queue.url, endpoint: aws.url, region: localDefaults.region, credentials, fn: target, onMessage: (l) => queues.onMessage(l), log });
      cleanup.push(() => source.stop());
    }
    const runSchedules = () => runAllSchedules(world, functions, gate, principals);

    const grantsFile = writeCredentialsFile(home, world, principals, options.context ?? {});
    const health = healthCheck({
      region: localDefaults.region,
      dynamoDbEndpoint: gateway.url,
      kmsEndpoint: aws.url,
      tableName: localDefaults.tableName,
      keyId: localDefaults.keyAlias,
    });
    const bound = bindRoutes(world, functions, log);
    const verify = apiAuthoriser(world, principals, gate, grantsFile.principals);
    const http = await startHttpServer(bound, health, apiPort, loopbackHost, verify, { runSchedules }).catch(portError(apiPort, 'PORT'));
    cleanup.push(() => closeServer(http.server));
    http.server.closeIdleConnections();
    dynamo.onUnexpectedExit((how) => options.onFailure?.(`DynamoDB Local (Java) stopped unexpectedly (${how}).`));

    const info: LocalStackInfo = {
      pid: process.pid,
      apiUrl: http.url,
      kmsEndpoint: aws.url,
      awsEndpoint: aws.url,
      dynamoDbEndpoint: gateway.url,
      tableName: localDefaults.tableName,
      keyId: localDefaults.keyAlias,
      region: localDefaults.region,
      eventsFile,
      credentialsFile: grantsFile.path,
    };
    writeLock(home, info);
    return {
      ...info,
      env: localEnvironment(gateway.url, aws.url),
      synthesised: assembly.synthesised,
      functions: new Map([...functions].map(([name, rt]) => [name, { logicalId: rt.fn.logicalId, invoke: (event: unknown) => rt.invoke(event) }])),
      runSchedules,
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

/** One free loopback port (DynamoDB Local's: behind the gate, nobody needs to know it in advance). */
async function freePort(): Promise<number> {
  const probe = await listenOnFreePort();
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
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
