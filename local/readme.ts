// `npm run readme`: regenerates the README's tables that have a source of truth elsewhere, between
// their markers: the capability table from the route table (functions/contract/routes.ts), and the
// Performance section's figures from bench/results.json (written by `npm run bench`). A test
// (test/unit/readme.test.ts) fails until the README holds what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helperStartTarget } from '../bench/helper-start.ts';
import { routeList, type Capability } from '../functions/contract/routes.ts';

const what: Record<Capability, string> = {
  read: 'list credentials, no passwords',
  write: 'add, change, delete and verify credentials',
  resolve: 'the routes that return passwords',
};

export function capabilityTable(): string {
  const rows = (Object.keys(what) as Capability[]).map((capability) => {
    const routes = routeList.filter((r) => r.capability === capability).map((r) => `\`${r.method} ${r.path}\``);
    return `| \`${capability}\` (${what[capability]}) | ${routes.join(', ')} |`;
  });
  return ['| capability | routes |', '|---|---|', ...rows].join('\n');
}

type Json = Record<string, any>;
const ops = ['add', 'list', 'delete'] as const;
const yes = (met: unknown) => (met === true ? 'met' : '**missed**');
const all = (met: Record<string, boolean>) => yes(Object.values(met).every(Boolean));

/** The Performance section's figures, every one read from bench/results.json by its key. */
export function performanceTable(r: Json): string {
  const t = r['targets'];
  const m = r['met'];
  const perOp = (key: string) => ops.map((op) => r[key][op]).join(' | ');
  const one = (value: unknown, column: 'add' | 'list') => (column === 'add' ? `${value} | | ` : ` | ${value} | `);
  const res = r['resolve'];
  const scale = r['details'].scale;
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `Figures of the committed \`bench/results.json\` (commit ${r['commit']}, ${r['date'].slice(0, 10)}, ${r['machine']}, Node ${r['node']})${r['carried'] ? `; that run measured bundles and cold starts only, the other rows are from commit ${r['carried'].commit}` : ''}:`,
    '',
    '| | add | list | delete | target |',
    '|---|---|---|---|---|',
    `| Bundle, minified, as the CDK app bundles it (KB) | ${perOp('bundleKB')} | add <= ${t.bundleKB.add}, list/delete <= ${t.bundleKB.list}: ${all(m.bundleKB)} |`,
    `| Cold start, handler / naive SDK-only bundle (process start to first response) | ${perOp('coldStartRatio')} | < ${t.coldStartRatio}: ${all(m.coldStartRatio)} |`,
    `| Cold start, import + first invocation only | ${perOp('coldStartRatioImportAndInvoke')} | < ${t.coldStartRatio}: ${all(m.coldStartRatioImportAndInvoke)} |`,
    `| Cold start, handler / empty-handler process | ${perOp('coldStartOverEmpty')} | <= ${t.coldStartOverEmpty}: ${all(m.coldStartOverEmpty)} |`,
    `| Cold start, ms (empty-handler process: ${r['coldStartMs'].empty}) | ${ops.map((op) => `${r['coldStartMs'][op].regcred} (SDK-only ${r['coldStartMs'][op].baseline})`).join(' | ')} | |`,
    `| Warm p50, handler / bare SDK handler | ${perOp('warmP50Ratio')} | <= ${t.warmP50Ratio}: ${all(m.warmP50Ratio)} |`,
    `| Warm p99, handler / bare SDK handler | ${perOp('warmP99Ratio')} | <= ${t.warmP99Ratio}: ${all(m.warmP99Ratio)} |`,
    `| Warm p99 (µs) | ${perOp('warmP99Us')} | < ${t.warmP99Us}: ${all(m.warmP99Us)} |`,
    `| update: warm p50, handler / bare SDK handler | ${one(r['updateWarmP50Ratio'], 'add')}| <= ${t.warmP50Ratio}: ${yes(m.updateWarmP50Ratio)} |`,
    `| List throughput via \`npm start\` / direct DynamoDB Local Query | ${one(r['listThroughputRatio'], 'list')}| >= ${t.listThroughputRatio}: ${yes(m.listThroughputRatio)} |`,
    `| List latency, ${n(scale.otherItems)} other items / empty table | ${one(r['scaleRatio'], 'list')}| <= ${t.scaleRatio}: ${yes(m.scaleRatio)} |`,
    `| Queries to list ${n(scale.listed1000)} credentials at limit ${scale.pageLimit} | ${one(r['listCalls1000'], 'list')}| = ${scale.listCalls1000Expected}: ${yes(m.listCalls1000)} |`,
    `| \`docker-credential-regcred get\`, start to exit / \`node -e 0\` | ${one(r['helperStartRatio'], 'add')}| <= ${helperStartTarget}: ${yes(m.helperStart)} |`,
  ];
  if (res) {
    const round = (x: number) => Math.round(x * 100) / 100;
    lines.push(
      `| resolve: bundle (KB) | ${one(Math.round(res.bundle.bytes / 100) / 10, 'add')}| ${yes(res.met.bundleKB)} |`,
      `| resolve: cold start, handler / naive SDK-only bundle | ${one(round(res.cold.ratio), 'add')}| < ${t.coldStartRatio}: ${yes(res.met.coldStartRatio)} |`,
      `| resolve: warm p50, handler / bare SDK handler | ${one(round(res.warm.p50Ratio), 'add')}| <= ${t.warmP50Ratio}: ${yes(res.met.warmP50Ratio)} |`,
      `| resolve: latency, 1,000 credentials / 1 | ${one(round(res.scale.ratio), 'add')}| <= ${t.scaleRatio}: ${yes(res.met.scaleRatio)} |`,
    );
  }
  return lines.join('\n');
}

const blocks = {
  capabilities: () => capabilityTable(),
  performance: () => performanceTable(JSON.parse(readFileSync(new URL('../bench/results.json', import.meta.url), 'utf8')) as Json),
};

export const marker = (name: string) => ({ start: `<!-- generated by npm run readme: ${name} -->`, end: `<!-- end ${name} -->` });

/** The README with every generated block rewritten; throws when a block's markers are missing. */
export function regenerate(readme: string): string {
  let text = readme;
  for (const [name, render] of Object.entries(blocks)) {
    const { start, end } = marker(name);
    const from = text.indexOf(start);
    const to = text.indexOf(end, from);
    if (from < 0 || to < 0) throw new Error(`README.md has no ${start} ... ${end} block`);
    text = `${text.slice(0, from + start.length)}\n${render()}\n${text.slice(to)}`;
  }
  return text;
}

export const readmeFile = new URL('../README.md', import.meta.url);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(readmeFile, regenerate(readFileSync(readmeFile, 'utf8')));
  console.log(`wrote ${fileURLToPath(readmeFile)}`);
}
