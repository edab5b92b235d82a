// regcred docker get-credentials, pull-secret and config-json, in-process against the run's local stack.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run } from '../../cli/program.ts';
import { apiAdd } from '../support/api.ts';
import { checkedApiUrl } from '../support/checked-proxy.ts';
import { uniqueProject } from '../support/handlers.ts';
import { expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';

// Every answer the CLI gets is checked against the OpenAPI document (checked-proxy.ts).
const apiUrl = await checkedApiUrl(inject('localStack').apiUrl);
const project = uniqueProject('read-cli');
const hubPassword = trackCredential('me', `read-cli-hub-${crypto.randomUUID()}`);
const orgPassword = trackCredential('bot', `read-cli-org-${crypto.randomUUID()}`);
let hubId: string;
let orgId: string;
const errors: string[] = [];

async function regcred(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io = { out: (text: string) => void (stdout += text), err: (text: string) => void (stderr += text), readStdin: async () => '' };
  const code = await run([...args, '--project', project, '--endpoint', apiUrl], io);
  errors.push(stderr);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  [hubId, orgId] = await Promise.all([
    apiAdd(project, { server: 'https://index.docker.io/v1/', username: 'me', email: 'me@example.com', password: hubPassword }),
    apiAdd(project, { server: 'ghcr.io/org', username: 'bot', password: orgPassword }),
  ]);
});

afterAll(() => {
  for (const text of errors) expectNoTrackedSecret(text, 'regcred stderr');
});

const hubEntry = { username: 'me', password: hubPassword, email: 'me@example.com', auth: Buffer.from(`me:${hubPassword}`).toString('base64') };
const orgEntry = { username: 'bot', password: orgPassword, auth: Buffer.from(`bot:${orgPassword}`).toString('base64') };

describe('regcred docker get-credentials', () => {
  it('prints the most specific credential for an image, as text and as JSON', async () => {
    const text = await regcred('docker', 'get-credentials', 'nginx:1.27');
    expect(text).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'registry:   docker.io',
        'image:      docker.io/library/nginx',
        'server:     https://index.docker.io/v1/',
        `credential: ${hubId}`,
        'username:   me',
        'email:      me@example.com',
        `password:   ${hubPassword}`,
        '',
      ].join('\n'),
    });
    const json = await regcred('docker', 'get-credentials', 'ghcr.io/org/app@sha256:' + 'a'.repeat(64), '-o', 'json');
    expect(json.code).toBe(0);
    const { password, ...rest } = JSON.parse(json.stdout);
    expect(password === orgPassword, 'the stored password').toBe(true); // compared apart, so a failure never prints it
    expect(rest).toEqual({ credentialId: orgId, registry: 'ghcr.io/org', image: 'ghcr.io/org/app', server: 'ghcr.io/org', username: 'bot', email: null, pathScoped: true });
  });

  it('says so, exit 1, when nothing matches (org never matches org2)', async () => {
    expect(await regcred('docker', 'get-credentials', 'ghcr.io/org2/app')).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: No credential in project ${project} matches ghcr.io/org2/app.\n`,
    });
  });
});

describe('regcred docker config-json and pull-secret', () => {
  it('config-json prints the {"auths"} object with Docker Hub under https://index.docker.io/v1/', async () => {
    const result = await regcred('docker', 'config-json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ auths: { 'https://index.docker.io/v1/': hubEntry, 'ghcr.io/org': orgEntry } });
  });

  it('pull-secret prints a kubernetes.io/dockerconfigjson Secret holding the same object, as YAML or JSON', async () => {
    const yaml = await regcred('docker', 'pull-secret', '--namespace', 'apps');
    expect(yaml.code).toBe(0);
    const match = /^apiVersion: v1\nkind: Secret\nmetadata:\n {2}name: regcred\n {2}namespace: apps\ntype: kubernetes\.io\/dockerconfigjson\ndata:\n {2}\.dockerconfigjson: ([A-Za-z0-9+/=]+)\n$/.exec(yaml.stdout);
    expect(match).not.toBeNull();
    expect(JSON.parse(Buffer.from(match![1]!, 'base64').toString('utf8'))).toEqual({ auths: { 'https://index.docker.io/v1/': hubEntry, 'ghcr.io/org': orgEntry } });

    const json = await regcred('docker', 'pull-secret', '--name', 'pull-creds', '-o', 'json');
    const secret = JSON.parse(json.stdout);
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pull-creds' }, type: 'kubernetes.io/dockerconfigjson' });
    expect(secret.metadata).not.toHaveProperty('namespace');
    expect(secret.data['.dockerconfigjson']).toBe(match![1]);
  });

  it('pull-secret refuses a name Kubernetes would refuse (exit 2)', async () => {
    const result = await regcred('docker', 'pull-secret', '--name', 'My_Secret');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: --name "My_Secret" is not a Kubernetes object name/);
  });
});

describe('with no endpoint configured', () => {
  it('uses the running npm start named by the lock file in REGCRED_HOME (on its own port, not 3000)', async () => {
    const { home } = inject('localStack');
    expect(new URL(apiUrl).port).not.toBe('3000');
    let stdout = '';
    let stderr = '';
    const io = { out: (text: string) => void (stdout += text), err: (text: string) => void (stderr += text), readStdin: async () => '' };
    const saved = { ...process.env };
    const configHome = mkdtempSync(join(tmpdir(), 'regcred-read-'));
    delete process.env['REGCRED_ENDPOINT'];
    Object.assign(process.env, { REGCRED_HOME: home, XDG_CONFIG_HOME: configHome });
    try {
      expect(await run(['docker', 'list-credentials', '-o', 'json', '--project', project], io)).toBe(0);
    } finally {
      process.env = saved;
      rmSync(configHome, { recursive: true, force: true });
    }
    errors.push(stderr);
    expect(JSON.parse(stdout).map((item: { id: string }) => item.id).sort()).toEqual([hubId, orgId].sort());
  });
});
