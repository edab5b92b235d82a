// The resolve route (GET /projects/{project}/registry-auth?image=): bundle size, cold start and warm
// overhead against an SDK-only baseline making the same calls (BatchGetItem + Query, GetItem, Decrypt), and
// latency with 1,000 credentials in the project against 1.
import { readFileSync } from 'node:fs';
import { EncryptCommand } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoDbCredentialReader } from '../functions/adapters/dynamodb-credential-reader.ts';
import { KmsPasswordDecryptor } from '../functions/adapters/kms-password-decryptor.ts';
import { routes } from '../functions/contract/routes.ts';
import { keyOf } from '../functions/contract/table.ts';
import { resolveRegistryAuthHandler } from '../functions/http/handlers/resolve-registry-auth.ts';
import { apiGatewayEvent, lambdaContext } from '../local/lambda-event.ts';
import { dynamoClient, kmsClient } from './baselines/bare.ts';
import { bareResolve } from './baselines/bare-resolve.ts';
import type { Bundles } from './bundles.ts';
import { runOnce, type Sample } from './cold-start.ts';
import { InMemoryRequestHandler, inMemoryBodies } from './in-memory-aws.ts';
import { batchPut, credentialItems, localDynamo } from './load.ts';
import { countCalls, percentile, round, spread, withStdoutSink, type Spread } from './stats.ts';

export const resolveTargets = { bundleKB: 550, coldStartRatio: 1, warmP50Ratio: 1.3, scaleRatio: 1.2 } as const;

export interface ResolveResult {
  readonly bundle: { bytes: number; baselineBytes: number; decrypt: boolean; encrypt: boolean };
  readonly cold: { regcred: Spread; baseline: Spread; ratio: number; importAndInvoke: { regcred: Spread; baseline: Spread; ratio: number }; runs: number };
  readonly warm: { p50Us: { regcred: number; baseline: number }; p99Us: { regcred: number; baseline: number }; p50Ratio: number; invocations: number };
  readonly scale: { oneMs: Spread; thousandMs: Spread; ratio: number; calls: { one: Record<string, number>; thousand: Record<string, number> } };
}

// The credential every measurement resolves: registry-0.example.com (credentialItems' first), matched
// from an image two path components below it, so the lookup tries three candidate keys.
const image = 'registry-0.example.com/team/app:1.0';
const targetId = '0190a0b0-0000-7000-8000-000000000000';

function resolveEvent(project: string): APIGatewayProxyEventV2 {
  return apiGatewayEvent({ route: routes.resolveRegistryAuth, pathParameters: { project }, query: { image }, apiId: 'bench' });
}

/** `credentials` credential items (with guards) in a project; the target's ciphertext is real, the others are filler. */
async function seed(env: Record<string, string>, project: string, credentials: number): Promise<void> {
  const kms = kmsClient();
  const encrypted = await kms.send(
    new EncryptCommand({ KeyId: env['REGCRED_KMS_KEY_ID'], Plaintext: Buffer.from('bench-resolve-password'), EncryptionContext: { project, credentialId: targetId } }),
  );
  kms.destroy();
  const items = Array.from({ length: credentials }, (_, i) => credentialItems(project, i)).flat();
  items[0] = { ...items[0]!, ciphertext: { B: encrypted.CiphertextBlob! } };
  const db = localDynamo(env);
  await batchPut(db, env['REGCRED_TABLE_NAME']!, items);
  db.destroy();
}

export async function measureResolve(bundles: Bundles, env: Record<string, string>, coldRuns = 60): Promise<ResolveResult> {
  const projects = { one: 'bench-resolve-1', thousand: 'bench-resolve-1000' };
  await seed(env, projects.one, 1);
  await seed(env, projects.thousand, 1000);
  const bundle = resolveBundle(bundles);
  const cold = await measureCold(bundles, env, projects.one, coldRuns);
  const warm = await measureWarm();
  const scale = await measureScale(projects);
  return { bundle, cold, warm, scale };
}

export function resolveBundle(bundles: Bundles): ResolveResult['bundle'] {
  const code = readFileSync(bundles.resolve.file, 'utf8');
  return {
    bytes: bundles.resolve.bytes,
    baselineBytes: bundles.baselines.resolve.bytes,
    decrypt: code.includes('"DecryptResponse"'),
    encrypt: code.includes('"EncryptResponse"'),
  };
}

/** Only the resolve cold start (for `npm run bench -- --only cold`): its fixture, then the interleaved runs. */
export async function measureResolveCold(bundles: Bundles, env: Record<string, string>, runs: number): Promise<ResolveResult['cold']> {
  const project = 'bench-resolve-1';
  await seed(env, project, 1);
  return measureCold(bundles, env, project, runs);
}

async function measureCold(bundles: Bundles, env: Record<string, string>, project: string, runs: number): Promise<ResolveResult['cold']> {
  const samples: Record<'regcred' | 'baseline', Sample[]> = { regcred: [], baseline: [] };
  for (let run = -1; run < runs; run++) {
    for (const side of run % 2 ? (['regcred', 'baseline'] as const) : (['baseline', 'regcred'] as const)) {
      const bundle = side === 'regcred' ? bundles.resolve : bundles.baselines.resolve;
      const sample = await runOnce(bundle, resolveEvent(project), env);
      if (sample.statusCode !== 200) throw new Error(`cold ${side} resolve: status ${sample.statusCode}`);
      if (run >= 0) samples[side].push(sample);
    }
  }
  const total = (side: keyof typeof samples) => spread(samples[side].map((x) => x.processMs));
  const strict = (side: keyof typeof samples) => spread(samples[side].map((x) => x.importMs + x.invokeMs));
  const [regcred, baseline, r, b] = [total('regcred'), total('baseline'), strict('regcred'), strict('baseline')];
  return { regcred, baseline, ratio: regcred.median / baseline.median, importAndInvoke: { regcred: r, baseline: b, ratio: r.median / b.median }, runs };
}

/** In process, every SDK call answered from memory, 10 rounds alternating with the bare handler. */
async function measureWarm(invocations = 10_000, rounds = 10): Promise<ResolveResult['warm']> {
  const item = credentialItems('bench-warm', 0)[0]!;
  const requestHandler = new InMemoryRequestHandler({
    ...inMemoryBodies(),
    'DynamoDB_20120810.BatchGetItem': JSON.stringify({
      Responses: { [process.env['REGCRED_TABLE_NAME'] ?? '']: [{ sk: { S: keyOf.registryGuard('registry-0.example.com') }, credentialId: { S: targetId } }] },
    }),
    'DynamoDB_20120810.GetItem': JSON.stringify({ Item: { ...item, ciphertext: { B: Buffer.from(item['ciphertext']!.B!).toString('base64') } } }),
    'TrentService.Decrypt': JSON.stringify({ Plaintext: Buffer.from('bench-resolve-password').toString('base64'), KeyId: 'k', EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }),
  });
  const regcred = resolveRegistryAuthHandler({
    reader: DynamoDbCredentialReader.fromEnv({ requestHandler }),
    decryptor: KmsPasswordDecryptor.fromEnv({ requestHandler }),
  });
  const bare = bareResolve(kmsClient({ requestHandler }), dynamoClient({ requestHandler }), process.env['REGCRED_TABLE_NAME'] ?? '', 'k');
  const sides = {
    regcred: () => regcred(resolveEvent('bench-warm'), lambdaContext(routes.resolveRegistryAuth, 'warm')),
    baseline: () => bare(resolveEvent('bench-warm')),
  };
  const all = { regcred: [] as number[], baseline: [] as number[] };
  const run = async (side: keyof typeof sides, count: number, into: number[]) => {
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      const { statusCode } = await sides[side]();
      into.push(Number(process.hrtime.bigint() - started) / 1000);
      if (statusCode !== 200) throw new Error(`warm ${side} resolve: status ${statusCode}`);
    }
  };
  await withStdoutSink(async () => {
    await run('regcred', 500, []);
    await run('baseline', 500, []);
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 ? (['baseline', 'regcred'] as const) : (['regcred', 'baseline'] as const)) {
        await run(side, invocations / rounds, all[side]);
      }
    }
  });
  const p50Us = { regcred: percentile(all.regcred, 50), baseline: percentile(all.baseline, 50) };
  const p99Us = { regcred: percentile(all.regcred, 99), baseline: percentile(all.baseline, 99) };
  return { p50Us, p99Us, p50Ratio: p50Us.regcred / p50Us.baseline, invocations: all.regcred.length };
}

/** The real handler against the stack's DynamoDB Local and KMS: a project of 1,000 credentials against one of 1. */
async function measureScale(projects: { one: string; thousand: string }, samples = 200): Promise<ResolveResult['scale']> {
  const db = dynamoClient();
  const kms = kmsClient();
  const counts: Record<string, number> = {};
  countCalls(db, counts);
  countCalls(kms, counts);
  const handler = resolveRegistryAuthHandler({
    reader: new DynamoDbCredentialReader(db, process.env['REGCRED_TABLE_NAME']!),
    decryptor: new KmsPasswordDecryptor(kms, process.env['REGCRED_KMS_KEY_ID']!),
  });
  const times = { one: [] as number[], thousand: [] as number[] };
  const calls = { one: {}, thousand: {} } as ResolveResult['scale']['calls'];
  const once = async (side: keyof typeof projects, into: number[]) => {
    for (const key of Object.keys(counts)) delete counts[key];
    const t = performance.now();
    const reply = await handler(resolveEvent(projects[side]), lambdaContext(routes.resolveRegistryAuth, 'scale'));
    into.push(performance.now() - t);
    if (reply.statusCode !== 200 || JSON.parse(reply.body as string).credentialId !== targetId) throw new Error(`scale resolve ${side} failed`);
    calls[side] = { ...counts };
  };
  await withStdoutSink(async () => {
    for (let i = 0; i < 20; i++) for (const side of ['one', 'thousand'] as const) await once(side, []);
    for (let block = 0; block < samples / 10; block++) {
      for (const side of block % 2 ? (['thousand', 'one'] as const) : (['one', 'thousand'] as const)) {
        for (let i = 0; i < 10; i++) await once(side, times[side]);
      }
    }
  });
  db.destroy();
  kms.destroy();
  const [oneMs, thousandMs] = [spread(times.one), spread(times.thousand)];
  return { oneMs, thousandMs, ratio: thousandMs.median / oneMs.median, calls };
}

export function resolveMet(r: ResolveResult) {
  return {
    bundleKB: r.bundle.bytes / 1000 <= resolveTargets.bundleKB && r.bundle.decrypt && !r.bundle.encrypt,
    coldStartRatio: r.cold.ratio < resolveTargets.coldStartRatio,
    warmP50Ratio: r.warm.p50Ratio <= resolveTargets.warmP50Ratio,
    scaleRatio: r.scale.ratio <= resolveTargets.scaleRatio,
  };
}

/** The resolve section of bench/RESULTS.md. */
export function resolveMarkdown(r: ResolveResult): string[] {
  const ms = (s: Spread) => `${round(s.min, 1)} / **${round(s.median, 1)}** / ${round(s.max, 1)}`;
  const ok = (met: boolean) => (met ? 'met' : '**missed**');
  const calls = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${v} ${k}`).join(' + ');
  const met = resolveMet(r);
  return [
    '## 8. Resolve (`GET /projects/{project}/registry-auth?image=`)',
    '',
    `Image \`${image}\`: three candidate keys, matched at the host. Baseline (\`bench/baselines/bare-resolve.ts\`): the same SDK calls regcred makes (BatchGetItem of the candidate registry guards beside a keys-only Query of the guards below the host, GetItem of the credential, KMS Decrypt with its encryption context), bundled by the same construct, without middy, zod, logging, the audit line or the domain code. The issue names GetItem + Decrypt: regcred needs the BatchGetItem to find the credential by registry without reading the project, so the baseline makes it too.`,
    '',
    '| Measurement | regcred | baseline | ratio | Target | Result |',
    '|---|---|---|---|---|---|',
    `| Bundle KB (Decrypt ${r.bundle.decrypt ? 'in' : 'missing'}, Encrypt ${r.bundle.encrypt ? 'in' : 'absent'}) | ${round(r.bundle.bytes / 1000, 1)} | ${round(r.bundle.baselineBytes / 1000, 1)} | | <= ${resolveTargets.bundleKB}, Decrypt only | ${ok(met.bundleKB)} |`,
    `| Cold start ms, process start -> first response (${r.cold.runs} runs each, interleaved) | ${ms(r.cold.regcred)} | ${ms(r.cold.baseline)} | ${round(r.cold.ratio, 3)} | < ${resolveTargets.coldStartRatio} | ${ok(met.coldStartRatio)} |`,
    `| Cold start ms, stricter (import + first invocation) | ${ms(r.cold.importAndInvoke.regcred)} | ${ms(r.cold.importAndInvoke.baseline)} | ${round(r.cold.importAndInvoke.ratio, 3)} | (reported) | |`,
    `| Warm p50 µs (${r.warm.invocations.toLocaleString('en')} in-process invocations, SDK answered from memory) | ${round(r.warm.p50Us.regcred, 0)} | ${round(r.warm.p50Us.baseline, 0)} | ${round(r.warm.p50Ratio, 3)} | <= ${resolveTargets.warmP50Ratio} | ${ok(met.warmP50Ratio)} |`,
    `| Warm p99 µs | ${round(r.warm.p99Us.regcred, 0)} | ${round(r.warm.p99Us.baseline, 0)} | | (reported) | |`,
    `| Latency ms, 1,000 credentials in the project vs 1 (${r.scale.oneMs.runs} calls each, DynamoDB Local + local KMS) | ${ms(r.scale.thousandMs)} | ${ms(r.scale.oneMs)} | ${round(r.scale.ratio, 3)} | <= ${resolveTargets.scaleRatio} | ${ok(met.scaleRatio)} |`,
    `| AWS calls per resolve, 1 credential / 1,000 | ${calls(r.scale.calls.one)} | ${calls(r.scale.calls.thousand)} | | the same, BatchGetItem + Query + GetItem + Decrypt | ${ok(calls(r.scale.calls.one) === calls(r.scale.calls.thousand))} |`,
    '',
  ];
}
