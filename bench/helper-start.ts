// The credential helper's cost per pull: `docker-credential-regcred get` from process start to exit
// (bundled bin, system Node, one resolve against the local stack) against `node -e 0` on the same
// Node, interleaved round by round; plus `version` (no network), `regcred --version`, and the floor
// for any Node helper: a bare `node -e` that makes the same resolve request with node:http.
// Run alone with `node bench/helper-start.ts`, or as part of `npm run bench`.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildBins } from '../cli/build.ts';
import { expandPath, routes } from '../functions/contract/routes.ts';
import { repoRoot } from '../local/stack.ts';
import { round, spread, type Spread } from './stats.ts';

export const helperStartTarget = 2.5;
const rounds = 30;
const project = 'bench-helper';
const server = 'registry.bench.example:5000';

export interface HelperStartResult {
  readonly node: string;
  readonly rounds: number;
  readonly nodeMs: Spread;
  readonly getMs: Spread;
  readonly versionMs: Spread;
  readonly cliVersionMs: Spread;
  /** `node -e` doing only the same GET with node:http: what any Node helper costs at least. */
  readonly bareGetMs: Spread;
  /** One resolve over HTTP from a warm process: the part of `get` that is the API's, not start-up. */
  readonly resolveMs: Spread;
  readonly helperBytes: number;
  readonly ratio: number;
  readonly met: boolean;
}

const nodeBin = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;

function timeRun(args: string[], stdin: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(nodeBin, args, { env, stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

export async function measureHelperStart(workDir: string, apiUrl: string): Promise<HelperStartResult> {
  const packageDir = join(workDir, 'helper-package');
  mkdirSync(packageDir, { recursive: true });
  copyFileSync(join(repoRoot, 'package.json'), join(packageDir, 'package.json'));
  const bins = await buildBins(join(packageDir, 'dist'));

  const add = await fetch(apiUrl + expandPath(routes.addCredential.path, { project }), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ server, username: 'bench', password: 'bench-helper-password' }),
  });
  if (add.status !== 201 && add.status !== 409) throw new Error(`fixture add answered ${add.status}`);
  await add.body?.cancel();

  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: workDir, XDG_CONFIG_HOME: workDir, REGCRED_PROJECT: project, REGCRED_ENDPOINT: apiUrl };
  const helper = bins['docker-credential-regcred'];
  const resolveUrl = `${apiUrl}${expandPath(routes.resolveRegistryAuth.path, { project })}?server=${encodeURIComponent(server)}`;
  const samples = { node: [] as number[], get: [] as number[], bareGet: [] as number[], version: [] as number[], cli: [] as number[], resolve: [] as number[] };
  const kinds: (keyof typeof samples)[] = ['node', 'get', 'bareGet', 'version', 'cli', 'resolve'];
  const bareGet = `require('node:http').get(${JSON.stringify(resolveUrl)}, (r) => r.resume())`;
  const measure: Record<keyof typeof samples, () => Promise<number>> = {
    node: () => timeRun(['-e', '0'], '', env),
    get: () => timeRun([helper, 'get'], `${server}\n`, env),
    bareGet: () => timeRun(['-e', bareGet], '', env),
    version: () => timeRun([helper, 'version'], '', env),
    cli: () => timeRun([bins.regcred, '--version'], '', env),
    async resolve() {
      const started = performance.now();
      const response = await fetch(resolveUrl);
      await response.text();
      if (response.status !== 200) throw new Error(`resolve answered ${response.status}`);
      return performance.now() - started;
    },
  };
  for (const kind of kinds) await measure[kind]();
  for (let i = 0; i < rounds; i++) {
    // Rotate the order each round so no kind always runs right after another.
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(i + k) % kinds.length]!;
      samples[kind].push(await measure[kind]());
    }
  }
  const nodeMs = spread(samples.node);
  const getMs = spread(samples.get);
  const ratio = getMs.median / nodeMs.median;
  return {
    node: `${nodeBin} (${await nodeVersion()})`,
    rounds,
    nodeMs,
    getMs,
    versionMs: spread(samples.version),
    cliVersionMs: spread(samples.cli),
    bareGetMs: spread(samples.bareGet),
    resolveMs: spread(samples.resolve),
    helperBytes: statSync(helper).size,
    ratio,
    met: ratio <= helperStartTarget,
  };
}

async function nodeVersion(): Promise<string> {
  const child = spawn(nodeBin, ['--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  return out.trim();
}

const ms = (s: Spread) => `${round(s.min, 1)} / **${round(s.median, 1)}** / ${round(s.max, 1)}`;

/** The report's section for this measurement. */
export function helperStartSection(r: HelperStartResult): string[] {
  return [
    '## Credential helper start-to-exit',
    '',
    `\`docker-credential-regcred get\` (the bundled bin, ${round(r.helperBytes / 1000, 1)} KB) from process start to exit, one resolve against the local stack, on ${r.node}; ${r.rounds} rounds, kinds interleaved with a rotating order. ms, min / **median** / max.`,
    '',
    '| Run | ms | / node -e 0 |',
    '|---|---|---|',
    `| \`node -e 0\` | ${ms(r.nodeMs)} | 1 |`,
    `| helper \`get\` | ${ms(r.getMs)} | **${round(r.ratio, 2)}** (target <= ${helperStartTarget}: ${r.met ? 'met' : '**missed**'}) |`,
    `| floor: \`node -e\` making the same GET with node:http, nothing else | ${ms(r.bareGetMs)} | ${round(r.bareGetMs.median / r.nodeMs.median, 2)} |`,
    `| helper \`version\` (no network) | ${ms(r.versionMs)} | ${round(r.versionMs.median / r.nodeMs.median, 2)} |`,
    `| \`regcred --version\` | ${ms(r.cliVersionMs)} | ${round(r.cliVersionMs.median / r.nodeMs.median, 2)} |`,
    `| one resolve over HTTP from a warm process, requests back to back | ${ms(r.resolveMs)} | |`,
    '',
    `The helper's own cost is \`get\` against the floor: ${round(r.getMs.median / r.bareGetMs.median, 2)}x (medians), ${round(r.getMs.median - r.bareGetMs.median, 1)} ms. The floor's distance from \`node -e 0\` is the API's answer to a request from a process that just started, which on a loaded box takes longer than back-to-back requests from a warm process (the local stack's processes have to be scheduled again after each pause).`,
    '',
  ];
}

if (import.meta.main) {
  const { startBenchStack } = await import('./stack.ts');
  const workDir = join(repoRoot, 'bench/.work');
  mkdirSync(workDir, { recursive: true });
  const stack = await startBenchStack(workDir);
  try {
    const result = await measureHelperStart(workDir, stack.apiUrl);
    process.stdout.write(`${helperStartSection(result).join('\n')}\n`);
  } finally {
    await stack.stop();
  }
}
