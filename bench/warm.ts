// Measurement 3: warm per-invocation overhead, in process, with every SDK call answered from memory.
// regcred's handlers (middy, zod, Powertools logging at INFO, domain code) against bare handlers
// making the same SDK calls through identically configured clients. Both sides run call by call in
// the same rounds; the headline ratios are the medians of the per-round p50 and p99 ratios, which a
// shared, noisy machine moves far less than it moves absolute times.
import { PerformanceObserver } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
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

export interface WarmResult {
  readonly invocations: number;
  readonly rounds: number;
  /** Over every timed call of the run (all rounds pooled). */
  readonly p50Us: { regcred: number; baseline: number };
  readonly p99Us: { regcred: number; baseline: number };
  /** regcred / baseline per round, both sides timed call by call in the same round. */
  readonly p50RatioRounds: Spread;
  readonly p99RatioRounds: Spread;
  /** The headline ratios: the medians of the per-round ratios. */
  readonly p50Ratio: number;
  readonly p99Ratio: number;
  /** Garbage collections during the timed rounds, and how many of each side's slowest 1% overlapped one. */
  readonly gc: {
    readonly count: number;
    readonly pauseMs: Spread;
    readonly tail: Record<'regcred' | 'baseline', { calls: number; duringGc: number }>;
  };
  readonly logBytesPerRequest: number;
  readonly logLinesPerRequest: number;
}

/** Builds one invocation's event and context (untimed: Lambda hands them over) and returns the call to time. */
export type Invoke = () => () => Promise<{ statusCode?: number }>;

const project = 'bench-warm';
const id = '0190a0b0-0000-7000-8000-000000000001';

export function invokers(op: Op): { regcred: Invoke; baseline: Invoke } {
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
      return { regcred: () => invoke(handler, event(), op), baseline: () => invoke(bare, event()) };
    }
    case 'list': {
      const handler = listCredentialsHandler({ store });
      const bare = bareList(db, table);
      return { regcred: () => invoke(handler, apiEvent('list', { project }), op), baseline: () => invoke(bare, apiEvent('list', { project })) };
    }
    case 'delete': {
      const handler = deleteCredentialHandler({ store });
      const bare = bareDelete(db, table);
      return {
        regcred: () => invoke(handler, apiEvent('delete', { project, id }), op),
        baseline: () => invoke(bare, apiEvent('delete', { project, id })),
      };
    }
  }
}

function invoke<E, R>(handler: (event: E, context: Context) => Promise<R>, event: E, op?: Op): () => Promise<R> {
  const context = op ? lambdaContext(op) : ({} as Context);
  return () => handler(event, context);
}

const expected = { add: 201, list: 200, delete: 204 } as const;
export const warmUpCalls = 500;

interface Call {
  readonly at: number;
  readonly us: number;
}

async function timed(prepare: Invoke, status: number): Promise<Call> {
  const call = prepare();
  const at = performance.now();
  const result = await call();
  const us = (performance.now() - at) * 1000;
  if (result.statusCode !== status) throw new Error(`warm bench: expected ${status}, got ${result.statusCode}`);
  return { at, us };
}

/** One round: regcred and the baseline alternate call by call (and which goes first), so load on a
 * shared machine and garbage collections land on both sides alike. */
async function round(sides: { regcred: Invoke; baseline: Invoke }, pairs: number, status: number) {
  const r: Call[] = [];
  const b: Call[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2) {
      b.push(await timed(sides.baseline, status));
      r.push(await timed(sides.regcred, status));
    } else {
      r.push(await timed(sides.regcred, status));
      b.push(await timed(sides.baseline, status));
    }
  }
  return { r, b };
}

/** Garbage collections seen while `fn` runs, as [start, end] in performance.now() milliseconds. */
async function withGcLog<T>(fn: () => Promise<T>): Promise<{ value: T; gcs: [number, number][] }> {
  const gcs: [number, number][] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push([entry.startTime, entry.startTime + entry.duration]);
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const value = await fn();
    // GC entries reach observers only once the event loop turns, which the timed loop never lets it do.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { value, gcs };
  } finally {
    observer.disconnect();
  }
}

/** The slowest 1% of calls, and how many of them overlapped a garbage collection. */
function tail(calls: readonly Call[], gcs: readonly [number, number][]): { calls: number; duringGc: number } {
  const slowest = [...calls].sort((x, y) => y.us - x.us).slice(0, Math.ceil(calls.length / 100));
  const duringGc = slowest.filter((c) => gcs.some(([start, end]) => start < c.at + c.us / 1000 && end > c.at)).length;
  return { calls: slowest.length, duringGc };
}

export async function measureWarm<O extends Op = Op>(
  invocations = 20_000,
  rounds = 20,
  only: readonly O[] = ops as readonly O[],
): Promise<Record<O, WarmResult>> {
  const results = {} as Record<O, WarmResult>;
  for (const op of only) results[op] = await measurePair(invokers(op), expected[op], invocations, rounds);
  return results;
}

/** One handler against its baseline, call by call in the same rounds (the update and resolve benches use it too). */
export async function measurePair(sides: { regcred: Invoke; baseline: Invoke }, status: number, invocations = 20_000, rounds = 20): Promise<WarmResult> {
  const perRound = Math.ceil(invocations / rounds);
  const all = { regcred: [] as Call[], baseline: [] as Call[] };
  const ratios = { p50: [] as number[], p99: [] as number[] };
  const us = (calls: readonly Call[]) => calls.map((c) => c.us);
  const { value: sink, gcs } = await withGcLog(() =>
    withStdoutSink(async () => {
      await round(sides, warmUpCalls, status);
      for (let n = 0; n < rounds; n++) {
        const { r, b } = await round(sides, perRound, status);
        ratios.p50.push(percentile(us(r), 50) / percentile(us(b), 50));
        ratios.p99.push(percentile(us(r), 99) / percentile(us(b), 99));
        all.regcred.push(...r);
        all.baseline.push(...b);
      }
    }),
  );
  const regcredCalls = warmUpCalls + perRound * rounds;
  const p50RatioRounds = spread(ratios.p50);
  const p99RatioRounds = spread(ratios.p99);
  const first = all.regcred[0]?.at ?? 0;
  const timedGcs = gcs.filter(([start]) => start >= first);
  return {
    invocations: all.regcred.length,
    rounds,
    p50Us: { regcred: percentile(us(all.regcred), 50), baseline: percentile(us(all.baseline), 50) },
    p99Us: { regcred: percentile(us(all.regcred), 99), baseline: percentile(us(all.baseline), 99) },
    p50RatioRounds,
    p99RatioRounds,
    p50Ratio: p50RatioRounds.median,
    p99Ratio: p99RatioRounds.median,
    gc: {
      count: timedGcs.length,
      pauseMs: spread(timedGcs.map(([start, end]) => end - start)),
      tail: { regcred: tail(all.regcred, timedGcs), baseline: tail(all.baseline, timedGcs) },
    },
    logBytesPerRequest: sink.bytes / regcredCalls,
    logLinesPerRequest: sink.lines / regcredCalls,
  };
}

/** The warm figures as a short table on stderr (`npm run bench -- --only warm`). */
export function printWarm(results: Partial<Record<Op, WarmResult>>): void {
  const f = (s: Spread) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
  for (const [op, w] of Object.entries(results)) {
    console.error(
      `${op.padEnd(6)} p50 ratio ${f(w.p50RatioRounds)}  p99 ratio ${f(w.p99RatioRounds)}  ` +
        `p50 ${w.p50Us.regcred.toFixed(0)}/${w.p50Us.baseline.toFixed(0)} µs  p99 ${w.p99Us.regcred.toFixed(0)}/${w.p99Us.baseline.toFixed(0)} µs  ` +
        `slowest 1% during GC ${w.gc.tail.regcred.duringGc}/${w.gc.tail.regcred.calls} vs ${w.gc.tail.baseline.duringGc}/${w.gc.tail.baseline.calls}`,
    );
  }
}
