// The read side over real HTTP against the `npm start` server the test run started: resolve an image
// or a credential helper's server to its credential, and the project's docker config.json. Passwords
// may appear only in the 200 bodies of these two routes; assertions compare them without printing.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { dockerConfigJsonPath, expandPath, registryAuthPath, routes } from '../../functions/contract/routes.ts';
import { errorBody, errorCodes, registryAuth } from '../../functions/contract/schemas.ts';
import { uniqueProject } from '../support/handlers.ts';
import { checkedFetch } from '../support/openapi-check.ts';
import { expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';

const { apiUrl, serverLog } = inject('localStack');
const fixture = JSON.parse(readFileSync(new URL('../fixtures/kubectl-dockerconfigjson.json', import.meta.url), 'utf8')) as {
  cases: Array<{ server: string; username: string; password: string; email: string | null; dockerconfigjson: string }>;
};

const secret = (password: string, username = 'robot') => trackCredential(username, password);
for (const c of fixture.cases) secret(c.password, c.username);

async function request(method: string, path: string, body?: unknown) {
  const response = await checkedFetch(`${apiUrl}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

/** Every answer but a resolve or dockerconfigjson 200 must be free of every password this file sent. */
const expectNoPassword = (reply: { text: string }) => expectNoTrackedSecret(reply.text);

async function add(project: string, body: { server: string; username?: string | null; email?: string | null; password: string }) {
  const reply = await request('POST', expandPath(routes.addCredential.path, { project }), body);
  expectNoPassword(reply);
  expect(reply.status).toBe(201);
  return reply.json as { id: string; registry: string };
}

async function resolve(project: string, query: Record<string, string>) {
  const reply = await request('GET', `${expandPath(registryAuthPath, { project })}?${new URLSearchParams(query)}`);
  if (reply.status !== 200) expectNoPassword(reply);
  return reply;
}

async function dockerConfig(project: string) {
  return request('GET', expandPath(dockerConfigJsonPath, { project }));
}

/** The log lines the server wrote for a project's read-side requests so far. */
function readSideLines(project: string): Array<Record<string, any>> {
  return readFileSync(serverLog, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"project":"${project}"`) && /"route":"(resolve-registry-auth|get-dockerconfigjson)"/.test(line))
    .map((line) => JSON.parse(line));
}

describe('GET /projects/{project}/registry-auth', () => {
  it('resolves images to the most specific credential with its exact password, no-store', async () => {
    const project = uniqueProject('res');
    const hubPassword = secret(`hub-${crypto.randomUUID()}`, 'me');
    const orgPassword = secret(`org-${crypto.randomUUID()}`, 'bot');
    const teamPassword = secret(`team-${crypto.randomUUID()}`, 'bot');
    const hub = await add(project, { server: 'https://index.docker.io/v1/', username: 'me', email: 'me@example.com', password: hubPassword });
    const org = await add(project, { server: 'ghcr.io/org', username: 'bot', password: orgPassword });
    const team = await add(project, { server: 'https://ghcr.io/org/team/', username: 'bot', password: teamPassword });

    const reply = await resolve(project, { image: 'nginx:1.25' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(reply.json)).toEqual(['credentialId', 'registry', 'image', 'server', 'username', 'email', 'password', 'pathScoped']);
    expect(registryAuth.safeParse(reply.json).success).toBe(true);
    const { password, ...rest } = reply.json;
    expect(password === hubPassword, 'the stored password, byte for byte').toBe(true);
    expect(rest).toEqual({
      credentialId: hub.id,
      registry: 'docker.io',
      image: 'docker.io/library/nginx',
      server: 'https://index.docker.io/v1/',
      username: 'me',
      email: 'me@example.com',
      pathScoped: false, // no docker.io/... key in the project
    });

    const digest = `sha256:${'ab'.repeat(32)}`;
    for (const [image, expected, pw] of [
      ['ghcr.io/org/app', org, orgPassword],
      [`ghcr.io/org/team/app:1@${digest}`, team, teamPassword],
      ['GHCR.io/org/teammate/app', org, orgPassword],
      ['index.docker.io/library/redis', hub, hubPassword],
    ] as const) {
      const r = await resolve(project, { image });
      expect(r.status, image).toBe(200);
      expect(r.json.credentialId, image).toBe(expected.id);
      expect(r.json.registry, image).toBe(expected.registry);
      expect(r.json.pathScoped, image).toBe(expected.registry !== 'docker.io');
      expect(r.json.password === pw, image).toBe(true);
    }
  });

  it('answers 404 NoCredential when nothing matches; ghcr.io/org never matches ghcr.io/org2', async () => {
    const project = uniqueProject('res');
    await add(project, { server: 'ghcr.io/org', username: 'bot', password: secret(`org-${crypto.randomUUID()}`, 'bot') });
    const queries: Record<string, string>[] = [{ image: 'ghcr.io/org2/app' }, { image: 'ghcr.io/app' }, { image: 'nginx' }, { server: 'ghcr.io' }, { server: 'quay.io' }];
    for (const query of queries) {
      const reply = await resolve(project, query);
      expect(reply.status, JSON.stringify(query)).toBe(404);
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
      expect(reply.json).toEqual({ error: 'NoCredential', message: expect.any(String) });
    }
    expect((await resolve(project, { server: 'ghcr.io' })).json.message).toContain('sees only the host');
  });

  it('resolves what a credential helper receives: the host credential only', async () => {
    const project = uniqueProject('res');
    const hubPassword = secret(`hub-${crypto.randomUUID()}`, 'me');
    const localPassword = secret(`local-${crypto.randomUUID()}`);
    const hub = await add(project, { server: 'docker.io', username: 'me', password: hubPassword });
    const local = await add(project, { server: 'localhost:5000', username: 'robot', password: localPassword });
    for (const server of ['https://index.docker.io/v1/', 'docker.io', 'registry-1.docker.io']) {
      const reply = await resolve(project, { server });
      expect(reply.status, server).toBe(200);
      expect(reply.json.credentialId).toBe(hub.id);
      expect(reply.json.image).toBeNull();
      expect(reply.json.password === hubPassword).toBe(true);
    }
    const reply = await resolve(project, { server: 'localhost:5000' });
    expect(reply.json.credentialId).toBe(local.id);
    expect(reply.json.password === localPassword).toBe(true);
  });

  it.each([
    ['neither image nor server', '', 'image'],
    ['both image and server', 'image=nginx&server=docker.io', 'server'],
    ['an empty image', 'image=', 'image'],
    ['an uppercase repository', 'image=Nginx', 'image'],
    ['an image with a scheme', 'image=https%3A%2F%2Fghcr.io%2Fapp', 'image'],
    ['a short digest', 'image=nginx%40sha256%3Aabc', 'image'],
    ['a server with user info', 'server=https%3A%2F%2Fu%3Ap%40x.io', 'server'],
    ['a server with a query', 'server=x.io%2F%3Fa', 'server'],
    ['an unknown parameter', 'image=nginx&tag=1', 'tag'],
  ])('refuses %s with 400 naming %s', async (_, query, field) => {
    const reply = await request('GET', `${expandPath(registryAuthPath, { project: 'res-bad-input' })}?${query}`);
    expectNoPassword(reply);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'ValidationError', message: expect.stringContaining(field) });
    expect(reply.json.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('refuses an invalid project with 400 naming project', async () => {
    for (const path of ['/projects/Bad_Project/registry-auth?image=nginx', '/projects/Bad_Project/dockerconfigjson']) {
      const reply = await request('GET', path);
      expect(reply.status).toBe(400);
      expect(reply.json.issues.map((i: { path: string }) => i.path)).toEqual(['project']);
    }
  });

  it('keeps projects apart', async () => {
    const [a, b] = [uniqueProject('iso'), uniqueProject('iso')];
    const aPassword = secret(`a-${crypto.randomUUID()}`);
    const bPassword = secret(`b-${crypto.randomUUID()}`);
    const inA = await add(a, { server: 'reg.example.com', username: 'robot', password: aPassword });
    expect((await resolve(b, { image: 'reg.example.com/app' })).status).toBe(404);
    expect((await dockerConfig(b)).text).toBe('{"auths":{}}');
    const inB = await add(b, { server: 'reg.example.com', username: 'robot', password: bPassword });
    const fromA = await resolve(a, { image: 'reg.example.com/app' });
    const fromB = await resolve(b, { image: 'reg.example.com/app' });
    expect([fromA.json.credentialId, fromB.json.credentialId]).toEqual([inA.id, inB.id]);
    expect(fromA.json.password === aPassword && fromB.json.password === bPassword).toBe(true);
  });

  it('stops resolving a deleted credential at once, falling back to a less specific one', async () => {
    const project = uniqueProject('del');
    const hostPassword = secret(`host-${crypto.randomUUID()}`);
    const host = await add(project, { server: 'reg.example.com', username: 'robot', password: hostPassword });
    const team = await add(project, { server: 'reg.example.com/team', username: 'robot', password: secret(`team-${crypto.randomUUID()}`) });
    expect((await resolve(project, { image: 'reg.example.com/team/app' })).json.credentialId).toBe(team.id);

    const deleted = await request('DELETE', `${expandPath(routes.addCredential.path, { project })}/${team.id}`);
    expect(deleted.status).toBe(204);
    const after = await resolve(project, { image: 'reg.example.com/team/app' });
    expect(after.json.credentialId).toBe(host.id);
    expect(after.json.password === hostPassword).toBe(true);

    expect((await request('DELETE', `${expandPath(routes.addCredential.path, { project })}/${host.id}`)).status).toBe(204);
    expect((await resolve(project, { image: 'reg.example.com/team/app' })).status).toBe(404);
    expect((await dockerConfig(project)).text).toBe('{"auths":{}}');
  });
});

describe('fuzzing the resolve query over HTTP', () => {
  it('never a 5xx; a 200 is a credential whose key is a candidate of the image; errors have the documented shape', async () => {
    const project = uniqueProject('fz');
    const ids = new Set<string>();
    for (const server of ['docker.io', 'ghcr.io/org', 'localhost:5000', 'reg.example.com/a/b']) {
      ids.add((await add(project, { server, username: 'robot', password: secret(`fz-${crypto.randomUUID()}`) })).id);
    }
    const value = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('nginx', 'ghcr.io/org/app:1', 'localhost:5000/x@sha256:' + 'a'.repeat(64), 'reg.example.com/a/b/c', 'https://index.docker.io/v1/', 'docker.io', '%', '../..', 'x'.repeat(1025)),
    );
    const query = fc.oneof(
      value.map((image) => ({ image })),
      value.map((server) => ({ server })),
      fc.dictionary(fc.constantFrom('image', 'server', 'tag', '__proto__', 'constructor'), value, { maxKeys: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const reply = await resolve(project, q as Record<string, string>);
        expect(reply.status).toBeLessThan(500);
        if (reply.status === 200) {
          expect(ids.has(reply.json.credentialId)).toBe(true);
          if (reply.json.image !== null) expect(reply.json.image === reply.json.registry || reply.json.image.startsWith(`${reply.json.registry}/`)).toBe(true);
          return;
        }
        expect(errorBody.safeParse(reply.json).success).toBe(true);
        expect(errorCodes[reply.json.error as keyof typeof errorCodes]).toBe(reply.status);
        expect([400, 404]).toContain(reply.status);
      }),
      { numRuns: 300 },
    );
  });
});

describe('GET /projects/{project}/dockerconfigjson', () => {
  it.each(fixture.cases.map((c) => [c.server, c] as const))('%s: byte for byte what kubectl create secret docker-registry writes', async (_, c) => {
    const project = uniqueProject('cfg');
    await add(project, { server: c.server, username: c.username, email: c.email, password: c.password });
    const reply = await dockerConfig(project);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.text === c.dockerconfigjson, 'body equals the kubectl fixture').toBe(true);
  });

  it('puts every credential in one object, keys sorted as Go marshals a map, no username or email when absent', async () => {
    const project = uniqueProject('cfg');
    for (const c of fixture.cases) await add(project, { server: c.server, username: c.username, email: c.email, password: c.password });
    const anonymous = secret(`anon-${crypto.randomUUID()}`, '');
    await add(project, { server: 'quay.io/team', password: anonymous });
    const reply = await dockerConfig(project);
    expect(reply.status).toBe(200);
    const auths = reply.json.auths as Record<string, Record<string, string>>;
    expect(Object.keys(auths)).toEqual(['ghcr.io/org', 'https://index.docker.io/v1/', 'localhost:5000', 'quay.io/team']);
    for (const c of fixture.cases) {
      const single = JSON.parse(c.dockerconfigjson).auths;
      const key = Object.keys(single)[0]!;
      expect(JSON.stringify(auths[key]) === JSON.stringify(single[key]), key).toBe(true);
      const slice = reply.text.indexOf(c.dockerconfigjson.slice('{"auths":{'.length, -2));
      expect(slice, `${key}: kubectl's bytes inside the whole body`).toBeGreaterThan(0);
    }
    expect(Object.keys(auths['quay.io/team']!)).toEqual(['password', 'auth']);
    expect(auths['quay.io/team']!['auth'] === Buffer.from(`:${anonymous}`).toString('base64')).toBe(true);
  });

  it('returns all of 120 credentials, each with its own password', async () => {
    const project = uniqueProject('many');
    const passwords = new Map<string, string>();
    for (let batch = 0; batch < 12; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const server = `reg${batch * 10 + i}.example.com`;
          const password = secret(`many-${crypto.randomUUID()}`);
          passwords.set(server, password);
          await add(project, { server, username: 'robot', password });
        }),
      );
    }
    const reply = await dockerConfig(project);
    expect(reply.status).toBe(200);
    const auths = reply.json.auths as Record<string, { username: string; password: string; auth: string }>;
    expect(Object.keys(auths).sort()).toEqual([...passwords.keys()].sort());
    const wrong = [...passwords].filter(([server, password]) => {
      const entry = auths[server];
      return entry?.password !== password || entry.auth !== Buffer.from(`robot:${password}`).toString('base64');
    });
    expect(wrong.map(([server]) => server)).toEqual([]);
  });
});

describe('the audit log', () => {
  it('writes one line per request, the audit line, with caller, project, image, match, ids and outcome, never a password', async () => {
    const project = uniqueProject('audit');
    const password = secret(`audit-${crypto.randomUUID()}`);
    const created = await add(project, { server: 'ghcr.io/org', username: 'robot', password });
    await resolve(project, { image: 'ghcr.io/org/app:1' });
    await resolve(project, { image: 'ghcr.io/org2/app' });
    await resolve(project, { server: 'ghcr.io' });
    await resolve(project, { image: 'Bad' });
    await dockerConfig(project);
    const base = { caller: 'local', project, registries: [], credentialIds: [], image: null, server: null };
    // The server writes a line as it answers; the last one may still be in its stdout pipe.
    await expect.poll(() => readSideLines(project).length).toBe(5);
    const lines = readSideLines(project);
    expect(lines.map((l) => [l.message, l.statusCode])).toEqual([
      ['audit', 200],
      ['audit', 404],
      ['audit', 404],
      ['audit', 400],
      ['audit', 200],
    ]);
    expect(lines.map((l) => l.audit)).toEqual([
      { ...base, image: 'ghcr.io/org/app', registries: ['ghcr.io/org'], credentialIds: [created.id], outcome: 'resolved' },
      { ...base, image: 'ghcr.io/org2/app', outcome: 'no-credential' },
      { ...base, server: 'ghcr.io', outcome: 'no-credential' },
      { ...base, outcome: 'invalid-request' },
      { ...base, registries: ['ghcr.io/org'], credentialIds: [created.id], outcome: 'resolved' },
    ]);
  });
});
