// Measurement 3: warm per-invocation overhead, in process, with every SDK call answered from memory.
// regcred's handlers (middy, zod, Powertools logging at INFO, domain code) against bare handlers
// making the same SDK calls through identically configured clients.
import { DynamoDbCredentialStore } from '../functions/adapters/dynamodb-credential-store.ts';
import { HttpsRegistryVerifier } from '../functions/adapters/https-registry-verifier.ts';
import { KmsPasswordEncryptor } from '../functions/adapters/kms-password-encryptor.ts';
import { newCredentialId } from '../functions/core/ids.ts';
import { addCredentialHandler } from '../functions/http/handlers/add-credential.ts';
import { deleteCredentialHandler } from '../functions/http/handlers/delete-credential.ts';
import { listCredentialsHandler } from '../functions/http/handlers/list-credentials.ts';
import { bareAdd, bareDelete, bareList, dynamoClient, kmsClient } from './baselines/bare.ts';
import { ops, type Op } from './bundles.ts';
import { addBody, apiEvent, lambdaContext } from './events.ts';
import { InMemoryRequestHandler } from './in-memory-aws.ts';
import { percentile, spread, withStdoutSink, type Spread } from './stats.ts';

export type Invoke = () => Promise<{ statusCode?: number }>;

export interface WarmResult {
  readonly invocations: number;
  readonly p50Us: { regcred: number; baseline: number };
  readonly p99Us: { regcred: number; baseline: number };
  /** p50 ratio per round, so the noise between rounds is visible. */
  readonly p50RatioRounds: Spread;
  readonly p50Ratio: number;
  readonly logBytesPerRequest: number;
  readonly logLinesPerRequest: number;
}

const project = 'bench-warm';
const id = '0190a0b0-0000-7000-8000-000000000001';

function invokers(op: Op): { regcred: Invoke; baseline: Invoke } {
  const requestHandler = new InMemoryRequestHandler();
  const store = DynamoDbCredentialStore.fromEnv({ requestHandler });
  const table = process.env['REGCRED_TABLE_NAME'] ?? '';
  const db = dynamoClient({ requestHandler });
  let n = 0;
  switch (op) {
    case 'add': {
      const handler = addCredentialHandler({
        store,
        encryptor: KmsPasswordEncryptor.fromEnv({ requestHandler }),
        verifier: HttpsRegistryVerifier.fromEnv(),
        clock: { now: () => new Date() },
        newId: newCredentialId,
      });
      const bare = bareAdd(kmsClient({ requestHandler }), db, table, process.env['REGCRED_KMS_KEY_ID'] ?? '');
      const event = () => apiEvent('add', { project }, addBody(`registry-${n++}.example.com`));
      return { regcred: () => handler(event(), lambdaContext(op)), baseline: () => bare(event()) };
    }
    case 'list': {
      const handler = listCredentialsHandler({ store });
      const bare = bareList(db, table);
      return { regcred: () => handler(apiEvent('list', { project }), lambdaContext(op)), baseline: () => bare(apiEvent('list', { project })) };
    }
    case 'delete': {
      const handler = deleteCredentialHandler({ store });
      const bare = bareDelete(db, table);
      return {
        regcred: () => handler(apiEvent('delete', { project, id }), lambdaContext(op)),
        baseline: () => bare(apiEvent('delete', { project, id })),
      };
    }
  }
}

const expected = { add: 201, list: 200, delete: 204 } as const;

async function time(invoke: Invoke, count: number, status: number, into: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const result = await invoke();
    into.push(Number(process.hrtime.bigint() - started) / 1000);
    if (result.statusCode !== status) throw new Error(`warm bench: expected ${status}, got ${result.statusCode}`);
  }
}

export async function measureWarm(invocations = 10_000, rounds = 10): Promise<Record<Op, WarmResult>> {
  const results = {} as Record<Op, WarmResult>;
  for (const op of ops) results[op] = await measurePair(invokers(op), expected[op], invocations, rounds);
  return results;
}

/** One handler against its baseline: warm-up, then rounds alternating which side goes first. */
export async function measurePair(
  { regcred, baseline }: { regcred: Invoke; baseline: Invoke },
  status: number,
  invocations = 10_000,
  rounds = 10,
): Promise<WarmResult> {
  const perRound = Math.ceil(invocations / rounds);
  const all = { regcred: [] as number[], baseline: [] as number[] };
  const roundRatios: number[] = [];
  const sink = await withStdoutSink(async () => {
    await time(regcred, 500, status, []);
    await time(baseline, 500, status, []);
    for (let round = 0; round < rounds; round++) {
      const r: number[] = [];
      const b: number[] = [];
      // Alternate which side goes first so drift on a noisy machine hits both equally.
      if (round % 2) {
        await time(baseline, perRound, status, b);
        await time(regcred, perRound, status, r);
      } else {
        await time(regcred, perRound, status, r);
        await time(baseline, perRound, status, b);
      }
      roundRatios.push(percentile(r, 50) / percentile(b, 50));
      all.regcred.push(...r);
      all.baseline.push(...b);
    }
  });
  const regcredCalls = 500 + perRound * rounds;
  const p50 = { regcred: percentile(all.regcred, 50), baseline: percentile(all.baseline, 50) };
  return {
    invocations: all.regcred.length,
    p50Us: p50,
    p99Us: { regcred: percentile(all.regcred, 99), baseline: percentile(all.baseline, 99) },
    p50RatioRounds: spread(roundRatios),
    p50Ratio: p50.regcred / p50.baseline,
    logBytesPerRequest: sink.bytes / regcredCalls,
    logLinesPerRequest: sink.lines / regcredCalls,
  };
}
