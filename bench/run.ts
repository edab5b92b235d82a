// `npm run bench`: every measurement of issue #5 in one run, then bench/RESULTS.md and results.json.
// `npm run bench -- --only warm`: the warm measurement alone, printed, nothing written (for iterating).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandPath, routes } from '../functions/contract/routes.ts';
import { functionDefaults } from '../infra/constructs/api-function.ts';
import { localEnvironment, repoRoot } from '../local/stack.ts';
import { synthBundles, type Bundles } from './bundles.ts';
import { measureCalls } from './calls.ts';
import { measureHelperStart } from './helper-start.ts';
import { coldStartRuns, coldStartSection, measureColdStart, type ColdStartResults } from './cold-start.ts';
import { monthlyComparison, routeCosts } from './cost.ts';
import { batchPut, credentialItems, localDynamo } from './load.ts';
import { writeReport, type Results } from './report.ts';
import { measureResolve, measureResolveCold, resolveBundle, type ResolveResult } from './resolve.ts';
import { measureScale } from './scale.ts';
import { startInMemoryDynamo } from './scale-db.ts';
import { startBenchStack } from './stack.ts';
import { measureThroughput } from './throughput.ts';
import { measureUpdateWarm } from './update-warm.ts';
import { measureWarm, printWarm } from './warm.ts';

const workDir = join(repoRoot, 'bench/.work');
mkdirSync(workDir, { recursive: true });
const started = performance.now();
const step = (name: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${name}`);

// `npm run bench -- --only cold`: bundles, the local stack and the cold-start measurements alone (BENCH_COLD_RUNS fresh
// processes per bundle, default 20), printed; with `--write`, RESULTS.md and results.json get them and say which
// sections were copied from the committed run instead.
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'warm' && only !== 'cold') throw new Error(`--only supports "warm" and "cold", not ${only}`);
if (only === 'warm') {
  Object.assign(process.env, localEnvironment('http://127.0.0.1:9', 'http://127.0.0.1:9'));
  printWarm(await measureWarm());
  process.exit(0);
}

step('1/7 bundles: synthesizing the CDK app and the baselines with real bundling');
const bundles = synthBundles(workDir);

if (only === 'cold') {
  const stack = await startBenchStack(workDir);
  try {
    const runs = Number(process.env['BENCH_COLD_RUNS'] ?? 20);
    step(`cold start only: ${runs} runs per bundle`);
    const cold = await measureColdStart(bundles, stack.env, await coldFixtures(stack), runs);
    console.log(coldStartSection(cold, bundles).join('\n'));
    const resolveCold = await measureResolveCold(bundles, stack.env, runs);
    console.log(`resolve: regcred / baseline ${resolveCold.ratio.toFixed(3)}`);
    if (process.argv.includes('--write')) {
      const { json, markdown } = writeCarriedOver(bundles, cold, resolveCold, (performance.now() - started) / 1000);
      step(`done: wrote ${markdown} and ${json}`);
    }
  } finally {
    await stack.stop();
  }
  process.exit(0);
}

step('3/7 warm overhead: 10,000 in-process invocations per handler, SDK answered from memory');
// Endpoints that nothing listens on: the in-memory request handler answers before any socket opens.
Object.assign(process.env, localEnvironment('http://127.0.0.1:9', 'http://127.0.0.1:9'));
const warm = await measureWarm();
const updateWarm = await measureUpdateWarm();

step('starting the local stack (DynamoDB Local, local KMS, HTTP server) in its own process');
const stack = await startBenchStack(workDir);
try {
  Object.assign(process.env, stack.env);
  const { listProject, newDeleteTarget } = await coldFixtures(stack);

  step('6/7 AWS calls per operation (SDK middleware counters, local stack)');
  const calls = await measureCalls('bench-calls');

  step('helper start: docker-credential-regcred get (bundled, system Node) against node -e 0, interleaved rounds');
  const helperStart = await measureHelperStart(workDir, stack.apiUrl);

  step(`2/7 cold start: fresh Node processes, ${coldStartRuns} runs per bundle, interleaved`);
  const cold = await measureColdStart(bundles, stack.env, { listProject, newDeleteTarget });

  step('4/7 throughput: autocannon, 16 connections, 10 s runs (list 5 rounds, add 2), against direct SDK calls');
  const throughput = await measureThroughput(stack.apiUrl, stack.env, listProject);

  step('5/7 scale: 100,000 other items vs none; DynamoDB calls to list 1,000');
  const scaleDb = await startInMemoryDynamo(stack.kmsEndpoint);
  const scale = await measureScale(scaleDb.env).finally(() => scaleDb.stop());

  step(`resolve: bundle, cold start (${coldStartRuns} runs), warm, 1,000 credentials vs 1`);
  const resolve = await measureResolve(bundles, stack.env, coldStartRuns);

  step('7/7 cost model');
  const durations = { add: calls.latencyMs.add.median, list: scale.emptyMs.median, delete: calls.latencyMs.delete.median };
  const logBytes = { add: warm.add.logBytesPerRequest, list: warm.list.logBytesPerRequest, delete: warm.delete.logBytesPerRequest };
  const perRoute = routeCosts(durations, logBytes, functionDefaults.memorySize);
  const cost = { perRoute, monthly: monthlyComparison(perRoute), memoryMb: functionDefaults.memorySize };

  const { json, markdown } = writeReport({ bundles, warm, calls, cold, throughput, scale, cost, helperStart, updateWarm, resolve, seconds: (performance.now() - started) / 1000 });
  step(`done: wrote ${markdown} and ${json}`);
} finally {
  await stack.stop();
}

/** A project of 50 credentials to list, and a fresh credential for each cold delete. */
async function coldFixtures(stack: Awaited<ReturnType<typeof startBenchStack>>) {
  Object.assign(process.env, stack.env);
  const listProject = 'bench-list';
  const db = localDynamo(stack.env);
  await batchPut(db, stack.tableName, Array.from({ length: 50 }, (_, i) => credentialItems(listProject, i)).flat());
  db.destroy();
  let deletes = 0;
  const newDeleteTarget = async () => {
    const project = 'bench-cold-delete';
    const url = stack.apiUrl + expandPath(routes.addCredential.path, { project });
    const body = JSON.stringify({ server: `delete-${deletes++}.example.com`, username: 'robot', password: 'bench-password' });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 201) throw new Error(`fixture add answered ${res.status}`);
    return { project, id: ((await res.json()) as { id: string }).id };
  };
  return { listProject, newDeleteTarget };
}

/** RESULTS.md and results.json with this run's bundles and cold starts; every other section from the committed run. */
function writeCarriedOver(bundles: Bundles, cold: ColdStartResults, resolveCold: ResolveResult['cold'], seconds: number) {
  const previous = JSON.parse(readFileSync(join(repoRoot, 'bench/results.json'), 'utf8'));
  const from = previous.carried ?? { commit: previous.commit, date: previous.date };
  const d = previous.details as Omit<Results, 'bundles' | 'cold' | 'seconds' | 'resolve'>;
  const resolve = previous.resolve && { ...(previous.resolve as ResolveResult), bundle: resolveBundle(bundles), cold: resolveCold };
  const sections = 'warm overhead, throughput, scale, AWS calls, cost, the credential helper start and resolve\'s warm and scale figures';
  return writeReport({ ...d, bundles, cold, resolve, seconds, carried: { commit: from.commit, date: from.date, sections } });
}
