// The deployed template, for the local stack: `cdk synth` of the real app (infra/app.ts, cdk.json),
// bundles included, cached by a hash of everything synthesis reads, so a warm start reads the cached
// cloud assembly instead of running esbuild again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { alive } from '../../cli/local-stack-lock.ts';
import { repoRoot } from '../paths.ts';

export const stackName = 'Regcred';
const cacheRoot = join(repoRoot, '.cache', 'synth');
/** What synthesis reads: the app, the functions it bundles, its settings and the locked dependencies. */
const inputs = ['infra', 'functions', 'cdk.json', 'package-lock.json', 'tsconfig.json', 'regcred.grants.json', 'local/template/synth.ts'];
const keepAssemblies = 8;

export interface Assembly {
  /** The cloud assembly directory (cdk.out): the template and one directory per asset. */
  readonly dir: string;
  readonly template: Template;
  /** Whether this call ran `cdk synth` (false: the cached assembly was used). */
  readonly synthesised: boolean;
  /** The directory of a function's bundle, by the function's logical id. */
  assetDir(logicalId: string): string;
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Conditions?: Record<string, unknown>;
  readonly Outputs?: Record<string, unknown>;
}
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Condition?: string;
}

/** A hash of every input file's path and bytes, and of extra cdk context. */
export function inputsHash(context: Record<string, string> = {}): string {
  const hash = createHash('sha256');
  const add = (path: string) => {
    const full = join(repoRoot, path);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) add(join(path, entry));
      return;
    }
    hash.update(`${relative(repoRoot, full)}\0`).update(readFileSync(full)).update('\0');
  };
  for (const path of inputs) add(path);
  // A context value naming a file (another grants file) counts by its content, not its name.
  for (const value of Object.values(context).sort()) add(value);
  hash.update(JSON.stringify(context));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The synthesised assembly for the current inputs: cached, or made now. `context` adds cdk context
 * (e.g. another grants file for a test stack): that template is synthesised without bundling, and
 * its functions run the default assembly's bundles (the same code: context changes no function).
 */
export async function synthesise(options: { context?: Record<string, string>; log?: (line: string) => void } = {}): Promise<Assembly> {
  const base = await cached(inputsHash(), options.log, (outdir) => runCdkSynth(outdir));
  const context = options.context ?? {};
  if (Object.keys(context).length === 0) return base;
  const variant = await cached(inputsHash(context), options.log, (outdir) => runAppWithoutBundling(outdir, context));
  return { ...variant, synthesised: base.synthesised || variant.synthesised, assetDir: base.assetDir };
}

async function cached(hash: string, log: ((line: string) => void) | undefined, synth: (outdir: string) => Promise<void>): Promise<Assembly> {
  const dir = join(cacheRoot, hash);
  let synthesised = false;
  if (!existsSync(join(dir, `${stackName}.template.json`))) {
    log?.('Synthesising the CDK app (cdk synth, bundles included; cached for the next start)...');
    const building = `${dir}.${process.pid}.tmp`;
    rmSync(building, { recursive: true, force: true });
    await synth(building);
    mkdirSync(cacheRoot, { recursive: true });
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another process finished the same synthesis first: its assembly is as good as ours.
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(dir)) throw error;
    }
    synthesised = true;
    pruneCache(dir);
  }
  // Marks the assembly as used now: pruning keeps the recently used ones (a running stack's bundles).
  const now = new Date();
  utimesSync(dir, now, now);
  const template = JSON.parse(readFileSync(join(dir, `${stackName}.template.json`), 'utf8')) as Template;
  const assetDir = (logicalId: string) => join(dir, `asset.${String(template.Resources[logicalId]?.Properties?.['Code']?.['S3Key'] ?? '').replace(/\.zip$/, '')}`);
  return { dir, template, synthesised, assetDir };
}

/** The app itself, as `cdk synth` runs it (cdk.json's context and this context), skipping esbuild. */
async function runAppWithoutBundling(outdir: string, context: Record<string, string>): Promise<void> {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { app: string; context?: Record<string, unknown> };
  const env = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, ...context, 'aws:cdk:bundling-stacks': [] }) };
  await run(process.execPath, [join(repoRoot, 'infra', 'app.ts')], env, 'the CDK app');
}

/** An HTTP(S) proxy on loopback that refuses every request and records where each was headed. */
export async function startRefusingProxy(): Promise<{ proxy: Server; url: string; requested: string[] }> {
  const requested: string[] = [];
  const proxy = createServer((req, res) => {
    requested.push(req.headers.host ?? String(req.url));
    res.writeHead(502).end();
  });
  proxy.on('connect', (req, socket) => {
    requested.push(String(req.url));
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  return { proxy, url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, requested };
}

/** What the synthesis tried to reach (nothing, or it fails) and what it printed: `synth.json` beside the template. */
export interface SynthRecord {
  readonly requested: readonly string[];
  readonly output: string;
}
export const synthRecordFile = 'synth.json';

/**
 * `npm run synth`'s command (`cdk synth --quiet`, cdk.json's settings), into the cache, behind a
 * proxy that refuses and records every request and with a fresh CDK_HOME (no cached notice or
 * connectivity check can hide one): nothing here may reach AWS or anywhere else. What it tried and
 * what it printed are kept with the assembly (test/infra/cdk-cli.test.ts reads them).
 */
async function runCdkSynth(outdir: string): Promise<void> {
  const cdk = join(repoRoot, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  const { proxy, url, requested } = await startRefusingProxy();
  const home = mkdtempSync(join(tmpdir(), 'regcred-cdk-home-'));
  const env = { ...process.env, HTTPS_PROXY: url, HTTP_PROXY: url, https_proxy: url, http_proxy: url, NO_PROXY: '', no_proxy: '', CDK_HOME: home };
  try {
    const output = await run(process.execPath, [cdk, 'synth', '--quiet', '--output', outdir], env, 'cdk synth');
    if (requested.length > 0) throw new Error(`cdk synth tried to reach ${requested.join(', ')}: nothing here may leave this machine`);
    writeFileSync(join(outdir, synthRecordFile), JSON.stringify({ requested, output } satisfies SynthRecord));
  } finally {
    proxy.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<string> {
  return new Promise<string>((done, fail) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code === 0) done(Buffer.concat(output).toString('utf8'));
      else fail(new Error(`${what} failed (exit ${code}):\n${Buffer.concat(output).toString('utf8').slice(-4000)}`));
    });
  });
}

/** Keeps the newest few assemblies (each holds every bundle: a few MB). */
function pruneCache(current: string): void {
  for (const name of readdirSync(cacheRoot)) {
    const pid = /\.(\d+)\.tmp$/.exec(name)?.[1];
    if (pid && !alive(Number(pid))) rmSync(join(cacheRoot, name), { recursive: true, force: true });
  }
  const entries = readdirSync(cacheRoot)
    .map((name) => join(cacheRoot, name))
    .filter((path) => path !== current && !path.endsWith('.tmp'))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const old of entries.slice(keepAssemblies - 1)) rmSync(old, { recursive: true, force: true });
}

