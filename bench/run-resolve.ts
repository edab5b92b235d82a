// `node bench/run-resolve.ts`: only the resolve measurements (bench/resolve.ts), printed to stdout;
// RESULTS.md is left alone (`npm run bench` writes it with every measurement).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../local/stack.ts';
import { synthBundles } from './bundles.ts';
import { measureResolve, resolveMarkdown } from './resolve.ts';
import { startBenchStack } from './stack.ts';

const workDir = join(repoRoot, 'bench/.work');
mkdirSync(workDir, { recursive: true });
console.error('[bench resolve] bundles: synthesizing the CDK app and the baselines with real bundling');
const bundles = synthBundles(workDir);
console.error('[bench resolve] starting the local stack');
const stack = await startBenchStack(workDir);
try {
  Object.assign(process.env, stack.env);
  const runs = Number(process.env['BENCH_COLD_RUNS'] ?? 60);
  console.error(`[bench resolve] cold start (${runs} runs each), warm, scale`);
  const result = await measureResolve(bundles, stack.env, runs);
  console.log(resolveMarkdown(result).join('\n'));
  console.log(JSON.stringify(result));
} finally {
  await stack.stop();
}
