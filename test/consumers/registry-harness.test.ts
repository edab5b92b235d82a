// The test registry itself: it refuses anonymous pulls, takes a push of the hand-built OCI image
// with its htpasswd login, and serves it back to `skopeo inspect` with that login.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackCredential } from '../support/secret-audit.ts';
import { startRegistry, type TestRegistry } from '../support/registry.ts';
import { runProgram } from '../support/run.ts';

const username = 'harness';
const password = trackCredential(username, `registry-harness-${crypto.randomUUID()}`);
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry({ username, password });
  await registry.push('app', 'v1');
});
afterAll(async () => registry?.stop());

const inspect = (extra: string[]) =>
  runProgram('skopeo', ['inspect', '--tls-verify=false', ...extra, `docker://${registry.host}/app:v1`], {
    env: { ...process.env, HOME: registry.dir, XDG_RUNTIME_DIR: registry.dir, REGISTRY_AUTH_FILE: '' },
  });

describe('test registry (docker-registry with htpasswd, image pushed by skopeo)', () => {
  it('answers /v2/ with 401 and a Basic challenge', async () => {
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="regcred-test"/);
  });

  it('serves the pushed image to skopeo inspect with the login, refuses it without', async () => {
    const authfile = join(registry.dir, 'inspect-auth.json');
    writeFileSync(authfile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }));
    const ok = await inspect([`--authfile=${authfile}`]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ Name: `${registry.host}/app`, Architecture: 'amd64', Os: 'linux' });
    expect(JSON.parse(ok.stdout).Layers).toHaveLength(1);

    const empty = join(registry.dir, 'empty-auth.json');
    writeFileSync(empty, '{}');
    const refused = await inspect([`--authfile=${empty}`]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/unauthorized|401/i);
  });
});
