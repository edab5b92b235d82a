// What users install: the staged package (cli/package.ts) packed with `npm pack`, then `npm install -g`
// of the tgz into a temp prefix with no registry access, then each bin run from PATH by the system
// Node (v20 on Debian): no build step, no dependencies, no re-exec onto another Node.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stagePackage } from '../../cli/package.ts';
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
let installOutput: string;
let npmEnv: NodeJS.ProcessEnv;
let staged: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-pack-'));
  prefix = join(dir, 'prefix');
  npmEnv = { ...process.env, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };
  staged = await stagePackage(join(dir, 'staged'));
  const packJson = execFileSync('npm', ['pack', staged, '--json', '--pack-destination', dir], { cwd: repoRoot, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  packed = (JSON.parse(packJson) as (typeof packed)[])[0]!;
  // --offline: a package that needed anything from the registry would fail to install here.
  const install = spawnSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, packed.filename)], { env: npmEnv, encoding: 'utf8' });
  expect(install.status, install.stderr).toBe(0);
  installOutput = install.stderr;
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
  it('holds the bundled bins, the README, LICENSE, CHANGELOG and package.json only', () => {
    expect(packed.filename).toBe(`regcred-${version}.tgz`);
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'dist/docker-credential-regcred.mjs',
      'dist/regcred-kubelet-credential-provider.mjs',
      'dist/regcred.mjs',
      'dist/sigv4.mjs',
      'package.json',
    ]);
  });

  it('installs with no dependencies and no warning, and puts the three bins on PATH', () => {
    expect(installOutput).toBe('');
    const installedDir = join(prefix, 'lib', 'node_modules', 'regcred');
    expect(readdirSync(installedDir).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'package.json']);
    expect(existsSync(join(installedDir, 'node_modules'))).toBe(false);
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(['docker-credential-regcred', 'regcred', 'regcred-kubelet-credential-provider']);
  });

  it("its package.json: the checkout's, less scripts, devDependencies and allowScripts; public, with a license whose file it ships", () => {
    const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
    const shipped = JSON.parse(readFileSync(join(prefix, 'lib', 'node_modules', 'regcred', 'package.json'), 'utf8')) as Record<string, unknown>;
    const { scripts, devDependencies, allowScripts, ...kept } = root;
    expect([scripts, devDependencies, allowScripts].every(Boolean)).toBe(true);
    expect(shipped).toMatchObject(kept);
    expect(Object.keys(shipped).filter((field) => !(field in kept))).toEqual([]);
    expect(shipped).not.toHaveProperty('private');
    expect(shipped).toMatchObject({ license: 'Apache-2.0', repository: { url: expect.stringMatching(/^git\+https:/) }, homepage: expect.any(String), keywords: expect.any(Array) });
    expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
  });

  it("the packed README's links resolve: headings of the README itself, or files of the repository at the repository's address", () => {
    const readme = readFileSync(join(prefix, 'lib', 'node_modules', 'regcred', 'README.md'), 'utf8');
    const { repository } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { repository: { url: string } };
    const fileBase = `${repository.url.replace(/^git\+/, '').replace(/\.git$/, '')}/blob/HEAD/`;
    const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!.replace(/`/g, ''))));
    const tracked = new Set(execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n'));
    const prose = readme.replace(/```[\s\S]*?```|`[^`\n]*`/g, '');
    const links = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links.filter((l) => l.startsWith(fileBase)).length).toBeGreaterThan(3);
    const unresolved = links.filter((link) => {
      if (link.startsWith('#')) return !anchors.has(link.slice(1));
      if (link.startsWith(fileBase)) {
        const path = link.slice(fileBase.length).replace(/\/$/, '');
        return !tracked.has(path) && ![...tracked].some((file) => file.startsWith(`${path}/`));
      }
      return !/^https:\/\//.test(link);
    });
    expect(unresolved).toEqual([]);
  });

  it('npm publish --dry-run passes for the staged package; the checkout itself refuses to be packed as it is', () => {
    const dryRun = spawnSync('npm', ['publish', '--dry-run', '--offline', staged], { env: npmEnv, encoding: 'utf8' });
    expect(dryRun.status, dryRun.stderr).toBe(0);
    expect(dryRun.stderr).toContain(`regcred@${version}`);
    const rootPack = spawnSync('npm', ['pack', '--dry-run'], { cwd: repoRoot, env: npmEnv, encoding: 'utf8' });
    expect(rootPack.status).not.toBe(0);
    expect(rootPack.stderr).toContain('npm run package');
  });

  it('runs each bin on the system Node', async () => {
    const nodeVersion = execFileSync(systemNode, ['--version'], { encoding: 'utf8' }).trim();
    expect(Number(/^v(\d+)/.exec(nodeVersion)?.[1])).toBeGreaterThanOrEqual(20);
    // Alike in all three: `<bin> (regcred) <version>`, as docker's credential helpers print it.
    expect(await installed('regcred', ['--version'])).toEqual({ code: 0, stdout: `regcred (regcred) ${version}\n`, stderr: '' });
    expect(await installed('docker-credential-regcred', ['version'])).toEqual({
      code: 0,
      stdout: `docker-credential-regcred (regcred) ${version}\n`,
      stderr: '',
    });
    expect(await installed('regcred-kubelet-credential-provider', ['--version'])).toEqual({
      code: 0,
      stdout: `regcred-kubelet-credential-provider (regcred) ${version}\n`,
      stderr: '',
    });
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
