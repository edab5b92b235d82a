// Measurement 5: list latency with 100,000 items of other projects in the table against a table
// holding only the listed project, and the number of DynamoDB calls to list 1,000 credentials.
// Runs against its own in-memory DynamoDB Local (see scale-db.ts), with the real list handler.
import { limits } from '../functions/contract/config.ts';
import { createCredentialsTable } from '../local/dynamodb-local.ts';
import { batchPut, credentialItems, localDynamo } from './load.ts';
import { countedHandlers } from './calls.ts';
import { apiEvent, lambdaContext } from './events.ts';
import { spread, withStdoutSink, type Spread } from './stats.ts';

export interface ScaleResult {
  readonly emptyMs: Spread;
  readonly fullMs: Spread;
  readonly ratio: number;
  readonly otherItems: number;
  readonly loadSeconds: number;
  readonly listCalls1000: number;
  readonly listCalls1000Expected: number;
  readonly pageLimit: number;
  readonly listed1000: number;
}

const project = 'bench-scale';
const listed = 50;

export async function measureScale(env: Record<string, string>, otherItems = 100_000, samples = 200): Promise<ScaleResult> {
  const db = localDynamo(env);
  const empty = `bench-scale-empty-${Date.now()}`;
  const full = `bench-scale-full-${Date.now()}`;
  await createCredentialsTable(db, empty);
  await createCredentialsTable(db, full);
  const ours = Array.from({ length: listed }, (_, i) => credentialItems(project, i)).flat();
  await batchPut(db, empty, ours);
  const started = performance.now();
  // Other projects: 1,000 projects of 50 credentials, each with its guard item (2 items per credential).
  const others = [];
  for (let i = 0; i < otherItems / 2; i++) others.push(...credentialItems(`other-${i % 1000}`, i));
  await batchPut(db, full, [...ours, ...others]);
  const loadSeconds = (performance.now() - started) / 1000;

  const onEmpty = countedHandlers(empty, env['AWS_ENDPOINT_URL_DYNAMODB']);
  const onFull = countedHandlers(full, env['AWS_ENDPOINT_URL_DYNAMODB']);
  const times = { empty: [] as number[], full: [] as number[] };
  const once = async (h: typeof onEmpty, into: number[]) => {
    const t = performance.now();
    const r = await h.list(apiEvent('list', { project }), lambdaContext('list'));
    into.push(performance.now() - t);
    if (r.statusCode !== 200 || JSON.parse(r.body as string).items.length !== listed) throw new Error('scale list failed');
  };

  // 1,000 credentials listed page by page at the largest page size.
  const thousand = 'bench-scale-1000';
  await batchPut(db, full, Array.from({ length: 1000 }, (_, i) => credentialItems(thousand, i)).flat());
  const pageLimit = limits.maxPageSize;
  const { value: result } = await withStdoutSink(async () => {
    for (let i = 0; i < 20; i++) {
      await once(onEmpty, []);
      await once(onFull, []);
    }
    // Alternating blocks of 10, so drift affects both tables equally.
    for (let block = 0; block < samples / 10; block++) {
      for (let i = 0; i < 10; i++) await once(onEmpty, times.empty);
      for (let i = 0; i < 10; i++) await once(onFull, times.full);
    }
    onFull.reset();
    let nextToken: string | null = null;
    let count = 0;
    do {
      const query: Record<string, string> = { limit: String(pageLimit), ...(nextToken && { nextToken }) };
      const event = { ...apiEvent('list', { project: thousand }), queryStringParameters: query };
      const r = await onFull.list(event, lambdaContext('list'));
      const page = JSON.parse(r.body as string) as { items: unknown[]; nextToken: string | null };
      count += page.items.length;
      nextToken = page.nextToken;
    } while (nextToken);
    return { calls: onFull.counts.dynamodb['Query'] ?? 0, count, kms: Object.keys(onFull.counts.kms).length };
  });
  db.destroy();
  const emptyMs = spread(times.empty);
  const fullMs = spread(times.full);
  return {
    emptyMs,
    fullMs,
    ratio: fullMs.median / emptyMs.median,
    otherItems: others.length,
    loadSeconds,
    listCalls1000: result.calls,
    listCalls1000Expected: Math.ceil(1000 / pageLimit),
    pageLimit,
    listed1000: result.count,
  };
}
