// The package's bins as users get them: bundled by cli/build.ts into a temp package dir
// (dist/ + package.json) and run as subprocesses with the system Node (>= 20) when there is one,
// with a clean environment (no REGCRED_* or AWS_* settings, a private config dir, no IMDS).
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binEntries, buildBins } from '../../cli/build.ts';
import { runProgram, type Run } from './run.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The Node users have: /usr/bin/node (Debian's, v20 here) if present, else the one running the tests. */
export const systemNode = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;

export type BinName = keyof typeof binEntries;

export interface BuiltBins {
  readonly dir: string;
  readonly paths: Record<BinName, string>;
  remove(): void;
}

export async function buildBinsForTest(): Promise<BuiltBins> {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-bins-'));
  copyFileSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  const paths = await buildBins(join(dir, 'dist'));
  return { dir, paths, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type BinRun = Run;

/** A run with the arguments it was given. */
export interface RecordedRun extends Run {
  readonly args: readonly string[];
}

/** Environment for a bin: the parent's minus REGCRED_* and AWS_*, plus `env` (a variable `undefined` there is left unset). */
export function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  const clean: Record<string, string> = { AWS_EC2_METADATA_DISABLED: 'true' };
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(REGCRED_|AWS_)/.test(name)) clean[name] = value;
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete clean[name];
    else clean[name] = value;
  }
  return clean;
}

export function runBin(file: string, args: readonly string[], options: { stdin?: string; env: Record<string, string | undefined> }): Promise<BinRun> {
  return runProgram(systemNode, [file, ...args], { env: cleanEnv(options.env), ...(options.stdin !== undefined && { stdin: options.stdin }) });
}

/** Runs one bin of `bins()` with this file's default environment under `env`; every run is kept in `runs`. */
export function binRunner(bins: () => BuiltBins, name: BinName, defaults: () => Record<string, string>, runs: RecordedRun[]) {
  return async (args: string[], stdin?: string, env: Record<string, string | undefined> = {}): Promise<BinRun> => {
    const result = await runBin(bins().paths[name], args, { ...(stdin !== undefined && { stdin }), env: { ...defaults(), ...env } });
    runs.push({ ...result, args });
    return result;
  };
}
