// Measurement 6: AWS calls per operation, counted by an SDK middleware on each client, with the
// real handlers running against the local stack. Also the per-route latency the cost model uses.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { clientConfig } from '../functions/adapters/aws-clients.ts';
import { DynamoDbCredentialStore } from '../functions/adapters/dynamodb-credential-store.ts';
import { HttpsRegistryVerifier } from '../functions/adapters/https-registry-verifier.ts';
import { KmsPasswordEncryptor } from '../functions/adapters/kms-password-encryptor.ts';
import { newCredentialId } from '../functions/core/ids.ts';
import { addCredentialHandler } from '../functions/http/handlers/add-credential.ts';
import { deleteCredentialHandler } from '../functions/http/handlers/delete-credential.ts';
import { listCredentialsHandler } from '../functions/http/handlers/list-credentials.ts';
import type { Op } from './bundles.ts';
import { addBody, apiEvent, lambdaContext } from './events.ts';
import { countCalls, spread, withStdoutSink, type Spread } from './stats.ts';

export type Counts = { kms: Record<string, number>; dynamodb: Record<string, number> };

/** regcred's handlers wired as the Lambda entries wire them, plus call counters on both clients. */
export function countedHandlers(table = process.env['REGCRED_TABLE_NAME']!, dynamoEndpoint?: string) {
  const counts: Counts = { kms: {}, dynamodb: {} };
  const db = new DynamoDBClient({ ...clientConfig, ...(dynamoEndpoint && { endpoint: dynamoEndpoint }) });
  const kms = new KMSClient({ ...clientConfig });
  countCalls(db, counts.dynamodb);
  countCalls(kms, counts.kms);
  const store = new DynamoDbCredentialStore(db, table);
  const encryptor = new KmsPasswordEncryptor(kms, process.env['REGCRED_KMS_KEY_ID']!);
  const reset = () => {
    for (const k of Object.keys(counts.kms)) delete counts.kms[k];
    for (const k of Object.keys(counts.dynamodb)) delete counts.dynamodb[k];
  };
  return {
    counts,
    reset,
    add: addCredentialHandler({ store, encryptor, verifier: HttpsRegistryVerifier.fromEnv(), clock: { now: () => new Date() }, newId: newCredentialId }),
    list: listCredentialsHandler({ store }),
    delete: deleteCredentialHandler({ store }),
  };
}

export interface CallsResult {
  readonly perOperation: Record<Op, Counts>;
  /** Median in-process latency per route against the local stack (feeds the Lambda duration in the cost model). */
  readonly latencyMs: Record<Op, Spread>;
  readonly ok: Record<Op, boolean>;
}

export async function measureCalls(project: string, runs = 30): Promise<CallsResult> {
  const h = countedHandlers();
  const perOperation = {} as Record<Op, Counts>;
  const latencies: Record<Op, number[]> = { add: [], list: [], delete: [] };
  await withStdoutSink(async () => {
    for (let i = 0; i < runs; i++) {
      const snapshot = (op: Op) => {
        if (i === 0) perOperation[op] = structuredClone(h.counts);
        h.reset();
      };
      h.reset();
      let t = performance.now();
      const added = await h.add(apiEvent('add', { project }, addBody(`calls-${i}.example.com`)), lambdaContext('add'));
      latencies.add.push(performance.now() - t);
      if (added.statusCode !== 201) throw new Error(`add answered ${added.statusCode}`);
      snapshot('add');
      const id = JSON.parse(added.body as string).id as string;
      t = performance.now();
      const listed = await h.list(apiEvent('list', { project }), lambdaContext('list'));
      latencies.list.push(performance.now() - t);
      if (listed.statusCode !== 200) throw new Error(`list answered ${listed.statusCode}`);
      snapshot('list');
      t = performance.now();
      const deleted = await h.delete(apiEvent('delete', { project, id }), lambdaContext('delete'));
      latencies.delete.push(performance.now() - t);
      if (deleted.statusCode !== 204) throw new Error(`delete answered ${deleted.statusCode}`);
      snapshot('delete');
    }
  });
  const is = (c: Counts, kms: Record<string, number>, dynamodb: Record<string, number>) =>
    JSON.stringify(c.kms) === JSON.stringify(kms) && JSON.stringify(c.dynamodb) === JSON.stringify(dynamodb);
  return {
    perOperation,
    latencyMs: { add: spread(latencies.add), list: spread(latencies.list), delete: spread(latencies.delete) },
    ok: {
      add: is(perOperation.add, { Encrypt: 1 }, { TransactWriteItems: 1 }),
      list: is(perOperation.list, {}, { Query: 1 }),
      delete: is(perOperation.delete, {}, { GetItem: 1, TransactWriteItems: 1 }),
    },
  };
}
