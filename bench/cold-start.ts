// Measurement 2: cold start. A fresh Node process imports a bundle and serves its first invocation
// against the local stack. regcred's bundles against baselines built by the same CDK construct that
// only construct the same SDK clients and make the same first call, and an empty handler.
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bundles, Op } from './bundles.ts';
import { ops } from './bundles.ts';
import { addBody, apiEvent } from './events.ts';
import { spread, type Spread } from './stats.ts';

const child = fileURLToPath(new URL('./cold-child.mjs', import.meta.url));

export interface Sample {
  /** From the process's time origin (Node starting) to the end of the first invocation. */
  processMs: number;
  importMs: number;
  invokeMs: number;
  totalMs: number;
  statusCode: number;
}

/** Fresh processes per bundle: at 30 the medians' ratios moved by up to 0.09 between full runs. */
export const coldStartRuns = 60;

export interface ColdResult {
  /** Process start (Node boot) to the end of the first invocation, ms: what Lambda's Init + first invoke cover. */
  readonly regcred: Spread;
  readonly baseline: Spread;
  readonly ratio: number;
  /** Stricter: from import() of the bundle to the end of the first invocation, Node's boot left out. */
  readonly importAndInvoke: { regcred: Spread; baseline: Spread; ratio: number };
  readonly importMs: { regcred: Spread; baseline: Spread };
}

export interface ColdStartResults {
  readonly perOp: Record<Op, ColdResult>;
  readonly empty: Spread;
  readonly emptyImportAndInvoke: Spread;
  readonly runs: number;
}

/** One fresh Node process: import the bundle, serve `event` once, report its timings. */
export function runOnce(bundle: string, event: unknown, env: Record<string, string>): Promise<Sample> {
  return new Promise((resolve, reject) => {
    // As in Lambda: NODE_OPTIONS=--enable-source-maps is set on every function.
    const proc = spawn(process.execPath, ['--enable-source-maps', child, pathToFileURL(bundle).href, JSON.stringify(event)], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.once('error', reject);
    proc.once('exit', () => {
      const line = err.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line) return reject(new Error(`cold start run failed:\n${err.slice(-2000)}`));
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as Sample);
    });
  });
}

export async function measureColdStart(
  bundles: Bundles,
  env: Record<string, string>,
  fixtures: { listProject: string; newDeleteTarget: () => Promise<{ project: string; id: string }> },
  runs = coldStartRuns,
): Promise<ColdStartResults> {
  const samples = { regcred: {} as Record<Op, Sample[]>, baseline: {} as Record<Op, Sample[]>, empty: [] as Sample[] };
  for (const op of ops) {
    samples.regcred[op] = [];
    samples.baseline[op] = [];
  }
  const expected = { add: 201, list: 200, delete: 204 } as const;
  let n = 0;
  const eventFor = async (op: Op) => {
    if (op === 'list') return apiEvent('list', { project: fixtures.listProject });
    if (op === 'add') return apiEvent('add', { project: 'bench-cold' }, addBody(`cold-${n++}.example.com`));
    return apiEvent('delete', await fixtures.newDeleteTarget());
  };
  // One warm-up of each so the OS file cache is equally hot for all bundles; then interleave.
  for (let run = -1; run < runs; run++) {
    for (const op of ops) {
      for (const side of run % 2 ? (['regcred', 'baseline'] as const) : (['baseline', 'regcred'] as const)) {
        const bundle = side === 'regcred' ? bundles.handlers[op].file : bundles.baselines[op].file;
        const sample = await runOnce(bundle, await eventFor(op), env);
        if (sample.statusCode !== expected[op]) throw new Error(`cold ${side} ${op}: status ${sample.statusCode}`);
        if (run >= 0) samples[side][op].push(sample);
      }
    }
    const empty = await runOnce(bundles.baselines.empty.file, {}, env);
    if (run >= 0) samples.empty.push(empty);
  }
  const total = (s: Sample[]) => spread(s.map((x) => x.processMs));
  const strict = (s: Sample[]) => spread(s.map((x) => x.importMs + x.invokeMs));
  const perOp = Object.fromEntries(
    ops.map((op) => {
      const regcred = total(samples.regcred[op]);
      const baseline = total(samples.baseline[op]);
      const r = strict(samples.regcred[op]);
      const b = strict(samples.baseline[op]);
      return [
        op,
        {
          regcred,
          baseline,
          ratio: regcred.median / baseline.median,
          importAndInvoke: { regcred: r, baseline: b, ratio: r.median / b.median },
          importMs: { regcred: spread(samples.regcred[op].map((x) => x.importMs)), baseline: spread(samples.baseline[op].map((x) => x.importMs)) },
        },
      ];
    }),
  ) as Record<Op, ColdResult>;
  return { perOp, empty: total(samples.empty), emptyImportAndInvoke: strict(samples.empty), runs };
}
