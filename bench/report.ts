// Writes bench/RESULTS.md (tables with min/median/max, baselines, ratios, targets) and results.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../local/stack.ts';
import type { Bundles, Op } from './bundles.ts';
import { ops } from './bundles.ts';
import type { CallsResult } from './calls.ts';
import { coldMet, coldStartSection, coldTargets, type ColdStartResults } from './cold-start.ts';
import { capacityUnits, platformLogBytes, prices, xraySampled, type monthlyComparison, type RouteCost } from './cost.ts';
import { resolveMarkdown, resolveMet, type ResolveResult } from './resolve.ts';
import type { ScaleResult } from './scale.ts';
import type { Spread } from './stats.ts';
import { round } from './stats.ts';
import { changes } from './changes.ts';
import { helperStartSection, helperStartTarget, type HelperStartResult } from './helper-start.ts';
import { connections, type ThroughputResult } from './throughput.ts';
import { warmUpCalls, type WarmResult } from './warm.ts';
import { updateWarmSection } from './update-warm.ts';

export interface Results {
  bundles: Bundles;
  warm: Record<Op, WarmResult>;
  /** The update route's warm overhead (bench/update-warm.ts). */
  updateWarm: WarmResult;
  calls: CallsResult;
  cold: ColdStartResults;
  throughput: { list: ThroughputResult; add: ThroughputResult };
  scale: ScaleResult;
  helperStart: HelperStartResult;
  cost: { perRoute: Record<Op, RouteCost>; monthly: ReturnType<typeof monthlyComparison>; memoryMb: number };
  resolve?: ResolveResult;
  seconds: number;
  /** Set by `npm run bench -- --only cold --write`: the sections this run did not measure, copied from the committed run. */
  carried?: { commit: string; date: string; sections: string };
}

export const targets = {
  bundleKB: { add: 550, list: 400, delete: 400 },
  coldStartRatio: coldTargets.belowBaseline,
  coldStartOverEmpty: coldTargets.overEmpty,
  warmP50Ratio: 1.3,
  warmP99Ratio: 1.5,
  warmP99Us: 1000,
  listThroughputRatio: 0.7,
  scaleRatio: 1.2,
} as const;

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
const kb = (bytes: number) => round(bytes / 1000, 1);
const ms = (s: Spread) => `${round(s.min, 1)} / **${round(s.median, 1)}** / ${round(s.max, 1)}`;
const rate = (s: Spread) => `${round(s.min, 0)} / **${round(s.median, 0)}** / ${round(s.max, 0)}`;
const ok = (met: boolean) => (met ? 'met' : '**missed**');
const usd = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);
const per = <T>(f: (op: Op) => T) => Object.fromEntries(ops.map((op) => [op, f(op)])) as Record<Op, T>;

export function writeReport(r: Results): { json: string; markdown: string } {
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'functions', 'infra', 'bench', 'package.json', 'package-lock.json')
    .split('\n')
    .filter((l) => l && !/bench\/(RESULTS\.md|results\.json)$/.test(l)).length > 0;
  const date = new Date().toISOString();
  const cpu = cpus();
  const machine = `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${round(totalmem() / 1024 ** 3, 1)} GiB memory, ${process.platform} ${process.arch}`;

  const json = {
    bundleKB: per((op) => kb(r.bundles.handlers[op].bytes)),
    coldStartRatio: per((op) => round(r.cold.perOp[op].ratio, 3)),
    coldStartRatioImportAndInvoke: per((op) => round(r.cold.perOp[op].importAndInvoke.ratio, 3)),
    coldStartOverEmpty: per((op) => round(r.cold.perOp[op].overEmpty, 2)),
    coldStartMs: { empty: round(r.cold.empty.median, 1), ...per((op) => ({ regcred: round(r.cold.perOp[op].regcred.median, 1), baseline: round(r.cold.perOp[op].baseline.median, 1) })) },
    warmP50Ratio: per((op) => round(r.warm[op].p50Ratio, 3)),
    warmP99Ratio: per((op) => round(r.warm[op].p99Ratio, 3)),
    warmP99Us: per((op) => round(r.warm[op].p99Us.regcred, 0)),
    updateWarmP50Ratio: round(r.updateWarm.p50Ratio, 3),
    listThroughputRatio: round(r.throughput.list.ratio, 3),
    scaleRatio: round(r.scale.ratio, 3),
    listCalls1000: r.scale.listCalls1000,
    helperStartRatio: round(r.helperStart.ratio, 3),
    commit: dirty ? `${commit}+local-changes` : commit,
    date,
    machine,
    node: process.version,
    targets,
    met: {
      bundleKB: per((op) => kb(r.bundles.handlers[op].bytes) <= targets.bundleKB[op] && (op === 'add' || r.bundles.handlers[op].kmsMarkers.length === 0)),
      coldStartRatio: per((op) => coldMet(r.cold.perOp[op]).ratio),
      coldStartRatioImportAndInvoke: per((op) => r.cold.perOp[op].importAndInvoke.ratio < targets.coldStartRatio),
      coldStartOverEmpty: per((op) => coldMet(r.cold.perOp[op]).overEmpty),
      warmP50Ratio: per((op) => r.warm[op].p50Ratio <= targets.warmP50Ratio),
      warmP99Ratio: per((op) => r.warm[op].p99Ratio <= targets.warmP99Ratio),
      warmP99Us: per((op) => r.warm[op].p99Us.regcred < targets.warmP99Us),
      updateWarmP50Ratio: r.updateWarm.p50Ratio <= targets.warmP50Ratio,
      listThroughputRatio: r.throughput.list.ratio >= targets.listThroughputRatio,
      scaleRatio: r.scale.ratio <= targets.scaleRatio,
      listCalls1000: r.scale.listCalls1000 === r.scale.listCalls1000Expected,
      callsPerOperation: r.calls.ok,
      helperStart: r.helperStart.met,
    },
    details: {
      bundles: r.bundles,
      cold: r.cold,
      warm: r.warm,
      updateWarm: r.updateWarm,
      throughput: r.throughput,
      scale: r.scale,
      calls: r.calls,
      helperStart: r.helperStart,
      cost: { prices, capacityUnits, ...r.cost },
      seconds: round(r.seconds, 0),
    },
    ...(r.resolve && { resolve: { ...r.resolve, met: resolveMet(r.resolve) } }),
    ...(r.carried && { carried: r.carried }),
  };
  const jsonFile = join(repoRoot, 'bench/results.json');
  writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);

  const m = json.met;
  const lines: string[] = [];
  const p = (...x: string[]) => lines.push(...x);
  p(
    '# regcred benchmark results',
    '',
    'Generated by `npm run bench` (bench/run.ts); do not edit by hand. Figures are min / **median** / max over the runs stated. The machine is shared and noisy, so read every figure with its min/max, and compare runs by their ratios, not their absolute times.',
    '',
    `- Machine: ${machine} (shared and noisy)`,
    `- Node: ${process.version}`,
    `- Commit: ${json.commit}`,
    `- Date: ${date}`,
    `- Bench wall time: ${round(r.seconds, 0)} s`,
    ...(r.carried ? [`- Partial run (\`npm run bench -- --only cold --write\`): it measured the bundles and the cold starts (section 2 and the resolve cold start); ${r.carried.sections} are copied from the run of commit ${r.carried.commit} (${r.carried.date}) and were not re-measured.`] : []),
    '',
    '## Summary',
    '',
    '| Measurement | add | list | delete | Target | Result |',
    '|---|---|---|---|---|---|',
    `| Bundle (KB, minified, no .map) | ${json.bundleKB.add} | ${json.bundleKB.list} | ${json.bundleKB.delete} | add <= 550, list/delete <= 400, no KMS in list/delete | ${ok(Object.values(m.bundleKB).every(Boolean))} |`,
    `| Cold start ratio (handler / naive SDK-only baseline, process start -> first response) | ${json.coldStartRatio.add} | ${json.coldStartRatio.list} | ${json.coldStartRatio.delete} | < ${targets.coldStartRatio} | ${ok(Object.values(m.coldStartRatio).every(Boolean))} |`,
    `| Cold start ratio, stricter (import + first invocation only) | ${json.coldStartRatioImportAndInvoke.add} | ${json.coldStartRatioImportAndInvoke.list} | ${json.coldStartRatioImportAndInvoke.delete} | < ${targets.coldStartRatio} | ${ok(Object.values(m.coldStartRatioImportAndInvoke).every(Boolean))} |`,
    `| Cold start / empty-handler process (medians) | ${json.coldStartOverEmpty.add} | ${json.coldStartOverEmpty.list} | ${json.coldStartOverEmpty.delete} | <= ${targets.coldStartOverEmpty} | ${ok(Object.values(m.coldStartOverEmpty).every(Boolean))} |`,
    `| Warm p50 ratio (handler / bare SDK handler, median of the per-round ratios) | ${json.warmP50Ratio.add} | ${json.warmP50Ratio.list} | ${json.warmP50Ratio.delete} | <= ${targets.warmP50Ratio} | ${ok(Object.values(m.warmP50Ratio).every(Boolean))} |`,
    `| Warm p99 ratio (handler / bare SDK handler, median of the per-round ratios) | ${json.warmP99Ratio.add} | ${json.warmP99Ratio.list} | ${json.warmP99Ratio.delete} | <= ${targets.warmP99Ratio} | ${ok(Object.values(m.warmP99Ratio).every(Boolean))} |`,
    `| Warm p99 (µs, all rounds pooled) | ${json.warmP99Us.add} | ${json.warmP99Us.list} | ${json.warmP99Us.delete} | < ${targets.warmP99Us} | ${ok(Object.values(m.warmP99Us).every(Boolean))} |`,
    `| List throughput ratio (regcred / direct Query) | | ${json.listThroughputRatio} | | >= ${targets.listThroughputRatio} | ${ok(m.listThroughputRatio)} |`,
    `| Scale ratio (list, 100k other items / none) | | ${json.scaleRatio} | | <= ${targets.scaleRatio} | ${ok(m.scaleRatio)} |`,
    `| DynamoDB calls to list 1,000 (limit ${r.scale.pageLimit}) | | ${json.listCalls1000} | | = ${r.scale.listCalls1000Expected} | ${ok(m.listCalls1000)} |`,
    `| AWS calls per operation | ${ok(r.calls.ok.add)} | ${ok(r.calls.ok.list)} | ${ok(r.calls.ok.delete)} | add 1 Encrypt + 1 transaction; list 1 Query, 0 KMS; delete 0 KMS | ${ok(Object.values(r.calls.ok).every(Boolean))} |`,
    `| Credential helper \`get\` start-to-exit / \`node -e 0\` (medians) | | ${json.helperStartRatio} | | <= ${helperStartTarget} | ${ok(m.helperStart)} |`,
    '',
    '## 1. Bundle size (as the CDK app bundles it)',
    '',
    'Bundles from a synth of the real CDK app (`infra/`) with local esbuild bundling; baselines bundled with the same esbuild options (`esbuildBundling` in `infra/constructs/api-function.ts`). KB = 1,000 bytes of `index.mjs` (the source map is listed apart).',
    '',
    '| Handler | Bundle KB | Map KB | SDK-only baseline KB | Ours (KB) | KMS client markers | Target |',
    '|---|---|---|---|---|---|---|',
    ...ops.map((op) => {
      const b = r.bundles.handlers[op];
      const base = r.bundles.baselines[op];
      return `| ${op} | ${kb(b.bytes)} | ${kb(b.mapBytes)} | ${kb(base.bytes)} | ${kb(b.bytes - base.bytes)} | ${b.kmsMarkers.length ? b.kmsMarkers.join(', ') : 'none'} | <= ${targets.bundleKB[op]}${op === 'add' ? '' : ', no KMS'}: ${ok(m.bundleKB[op])} |`;
    }),
    '',
    ...coldStartSection(r.cold, r.bundles),
    '',
    ...changes,
    '',
    '## 3. Warm overhead (in process, SDK answered from memory)',
    '',
    `${r.warm.add.invocations.toLocaleString('en')} timed invocations per handler in ${r.warm.add.rounds} rounds, after ${warmUpCalls} untimed warm-up calls each. Within a round regcred and the baseline alternate call by call (and which of the two goes first), so whatever else the shared machine runs, and every garbage collection, falls on both sides alike; each round gives a p50 and a p99 ratio, and the headline ratio is the median over the rounds (min / **median** / max below). Building the event and the Lambda context is not timed (Lambda hands them over). The SDK clients get an in-memory request handler (no network), so the SDK still serializes, signs and parses every call. Baseline: a bare handler with identically configured clients making the same SDK calls, without middy, zod, logging, the per-operation deadline or the domain code. Logging stays on at INFO, the level Powertools reads (one request line per request, ${round(r.warm.list.logBytesPerRequest, 0)} bytes); only stdout is swapped for a counter so the terminal is not flooded.`,
    '',
    '| Handler | regcred p50 µs | baseline p50 µs | p50 ratio per round | regcred p99 µs | baseline p99 µs | p99 ratio per round | p50 ratio <= 1.3 | p99 ratio <= 1.5 | p99 < 1 ms |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...ops.map((op) => {
      const w = r.warm[op];
      return `| ${op} | ${round(w.p50Us.regcred, 0)} | ${round(w.p50Us.baseline, 0)} | ${ratios(w.p50RatioRounds)} | ${round(w.p99Us.regcred, 0)} | ${round(w.p99Us.baseline, 0)} | ${ratios(w.p99RatioRounds)} | ${ok(m.warmP50Ratio[op])} | ${ok(m.warmP99Ratio[op])} | ${ok(m.warmP99Us[op])} |`;
    }),
    '',
    `Where the tail comes from, measured in this run: ${ops.map((op) => gcSentence(op, r.warm[op])).join('; ')}. ${ops.some((op) => !m.warmP99Us[op]) ? `Issue #5's absolute p99 target (< 1 ms) is missed on ${ops.filter((op) => !m.warmP99Us[op]).join(', ')}; the bare baseline's own pooled p99 is ${ops.map((op) => `${round(r.warm[op].p99Us.baseline, 0)} µs (${op})`).join(', ')}: ${baselineMisses(r)}. What regcred adds at p99 (pooled) is ${ops.map((op) => `${round(r.warm[op].p99Us.regcred - r.warm[op].p99Us.baseline, 0)} µs (${op})`).join(', ')}.` : 'Every route is under the absolute p99 target of issue #5 (< 1 ms).'}`,
    '',
    "Dated note (an A/B of 6,000 warm adds outside the bench at commit 951fb2c, not re-measured by this run): the SDK allocated about 275 KB per add and regcred about 33 KB more; a larger young generation (`node --min-semi-space-size=64`) halved the scavenges and took add's pooled p99 from ~4.3 ms to ~2.1 ms. It is not set on the functions because it trades memory on a 512 MB function for a tail that a network round trip to DynamoDB or KMS (milliseconds) hides.",
    '',
    `## 4. Throughput on the local stack (autocannon, ${connections} connections, 10 s per run; list ${r.throughput.list.regcred.runs} rounds, add ${r.throughput.add.regcred.runs})`,
    '',
    'regcred: autocannon against the local HTTP server (a separate `npm start` process running the handlers; it runs at most 2 handlers per core at once and queues the rest, like a small pool of warm containers) in front of DynamoDB Local and the local KMS, all on the same 2 cores as the load generator. Direct: the same DynamoDB Local (and local KMS, for add) driven with the SDK by 16 concurrent callers, with the same Query (list, 50 items) or Encrypt + TransactWriteItems (add). Each round runs both sides back to back, alternating which goes first.',
    '',
    '| Route | regcred req/s | direct SDK req/s | ratio (medians) | errors | Target |',
    '|---|---|---|---|---|---|',
    `| list (50 items) | ${rate(r.throughput.list.regcred)} | ${rate(r.throughput.list.direct)} | ${round(r.throughput.list.ratio, 3)} | ${r.throughput.list.errors} | >= 0.7: ${ok(m.listThroughputRatio)} |`,
    `| add | ${rate(r.throughput.add.regcred)} | ${rate(r.throughput.add.direct)} | ${round(r.throughput.add.ratio, 3)} | ${r.throughput.add.errors} | (reported) |`,
    '',
    'What limits the regcred side here is the harness, not the handler: on 2 cores, autocannon, the `npm start` process and DynamoDB Local (Java) share the CPU, while the direct side has one Node process fewer. Dated note (a profile and an A/B at commit e7da4c1, not re-measured by this run): a CPU profile of the `npm start` process under this load (16 connections, list) showed it 36% idle, 13% in socket writes and about 10% in regcred code (middy, zod, logging, the handler and adapter), so DynamoDB Local\'s share of the CPU sets the rate; raising the local server\'s handler cap from 4 to 16 lowered it (145 -> 121 req/s in an A/B on a busy box). The ratio therefore moves with whatever else runs on the box: 0.76, 0.63, 0.74, 0.56 and 0.65 in the full runs up to commit 951fb2c.',
    '',
    '## 5. Scale',
    '',
    `List latency of a 50-credential project through the real list handler against a separate in-memory DynamoDB Local (loading 100,000 items into the file-backed one of the local stack takes minutes): a table holding ${r.scale.otherItems.toLocaleString('en')} items of 1,000 other projects (loaded with parallel BatchWriteItem in ${round(r.scale.loadSeconds, 1)} s) against a table holding only that project. ${r.scale.emptyMs.runs} calls each, in alternating blocks of 10.`,
    '',
    '| Table | list ms | ratio (medians) | Target |',
    '|---|---|---|---|',
    `| only the listed project | ${ms(r.scale.emptyMs)} | | |`,
    `| + ${r.scale.otherItems.toLocaleString('en')} other items | ${ms(r.scale.fullMs)} | ${round(r.scale.ratio, 3)} | <= 1.2: ${ok(m.scaleRatio)} |`,
    '',
    `Listing 1,000 credentials page by page with limit=${r.scale.pageLimit} returned ${r.scale.listed1000} credentials in **${r.scale.listCalls1000}** DynamoDB Query calls (expected ceil(1000/${r.scale.pageLimit}) = ${r.scale.listCalls1000Expected}): ${ok(m.listCalls1000)}.`,
    '',
    '## 6. AWS calls per operation (SDK middleware counting every HTTP attempt)',
    '',
    '| Operation | KMS calls | DynamoDB calls | Expected | Result |',
    '|---|---|---|---|---|',
    ...ops.map((op) => {
      const c = r.calls.perOperation[op];
      const fmt = (x: Record<string, number>) => Object.entries(x).map(([k, v]) => `${v} ${k}`).join(' + ') || '0';
      const expected = { add: '1 Encrypt; 1 TransactWriteItems', list: '0 KMS; 1 Query per page', delete: '0 KMS; GetItem + TransactWriteItems' }[op];
      return `| ${op} | ${fmt(c.kms)} | ${fmt(c.dynamodb)} | ${expected} | ${ok(r.calls.ok[op])} |`;
    }),
    '',
    '## 7. Cost per million requests',
    '',
    `Prices: AWS public list prices, ${prices.region}, on-demand, without free tiers, as of ${prices.asOf}. Lambda: arm64 at ${r.cost.memoryMb} MB (read from \`functionDefaults\` in \`infra/constructs/api-function.ts\`), billed duration = the measured median handler latency against the local stack rounded up to 1 ms (DynamoDB Local is usually slower than DynamoDB, so this errs high). Logs: the measured Powertools line plus ~${platformLogBytes} bytes of Lambda START/END/REPORT lines and CloudWatch's 26 bytes per event. X-Ray: active tracing, default sampling (~${xraySampled * 100}% of requests at volume).`,
    '',
    '| Price | USD |',
    '|---|---|',
    `| API Gateway HTTP API, per million requests | ${prices.httpApiPerMillion} |`,
    `| Lambda requests, per million | ${prices.lambdaRequestPerMillion} |`,
    `| Lambda arm64, per GB-second | ${prices.lambdaArmGbSecond} |`,
    `| DynamoDB on-demand, per million write request units | ${prices.dynamoWruPerMillion} |`,
    `| DynamoDB on-demand, per million read request units | ${prices.dynamoRruPerMillion} |`,
    `| DynamoDB storage, per GB-month | ${prices.dynamoStorageGbMonth} |`,
    `| KMS, per 10,000 requests | ${prices.kmsPer10k} |`,
    `| KMS customer managed key, per month | ${prices.kmsKeyMonth} |`,
    `| CloudWatch Logs ingestion, per GB | ${prices.logsIngestGb} |`,
    `| X-Ray, per million traces recorded | ${prices.xrayTracePerMillion} |`,
    `| Secrets Manager, per secret per month | ${prices.secretMonth} |`,
    `| Secrets Manager, per 10,000 API calls | ${prices.secretsApiPer10k} |`,
    '',
    `| Per million requests | ${ops.join(' | ')} |`,
    `|---|${ops.map(() => '---').join('|')}|`,
    `| measured duration (ms) -> billed | ${ops.map((op) => `${round(r.cost.perRoute[op].durationMs, 1)} -> ${r.cost.perRoute[op].billedMs}`).join(' | ')} |`,
    `| DynamoDB units per request (WRU / RRU) | ${ops.map((op) => `${capacityUnits[op].wru} / ${capacityUnits[op].rru}`).join(' | ')} |`,
    ...Object.keys(r.cost.perRoute.add.lines).map((line) => `| ${line} | ${ops.map((op) => usd(r.cost.perRoute[op].lines[line]!)).join(' | ')} |`),
    `| **regcred total** | ${ops.map((op) => `**${usd(r.cost.perRoute[op].total)}**`).join(' | ')} |`,
    `| Secrets Manager, one secret per credential (API calls: CreateSecret / ListSecrets page / DeleteSecret) | ${ops.map((op) => usd(r.cost.perRoute[op].secretsManager)).join(' | ')} |`,
    '',
    'Monthly cost for N stored credentials plus 1 million requests a month (90% list, 5% add, 5% delete). regcred storage = the KMS key ($1) + DynamoDB storage; Secrets Manager = $0.40 per secret. Secrets Manager is called directly by clients (no API Gateway or Lambda in front) and uses its AWS managed key.',
    '',
    '| Stored credentials | regcred storage | regcred requests | **regcred / month** | Secrets Manager storage | Secrets Manager requests | **Secrets Manager / month** |',
    '|---|---|---|---|---|---|---|',
    ...r.cost.monthly.map(
      (row) =>
        `| ${row.stored.toLocaleString('en')} | ${usd(row.regcred.storage)} | ${usd(row.regcred.requests)} | **${usd(row.regcred.total)}** | ${usd(row.secretsManager.storage)} | ${usd(row.secretsManager.requests)} | **${usd(row.secretsManager.total)}** |`,
    ),
    '',
    updateWarmSection(r.updateWarm, targets.warmP50Ratio),
    ...(r.resolve ? resolveMarkdown(r.resolve) : []),
  );
  p(...helperStartSection(r.helperStart));
  const mdFile = join(repoRoot, 'bench/RESULTS.md');
  writeFileSync(mdFile, `${lines.join('\n')}\n`);
  return { json: jsonFile, markdown: mdFile };
}

const ratios = (s: Spread) => `${round(s.min, 2)} / **${round(s.median, 2)}** / ${round(s.max, 2)}`;

function gcSentence(op: Op, w: WarmResult): string {
  const { count, pauseMs, tail } = w.gc;
  return `${op}: ${count} garbage collections during the rounds (pauses ${round(pauseMs.min, 2)} / **${round(pauseMs.median, 2)}** / ${round(pauseMs.max, 2)} ms), and ${tail.regcred.duringGc} of regcred's ${tail.regcred.calls} slowest calls overlapped one (baseline: ${tail.baseline.duringGc} of ${tail.baseline.calls})`;
}

/** Which ops the SDK-only baseline alone already misses the 1 ms p99 target on. */
function baselineMisses(r: Results): string {
  const over = ops.filter((op) => r.warm[op].p99Us.baseline >= targets.warmP99Us);
  if (over.length === 0) return 'under 1 ms for every route, so the misses above are regcred\'s own';
  if (over.length === ops.length) return 'the SDK alone already misses 1 ms on every route on this machine';
  return `the SDK alone already misses 1 ms for ${over.join(' and ')} on this machine`;
}
