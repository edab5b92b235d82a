// Measurement 4: requests per second on the local stack with autocannon (16 connections, 10 s),
// against DynamoDB Local driven directly with the SDK at the same concurrency.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { expandPath, routes } from '../functions/contract/routes.ts';
import { keyOf } from '../functions/contract/table.ts';
import { listQuery } from './baselines/bare.ts';
import { localDynamo } from './load.ts';
import { spread, type Spread } from './stats.ts';

export const connections = 16;

export interface ThroughputResult {
  readonly regcred: Spread;
  readonly direct: Spread;
  readonly ratio: number;
  readonly errors: number;
}

async function cannon(options: autocannon.Options): Promise<{ rps: number; errors: number }> {
  const result = await autocannon({ connections, duration: 10, ...options });
  return { rps: result.requests.average, errors: result.errors + result.non2xx + result.timeouts };
}

/** `connections` workers calling `call` back to back for `seconds`. */
async function direct(call: () => Promise<unknown>, seconds = 10): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < end) {
      await call();
      done++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return done / seconds;
}

const s = (S: string) => ({ S });

export async function measureThroughput(
  apiUrl: string,
  env: Record<string, string>,
  listProject: string,
  listRounds = 5,
  addRounds = 2,
): Promise<{ list: ThroughputResult; add: ThroughputResult }> {
  const db = localDynamo(env);
  const kms = new KMSClient({ region: env['AWS_REGION']!, endpoint: env['AWS_ENDPOINT_URL_KMS']!, credentials: { accessKeyId: 'regcredlocal', secretAccessKey: 'regcredlocal' } });
  const table = env['REGCRED_TABLE_NAME']!;
  const keyId = env['REGCRED_KMS_KEY_ID']!;
  const query = () => db.send(listQuery(table, listProject));
  const addProject = `bench-tp-${randomUUID().slice(0, 8)}`;
  let n = 0;
  const addDirect = async () => {
    const id = randomUUID();
    const server = `direct-${n++}.example.com`;
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('bench-password'), EncryptionContext: { project: addProject, credentialId: id } }));
    const p = s(keyOf.project(addProject));
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: p, sk: s(keyOf.registryGuard(server)), credentialId: s(id) }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: table, Item: { pk: p, sk: s(keyOf.credential(id)), id: s(id), server: s(server), registry: s(server), createdAt: s(new Date().toISOString()), ciphertext: { B: encrypted.CiphertextBlob! } }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  };
  const listUrl = apiUrl + expandPath(routes.listCredentials.path, { project: listProject });
  const addUrl = apiUrl + expandPath(routes.addCredential.path, { project: addProject });
  let m = 0;
  const addRequest = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    setupRequest: (req: Record<string, unknown>) => ({
      ...req,
      body: JSON.stringify({ server: `cannon-${m++}.example.com`, username: 'robot', password: 'bench-password' }),
    }),
  };

  // Warm both paths (JIT, connection pools) before measuring.
  await cannon({ url: listUrl, duration: 2 });
  await direct(query, 2);
  const out = { list: { regcred: [] as number[], direct: [] as number[], errors: 0 }, add: { regcred: [] as number[], direct: [] as number[], errors: 0 } };
  // Each round measures both sides back to back, alternating which goes first, so the machine's
  // drift (other processes on a shared box) hits both sides alike.
  const listRound = async (round: number) => {
    const viaRegcred = async () => {
      const l = await cannon({ url: listUrl });
      out.list.regcred.push(l.rps);
      out.list.errors += l.errors;
    };
    const viaSdk = async () => void out.list.direct.push(await direct(query));
    for (const run of round % 2 ? [viaSdk, viaRegcred] : [viaRegcred, viaSdk]) await run();
  };
  const addRound = async (round: number) => {
    const viaRegcred = async () => {
      const a = await cannon({ url: addUrl, requests: [addRequest] });
      out.add.regcred.push(a.rps);
      out.add.errors += a.errors;
    };
    const viaSdk = async () => void out.add.direct.push(await direct(addDirect));
    for (const run of round % 2 ? [viaSdk, viaRegcred] : [viaRegcred, viaSdk]) await run();
  };
  for (let round = 0; round < listRounds; round++) await listRound(round);
  for (let round = 0; round < addRounds; round++) await addRound(round);
  db.destroy();
  kms.destroy();
  const summary = (x: { regcred: number[]; direct: number[]; errors: number }): ThroughputResult => {
    const regcred = spread(x.regcred);
    const directRate = spread(x.direct);
    return { regcred, direct: directRate, ratio: regcred.median / directRate.median, errors: x.errors };
  };
  return { list: summary(out.list), add: summary(out.add) };
}
