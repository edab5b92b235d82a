// The proof with real clients: Debian's docker-registry (htpasswd, bcrypt) on 127.0.0.1 holds an
// image; skopeo pulls its manifest with the login stored in regcred, (a) through
// docker-credential-regcred named in the auth file's credHelpers and (b) through the auth file
// `regcred docker config-json` writes; once the credential is deleted both get 401.
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkedApiUrl } from '../support/checked-proxy.ts';
import { apiAdd, apiDelete } from '../support/api.ts';
import { buildBinsForTest, cleanEnv, repoRoot, runBin, systemNode, type BuiltBins } from '../support/bins.ts';
import { uniqueProject } from '../support/handlers.ts';
import { freePort, startRegistry, type TestRegistry } from '../support/registry.ts';
import { runProgram, type Run } from '../support/run.ts';
import { expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';

// The bins' every answer is checked against the OpenAPI document (checked-proxy.ts).
const apiUrl = await checkedApiUrl(inject('localStack').apiUrl);
const project = uniqueProject('skopeo');
const username = 'puller';
const password = trackCredential(username, `skopeo-${crypto.randomUUID()}`);

let registry: TestRegistry;
let bins: BuiltBins;
let home: string;
let credentialId: string;
const outputs: string[] = [];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'regcred-skopeo-'));
  [registry, bins] = await Promise.all([startRegistry({ username, password }), buildBinsForTest()]);
  // The helper as an installed package puts it on PATH, with the system `node` its shebang finds first.
  symlinkSync(bins.paths['docker-credential-regcred'], join(home, 'docker-credential-regcred'));
  symlinkSync(systemNode, join(home, 'node'));
  await registry.push('app', 'v1');
  credentialId = await apiAdd(project, { server: registry.host, username, password });
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  bins?.remove();
  rmSync(home, { recursive: true, force: true });
  for (const output of outputs) expectNoTrackedSecret(output, 'skopeo or regcred stderr');
});

const env = (extra: Record<string, string | undefined> = {}) =>
  cleanEnv({
    PATH: `${home}:${process.env.PATH ?? ''}`,
    HOME: home,
    XDG_RUNTIME_DIR: home,
    XDG_CONFIG_HOME: home,
    REGCRED_PROJECT: project,
    REGCRED_ENDPOINT: apiUrl,
    ...extra,
  });

async function inspect(authfile: string, extra: Record<string, string> = {}): Promise<Run> {
  const result = await runProgram('skopeo', ['inspect', '--tls-verify=false', `--authfile=${authfile}`, `docker://${registry.host}/app:v1`], {
    env: env(extra),
  });
  outputs.push(result.stderr);
  return result;
}

function credHelpersFile(): string {
  const file = join(home, 'cred-helpers.json');
  writeFileSync(file, JSON.stringify({ credHelpers: { [registry.host]: 'regcred' } }));
  return file;
}

async function configJsonFile(): Promise<string> {
  const result = await runBin(bins.paths.regcred, ['docker', 'config-json'], { env: env() });
  outputs.push(result.stderr);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const file = join(home, 'regcred-auth.json');
  writeFileSync(file, result.stdout, { mode: 0o600 });
  return file;
}

const pulled = (result: Run) => {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ Name: `${registry.host}/app`, Os: 'linux' });
};

const unauthorized = (result: Run) => {
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/unauthorized|401/i);
};

describe('skopeo inspect against a registry with htpasswd auth', () => {
  it('is refused without credentials (the control)', async () => {
    const empty = join(home, 'empty.json');
    writeFileSync(empty, '{}');
    unauthorized(await inspect(empty));
  });

  it('(a) pulls through docker-credential-regcred named in credHelpers', async () => {
    pulled(await inspect(credHelpersFile()));
  });

  it('(b) pulls with --authfile from `regcred docker config-json`', async () => {
    pulled(await inspect(await configJsonFile()));
  });

  it("(b') the README's auth-file block as written: a private temporary file without XDG_RUNTIME_DIR, the caller's umask untouched", async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('regcred docker config-json >'))!;
    expect(block).not.toMatch(/umask|XDG_RUNTIME_DIR/);
    // Only the image is this registry's (plain HTTP); the file's mode and the umask are printed before it is removed.
    const script = block
      .replace(/docker:\/\/\S+/, `--tls-verify=false docker://${registry.host}/app:v1`)
      .replace(/^rm -f/m, `stat -c 'mode %a' "$authfile"; umask; rm -f`);
    const binDir = mkdtempSync(join(home, 'bin-'));
    symlinkSync(bins.paths.regcred, join(binDir, 'regcred'));
    const tmp = mkdtempSync(join(home, 'tmp-'));
    const result = await runProgram('sh', ['-euc', `umask 022\n${script}`], {
      env: env({ TMPDIR: tmp, XDG_RUNTIME_DIR: undefined, PATH: `${binDir}:${home}:${process.env['PATH'] ?? ''}` }),
    });
    outputs.push(result.stderr);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/"Name": "[^"]+\/app"[\s\S]*\nmode 600\n0022\n$/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('aborts, not pulls anonymously, when the vault is unreachable (the helper never says not-found for it)', async () => {
    const result = await inspect(credHelpersFile(), { REGCRED_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Cannot reach the regcred API/);
    expect(result.stderr).not.toMatch(/unauthorized/i);
  });

  it('gets 401 both ways once the credential is deleted', async () => {
    await apiDelete(project, credentialId);
    unauthorized(await inspect(credHelpersFile()));
    unauthorized(await inspect(await configJsonFile()));
  });
});
