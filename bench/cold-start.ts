// Measurement 2: cold start. A fresh Node process imports a bundle and serves its first invocation
// against the local stack. regcred's bundles against baselines built by the same CDK construct that
// only construct the same SDK clients and make the same first call, and an empty handler.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bundle, Bundles, Op } from './bundles.ts';
import { ops } from './bundles.ts';
import { addBody, apiEvent } from './events.ts';
import { round, spread, type Spread } from './stats.ts';

const child = fileURLToPath(new URL('./cold-child.mjs', import.meta.url));

export interface Sample {
  /** From the process's time origin to the driver's first line: Node's own boot. */
  bootMs: number;
  /** From the process's time origin (Node starting) to the end of the first invocation. */
  processMs: number;
  importMs: number;
  invokeMs: number;
  totalMs: number;
  /** CPU time (user + system, all threads) from process start to the end of the first invocation: less sensitive to a busy machine than wall time. */
  cpuMs: number;
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
  /** regcred's process start -> first response over the empty handler's (medians): issue #22's "at most 3x". */
  readonly overEmpty: number;
  /** Where each side's milliseconds go: Node's boot, the bundle's import, the first invocation (medians of each part). */
  readonly split: { regcred: Split; baseline: Split };
}

export interface Split {
  readonly bootMs: Spread;
  readonly importMs: Spread;
  readonly invokeMs: Spread;
  readonly cpuMs: Spread;
}

const splitOf = (s: Sample[]): Split => ({ bootMs: spread(s.map((x) => x.bootMs)), importMs: spread(s.map((x) => x.importMs)), invokeMs: spread(s.map((x) => x.invokeMs)), cpuMs: spread(s.map((x) => x.cpuMs)) });

export interface ColdStartResults {
  readonly perOp: Record<Op, ColdResult>;
  readonly empty: Spread;
  readonly emptyImportAndInvoke: Spread;
  readonly emptySplit: Split;
  readonly runs: number;
}

// As Lambda runs a function: an unprivileged user (when the bench runs as root, for whom nothing is
// read-only), a read-only copy of the asset directory (/var/task), its own writable TMPDIR (/tmp) and
// the NODE_OPTIONS the template sets on that function.
const lambdaUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
const taskDirs = new Map<string, string>();

/** A read-only copy of a bundle's asset directory, made once per bench process. */
function readOnlyTask(bundle: Bundle): string {
  const assetDir = dirname(bundle.file);
  let taskDir = taskDirs.get(assetDir);
  if (!taskDir) {
    taskDir = mkdtempSync(join(tmpdir(), 'regcred-bench-task-'));
    cpSync(assetDir, taskDir, { recursive: true });
    setModes(taskDir, 0o555, 0o444);
    taskDirs.set(assetDir, taskDir);
    process.once('exit', () => rmReadOnly(taskDir!));
  }
  return join(taskDir, basename(bundle.file));
}

function setModes(dir: string, dirMode: number, fileMode: number): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? dirMode : fileMode);
  chmodSync(dir, dirMode);
}

function rmReadOnly(dir: string): void {
  setModes(dir, 0o755, 0o644);
  rmSync(dir, { recursive: true, force: true });
}

/** One fresh Node process: import the bundle, serve `event` once, report its timings. */
export function runOnce(bundle: Bundle, event: unknown, env: Record<string, string>): Promise<Sample> {
  const tmp = mkdtempSync(join(tmpdir(), 'regcred-bench-tmp-'));
  if (lambdaUser) chownSync(tmp, lambdaUser.uid, lambdaUser.gid);
  return new Promise<Sample>((resolve, reject) => {
    const proc = spawn(process.execPath, [child, pathToFileURL(readOnlyTask(bundle)).href, JSON.stringify(event)], {
      env: { PATH: process.env['PATH'] ?? '', ...env, TMPDIR: tmp, ...(bundle.nodeOptions && { NODE_OPTIONS: bundle.nodeOptions }) },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...lambdaUser,
    });
    let err = '';
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.once('error', reject);
    proc.once('exit', () => {
      const line = err.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line) return reject(new Error(`cold start run failed:\n${err.slice(-2000)}`));
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as Sample);
    });
  }).finally(() => rmSync(tmp, { recursive: true, force: true }));
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
        const bundle = side === 'regcred' ? bundles.handlers[op] : bundles.baselines[op];
        const sample = await runOnce(bundle, await eventFor(op), env);
        if (sample.statusCode !== expected[op]) throw new Error(`cold ${side} ${op}: status ${sample.statusCode}`);
        if (run >= 0) samples[side][op].push(sample);
      }
    }
    const empty = await runOnce(bundles.baselines.empty, {}, env);
    if (run >= 0) samples.empty.push(empty);
  }
  const total = (s: Sample[]) => spread(s.map((x) => x.processMs));
  const strict = (s: Sample[]) => spread(s.map((x) => x.importMs + x.invokeMs));
  const empty = total(samples.empty);
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
          overEmpty: regcred.median / empty.median,
          split: { regcred: splitOf(samples.regcred[op]), baseline: splitOf(samples.baseline[op]) },
        },
      ];
    }),
  ) as Record<Op, ColdResult>;
  return { perOp, empty, emptyImportAndInvoke: strict(samples.empty), emptySplit: splitOf(samples.empty), runs };
}

/** Issue #22: every function below its naive SDK-only baseline, and at most 3x Node's own floor (the empty handler). */
export const coldTargets = { belowBaseline: 1, overEmpty: 3 } as const;

export const coldMet = (c: ColdResult) => ({ ratio: c.ratio < coldTargets.belowBaseline, overEmpty: c.overEmpty <= coldTargets.overEmpty });

const fmt = (s: Spread) => `${round(s.min, 1)} / **${round(s.median, 1)}** / ${round(s.max, 1)}`;
const ok = (met: boolean) => (met ? 'met' : '**missed**');
const med = (s: Spread) => round(s.median, 1);
const splitCells = (s: Split) => `${med(s.bootMs)} | ${med(s.importMs)} | ${med(s.invokeMs)} | ${med(s.cpuMs)}`;

/** Section 2 of bench/RESULTS.md (also printed by `npm run bench -- --only cold`). */
export function coldStartSection(cold: ColdStartResults, bundles: Bundles): string[] {
  const options = (b: Bundle) => (b.nodeOptions ? `\`NODE_OPTIONS=${b.nodeOptions}\`` : 'no `NODE_OPTIONS`');
  return [
    `## 2. Cold start (${cold.runs} fresh Node processes per bundle, interleaved)`,
    '',
    `Each bundle runs as Lambda runs it: a fresh Node process under an unprivileged user imports the bundle from a read-only copy of its asset directory (like \`/var/task\`), with its own writable \`TMPDIR\` (like \`/tmp\`) and the \`NODE_OPTIONS\` the template sets on the function (regcred: ${options(bundles.handlers.add)}), and serves one invocation against the local stack (DynamoDB Local, local KMS). Headline: from the process's time origin (Node starting) to the end of the first invocation, i.e. what Lambda's Init Duration plus the first invoke cover. Baseline: the naive recipe, a bundle with regcred's esbuild options (minified ESM, source map) run with ${options(bundles.baselines.add)}, that only constructs the same SDK clients and makes the same first call(s) (list: Query; add: Encrypt + TransactWriteItems; delete: GetItem + TransactWriteItems). Floor: an empty handler bundle (${options(bundles.baselines.empty)}).`,
    '',
    `| Handler | regcred ms (process start -> first response) | SDK-only baseline ms | regcred / baseline (medians) | < ${coldTargets.belowBaseline} | regcred / empty process | <= ${coldTargets.overEmpty} | stricter: regcred / baseline, import + first invocation only |`,
    '|---|---|---|---|---|---|---|---|',
    ...ops.map((op) => {
      const c = cold.perOp[op];
      const met = coldMet(c);
      return `| ${op} | ${fmt(c.regcred)} | ${fmt(c.baseline)} | ${round(c.ratio, 3)} | ${ok(met.ratio)} | ${round(c.overEmpty, 2)} | ${ok(met.overEmpty)} | ${round(c.importAndInvoke.ratio, 3)} |`;
    }),
    '',
    'Where the milliseconds go (medians, ms): Node boot = the process\'s time origin to the driver\'s first line; import = loading the bundle (`require` for a `.js` handler, `import()` for `.mjs`, as Lambda\'s runtime does); first invocation = the handler\'s first call, SDK calls to the local stack included; CPU = user + system time of the whole process (all threads) up to the first response, which a busy machine disturbs less than wall time.',
    '',
    '| Function | Process | Start -> first response | Node boot | Import | First invocation | CPU ms |',
    '|---|---|---|---|---|---|---|',
    `| (floor) | empty handler | ${med(cold.empty)} | ${splitCells(cold.emptySplit)} |`,
    ...ops.flatMap((op) => {
      const c = cold.perOp[op];
      return [`| ${op} | SDK-only baseline | ${med(c.baseline)} | ${splitCells(c.split.baseline)} |`, `| ${op} | regcred | ${med(c.regcred)} | ${splitCells(c.split.regcred)} |`];
    }),
  ];
}
