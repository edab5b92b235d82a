// The package's bins as users get them: bundled by cli/build.ts into a temp package dir
// (dist/ + package.json) and run as subprocesses with the system Node (>= 20) when there is one,
// with a clean environment (no REGCRED_* or AWS_* settings, a private config dir, no IMDS).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binEntries, buildBins } from '../../cli/build.ts';

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

export interface BinRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for a bin: the parent's minus REGCRED_* and AWS_*, plus `env`. */
export function cleanEnv(env: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = { AWS_EC2_METADATA_DISABLED: 'true' };
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(REGCRED_|AWS_)/.test(name)) clean[name] = value;
  }
  return { ...clean, ...env };
}

export function runBin(file: string, args: readonly string[], options: { stdin?: string; env: Record<string, string> }): Promise<BinRun> {
  const child = spawn(systemNode, [file, ...args], { env: cleanEnv(options.env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
