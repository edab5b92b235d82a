// The deployed template, for the local stack: `cdk synth` of the real app (infra/app.ts, cdk.json),
// bundles included, cached by a hash of everything synthesis reads, so a warm start reads the cached
// cloud assembly instead of running esbuild again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../paths.ts';

export const stackName = 'Regcred';
const cacheRoot = join(repoRoot, '.cache', 'synth');
/** What synthesis reads: the app, the functions it bundles, its settings and the locked dependencies. */
const inputs = ['infra', 'functions', 'cdk.json', 'package-lock.json', 'tsconfig.json', 'regcred.grants.json'];
const keepAssemblies = 3;

export interface Assembly {
  /** The cloud assembly directory (cdk.out): the template and one directory per asset. */
  readonly dir: string;
  readonly template: Template;
  /** Whether this call ran `cdk synth` (false: the cached assembly was used). */
  readonly synthesised: boolean;
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
  hash.update(JSON.stringify(context));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The synthesised assembly for the current inputs: cached, or made now. `context` adds cdk context
 * (`-c key=value`), e.g. another grants file for a test stack.
 */
export async function synthesise(options: { context?: Record<string, string>; log?: (line: string) => void } = {}): Promise<Assembly> {
  const context = options.context ?? {};
  const dir = join(cacheRoot, inputsHash(context));
  let synthesised = false;
  if (!existsSync(join(dir, `${stackName}.template.json`))) {
    options.log?.('Synthesising the CDK app (cdk synth, bundles included; cached for the next start)...');
    const building = `${dir}.${process.pid}.tmp`;
    rmSync(building, { recursive: true, force: true });
    await runCdkSynth(building, context);
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
  const template = JSON.parse(readFileSync(join(dir, `${stackName}.template.json`), 'utf8')) as Template;
  return { dir, template, synthesised };
}

function runCdkSynth(outdir: string, context: Record<string, string>): Promise<void> {
  const cdk = join(repoRoot, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  const args = [cdk, 'synth', '--quiet', '--no-notices', '--output', outdir, ...Object.entries(context).flatMap(([k, v]) => ['--context', `${k}=${v}`])];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' } });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code === 0) done();
      else fail(new Error(`cdk synth failed (exit ${code}):\n${Buffer.concat(output).toString('utf8').slice(-4000)}`));
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
