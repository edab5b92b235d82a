// What users install: `npm pack` (its prepack bundles the bins), then `npm install -g` of the tgz
// into a temp prefix with no registry access, then each bin run from PATH by the system Node (v20
// on Debian): no build step, no dependencies, no re-exec onto another Node.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkedApiUrl } from '../support/checked-proxy.ts';
import { apiAdd } from '../support/api.ts';
import { cleanEnv, repoRoot, systemNode } from '../support/bins.ts';
import { uniqueProject } from '../support/handlers.ts';
import { runProgram, type Run } from '../support/run.ts';
import { expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';

// The bins' every answer is checked against the OpenAPI document (checked-proxy.ts).
const apiUrl = await checkedApiUrl(inject('localStack').apiUrl);
const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const project = uniqueProject('pack');
const password = trackCredential('packed', `pack-${crypto.randomUUID()}`);

let dir: string;
let prefix: string;
let packed: { filename: string; files: { path: string }[] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-pack-'));
  prefix = join(dir, 'prefix');
  const npmEnv = { ...process.env, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };
  const packJson = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  packed = (JSON.parse(packJson) as (typeof packed)[])[0]!;
  // --offline: a package that needed anything from the registry would fail to install here.
  execFileSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, packed.filename)], {
    env: npmEnv,
    stdio: 'ignore',
  });
  symlinkSync(systemNode, join(dir, 'node'));
  await apiAdd(project, { server: 'registry.example.com:5443', username: 'packed', password });
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs an installed bin by name from PATH, as a shell would: its `#!/usr/bin/env node` finds the system Node first. */
const installed = (bin: string, args: string[], stdin?: string, env: Record<string, string> = {}): Promise<Run> =>
  runProgram(join(prefix, 'bin', bin), args, {
    env: cleanEnv({ PATH: `${dir}:${join(prefix, 'bin')}:/usr/bin:/bin`, REGCRED_PROJECT: project, REGCRED_ENDPOINT: apiUrl, XDG_CONFIG_HOME: dir, ...env }),
    ...(stdin !== undefined && { stdin }),
  });

describe('the packed package', () => {
  it('holds the bundled bins, the README and package.json only', () => {
    expect(packed.filename).toBe(`regcred-${version}.tgz`);
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      'README.md',
      'dist/docker-credential-regcred.mjs',
      'dist/regcred-kubelet-credential-provider.mjs',
      'dist/regcred.mjs',
      'dist/sigv4.mjs',
      'package.json',
    ]);
  });

  it('installs with no dependencies and puts the three bins on PATH', () => {
    const installedDir = join(prefix, 'lib', 'node_modules', 'regcred');
    expect(readdirSync(installedDir).sort()).toEqual(['README.md', 'dist', 'package.json']);
    expect(existsSync(join(installedDir, 'node_modules'))).toBe(false);
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(['docker-credential-regcred', 'regcred', 'regcred-kubelet-credential-provider']);
  });

  it('runs each bin on the system Node', async () => {
    const nodeVersion = execFileSync(systemNode, ['--version'], { encoding: 'utf8' }).trim();
    expect(Number(/^v(\d+)/.exec(nodeVersion)?.[1])).toBeGreaterThanOrEqual(20);
    expect(await installed('regcred', ['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await installed('docker-credential-regcred', ['version'])).toEqual({
      code: 0,
      stdout: `docker-credential-regcred (regcred) ${version}\n`,
      stderr: '',
    });
    expect(await installed('regcred-kubelet-credential-provider', ['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('answers a helper get and a CLI list against the local stack', async () => {
    const got = await installed('docker-credential-regcred', ['get'], 'registry.example.com:5443\n');
    expect(got.stderr).toBe('');
    expect(JSON.parse(got.stdout)).toEqual({ ServerURL: 'registry.example.com:5443', Username: 'packed', Secret: password });
    expectNoTrackedSecret(got.stderr, 'helper stderr');
    const listed = await installed('regcred', ['docker', 'list-credentials']);
    expectNoTrackedSecret(listed.stdout + listed.stderr, 'regcred list output');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/registry\.example\.com:5443\s+packed/);
  });

  it('loads the SigV4 file for an execute-api endpoint (no AWS credentials here: a clear failure before any request)', async () => {
    const nowhere = join(dir, 'no-such-file');
    const endpoint = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
    const result = await installed('docker-credential-regcred', ['get'], 'docker.io', {
      REGCRED_ENDPOINT: endpoint,
      HOME: dir,
      AWS_CONFIG_FILE: nowhere,
      AWS_SHARED_CREDENTIALS_FILE: nowhere,
    });
    expect(result).toMatchObject({ code: 1, stderr: '' });
    expect(result.stdout).toMatch(new RegExp(`^regcred: No AWS credentials to sign requests to ${endpoint} .*\\n$`));
  });
});
