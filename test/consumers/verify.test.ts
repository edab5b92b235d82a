// Verify against Debian's docker-registry on 127.0.0.1, with htpasswd (Basic) and with token auth
// (a token issuer this test runs: RS256 JWTs with x5c). The handlers run as `npm start` runs them,
// where loopback http registries are allowed (REGCRED_ALLOW_INSECURE_REGISTRIES=true).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/contract/routes.ts';
import { invoke, loadHandlers, localClients, uniqueProject, type Handlers } from '../support/handlers.ts';
import { freePort, startRegistry, type TestRegistry } from '../support/registry.ts';
import { trackSecret } from '../support/secret-audit.ts';
import { httpStub, type Stub } from '../support/stub-server.ts';
import { createPki, type TestPki } from '../support/test-pki.ts';
import { startTokenIssuer, type TokenIssuer } from '../support/token-issuer.ts';

const username = 'verify-user';
const password = trackSecret(`verify-basic-${crypto.randomUUID()}`);
const tokenPassword = trackSecret(`verify-token-${crypto.randomUUID()}`);
const wrong = trackSecret(`verify-wrong-${crypto.randomUUID()}`);
let h: Handlers;
let basicRegistry: TestRegistry;
let tokenRegistry: TestRegistry;
let issuer: TokenIssuer;
let pki: TestPki;

beforeAll(async () => {
  h = await loadHandlers();
  pki = await createPki();
  issuer = await startTokenIssuer({ username, password: tokenPassword, signer: await pki.leaf('regcred test token signer') });
  [basicRegistry, tokenRegistry] = await Promise.all([
    startRegistry({ username, password }),
    startRegistry({
      username,
      password: tokenPassword,
      token: { realm: issuer.realm, service: issuer.service, issuer: issuer.issuer, rootCertBundle: pki.caFile },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([basicRegistry?.stop(), tokenRegistry?.stop(), issuer?.stop()]);
  pki?.remove();
});

const add = (project: string, body: Record<string, unknown>, query?: Record<string, string>) =>
  invoke(h.add, routes.addCredential, { pathParameters: { project }, body, ...(query && { query }) });
const verify = (project: string, id: string) => invoke(h.verify, routes.verifyCredential, { pathParameters: { project, id } });
const update = (project: string, id: string, body: Record<string, unknown>) =>
  invoke(h.update, routes.updateCredential, { pathParameters: { project, id }, body });
const list = (project: string) => invoke(h.list, routes.listCredentials, { pathParameters: { project } });

async function verifyNew(server: string, user: string | null, secret: string) {
  const project = uniqueProject('verify');
  const created = await add(project, { server, password: secret, ...(user && { username: user }) });
  expect(created.status).toBe(201);
  const reply = await verify(project, created.json.id);
  expect(reply.text).not.toContain(secret);
  return { project, id: created.json.id as string, reply };
}

describe('verify against docker-registry', () => {
  it.each([
    ['htpasswd, right password: valid', () => basicRegistry.host, username, () => password, 'valid', 'registry accepted the login'],
    ['htpasswd, wrong password: invalid', () => basicRegistry.host, username, () => wrong, 'invalid', 'registry answered 401'],
    ['htpasswd, unknown user: invalid', () => basicRegistry.host, 'nobody', () => password, 'invalid', 'registry answered 401'],
    ['token auth, right password: valid', () => tokenRegistry.host, username, () => tokenPassword, 'valid', 'registry with the token accepted the login'],
    ['token auth, wrong password: invalid', () => tokenRegistry.host, username, () => wrong, 'invalid', 'token service answered 401'],
  ])('%s', async (_, server, user, secret, status, detail) => {
    const { project, id, reply } = await verifyNew(server(), user, secret());
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status, detail, checkedAt: expect.any(String) });
    const [item] = (await list(project)).json.items;
    expect(item).toMatchObject({ id, status, checkedAt: reply.json.checkedAt, version: 1 });
  });

  it('asks the token service for service, offline_token=true and client_id=regcred', async () => {
    const before = issuer.requests.length;
    await verifyNew(tokenRegistry.host, username, tokenPassword);
    const query = issuer.requests.at(-1);
    expect(issuer.requests.length).toBeGreaterThan(before);
    expect(Object.fromEntries(query ?? [])).toEqual({ service: issuer.service, offline_token: 'true', client_id: 'regcred' });
  });

  it('a closed port is unreachable', async () => {
    const { reply } = await verifyNew(`127.0.0.1:${await freePort()}`, username, password);
    expect(reply.json).toMatchObject({ status: 'unreachable', detail: 'connection refused' });
  });

  it('checks at most once per 10 s per version (429 with Retry-After); an update allows an immediate re-check', async () => {
    const { project, id } = await verifyNew(basicRegistry.host, username, wrong);
    const again = await verify(project, id);
    expect(again.status).toBe(429);
    expect(again.json.error).toBe('TooManyRequests');
    expect(Number(again.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(again.headers['retry-after'])).toBeLessThanOrEqual(10);
    expect((await list(project)).json.items[0].status).toBe('invalid');

    const fixed = await update(project, id, { password });
    expect(fixed.json).toMatchObject({ version: 2, status: null, checkedAt: null });
    const recheck = await verify(project, id);
    expect(recheck.status).toBe(200);
    expect(recheck.json.status).toBe('valid');
    expect((await list(project)).json.items[0]).toMatchObject({ status: 'valid', version: 2 });
    const { rawItems } = localClients();
    expect((await rawItems(project)).find((i) => i['id']?.S === id)?.['checkedVersion']?.N).toBe('2');
  });

  it('an email-only update keeps the rate limit; a new password or username allows an immediate re-check', async () => {
    const { project, id } = await verifyNew(basicRegistry.host, username, wrong);
    expect((await update(project, id, { email: 'ci@example.com' })).json).toMatchObject({ version: 2, status: 'invalid' });
    expect((await verify(project, id)).status).toBe(429);
    expect((await update(project, id, { username: 'nobody' })).json).toMatchObject({ version: 3, status: null });
    expect((await verify(project, id)).json).toMatchObject({ status: 'invalid' });
  });

  it('404 for an unknown id', async () => {
    const reply = await verify(uniqueProject('verify'), crypto.randomUUID());
    expect(reply.status).toBe(404);
    expect(reply.json.error).toBe('NotFound');
  });
});

describe('unsupported outcomes (a scripted registry on 127.0.0.1)', () => {
  let scripted: Stub<Server>;
  let host = '';
  let answer: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const seen: string[] = [];
  beforeAll(async () => {
    scripted = await httpStub((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ? 'with' : 'without'} login`);
      answer(req, res);
    });
    host = `127.0.0.1:${scripted.port}`;
  });
  afterAll(() => scripted.close());

  const reply = (status: number, headers: Record<string, string> = {}, body = '') => (_: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  /** /v2/ asks for a token from this server's /token, which answers with `token`. */
  const tokenFlow = (token: (req: IncomingMessage, res: ServerResponse) => void) => (req: IncomingMessage, res: ServerResponse) =>
    req.url?.startsWith('/token') ? token(req, res) : reply(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="s"` })(req, res);

  it.each([
    ['asks for no login (200 on /v2/)', () => reply(200, {}, '{}'), 'registry asks for no login', 1],
    ['asks for an unknown scheme', () => reply(401, { 'www-authenticate': 'Negotiate' }), 'registry asks for an unknown login scheme', 1],
    ['sends Bearer without a realm', () => reply(401, { 'www-authenticate': 'Bearer service="s"' }), 'registry asks for an unknown login scheme', 1],
    ['names an invalid realm', () => reply(401, { 'www-authenticate': 'Bearer realm="not a url"' }), 'registry names an invalid token realm', 1],
    ['names a realm off its domain', () => reply(401, { 'www-authenticate': 'Bearer realm="https://auth.example.com/token"' }), 'registry names a token realm off its own domain', 1],
    ['answers 404 on /v2/', () => reply(404), 'registry answered 404', 1],
    ['has a token service answering without a token', () => tokenFlow(reply(200, { 'content-type': 'application/json' }, '{"expires_in":300}')), 'token service answered without a token', 2],
    ['has a token service answering 404', () => tokenFlow(reply(404)), 'token service answered 404', 2],
  ])('a registry that %s is unsupported', async (_, script, detail, requests) => {
    answer = script();
    seen.length = 0;
    const { project, id, reply: checked } = await verifyNew(host, username, password);
    expect(checked.status).toBe(200);
    expect(checked.json).toEqual({ status: 'unsupported', detail, checkedAt: expect.any(String) });
    expect(seen).toHaveLength(requests);
    expect((await list(project)).json.items[0]).toMatchObject({ id, status: 'unsupported' });
  });

  it('an identity-token login (<token>) is unsupported without asking the registry', async () => {
    answer = reply(200);
    seen.length = 0;
    const { reply: checked } = await verifyNew(host, '<token>', password);
    expect(checked.json).toEqual({ status: 'unsupported', detail: 'identity tokens are not checked', checkedAt: expect.any(String) });
    expect(seen).toEqual([]);
  });
});

describe('add with ?verify=true', () => {
  it('shares one limit with verify: 10 registry checks per minute per project and registry host, then 429', async () => {
    const project = uniqueProject('verify');
    const tries = await Promise.all(
      Array.from({ length: 10 }, () => add(project, { server: basicRegistry.host, username, password: wrong }, { verify: 'true' })),
    );
    expect(tries.map((t) => t.status)).toEqual(Array(10).fill(422));
    const limited = await add(project, { server: basicRegistry.host, username, password }, { verify: 'true' });
    expect([limited.status, limited.json.error]).toEqual([429, 'TooManyRequests']);
    expect(limited.json.message).toMatch(new RegExp(`registry checks of ${basicRegistry.host.replace(/[.]/g, '\\.')} reached 10`));
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Unchecked adds are not limited, but their verify is; another host, or another project, is not.
    const unchecked = await add(project, { server: basicRegistry.host, username, password });
    expect(unchecked.status).toBe(201);
    expect((await verify(project, unchecked.json.id)).status).toBe(429);
    expect((await add(project, { server: tokenRegistry.host, username, password: tokenPassword }, { verify: 'true' })).status).toBe(201);
    expect((await verifyNew(basicRegistry.host, username, password)).reply.json.status).toBe('valid');
  });

  it('saves a valid login with its status', async () => {
    const project = uniqueProject('verify');
    const reply = await add(project, { server: tokenRegistry.host, username, password: tokenPassword }, { verify: 'true' });
    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({ status: 'valid', checkedAt: expect.any(String), version: 1 });
    expect((await list(project)).json.items).toEqual([reply.json]);
  });

  it('refuses an invalid login with 422 InvalidCredential and stores nothing', async () => {
    const project = uniqueProject('verify');
    const reply = await add(project, { server: basicRegistry.host, username, password: wrong }, { verify: 'true' });
    expect(reply.status).toBe(422);
    expect(reply.json).toEqual({ error: 'InvalidCredential', message: expect.stringContaining('nothing was stored'), detail: 'registry answered 401' });
    expect(reply.text).not.toContain(wrong);
    const { rawItems } = localClients();
    // No credential and no registry guard: only the check, counted against the host's limit.
    expect((await rawItems(project)).map((i) => i['sk']?.S)).toEqual([`CHECKS#${basicRegistry.host}`]);
  });

  it('saves an unreachable registry with that status', async () => {
    const project = uniqueProject('verify');
    const reply = await add(project, { server: `127.0.0.1:${await freePort()}`, password }, { verify: 'true' });
    expect(reply.status).toBe(201);
    expect(reply.json.status).toBe('unreachable');
  });

  it('rejects verify values other than true and false', async () => {
    const reply = await add(uniqueProject('verify'), { server: basicRegistry.host, password }, { verify: 'yes' });
    expect(reply.status).toBe(400);
    expect(reply.json.issues.map((i: { path: string }) => i.path)).toEqual(['verify']);
  });
});
