// Over real HTTP against the `npm start` server the test run started.
import { describe, expect, inject, it } from 'vitest';
import { uniqueProject } from '../support/handlers.ts';
import { openApiJson } from '../../functions/contract/openapi.ts';
import { checkedFetch } from '../support/openapi-check.ts';
import { trackSecret } from '../support/secret-audit.ts';

const { apiUrl } = inject('localStack');
const password = trackSecret(`http-${crypto.randomUUID()}`);

async function call(method: string, path: string, init: { body?: string; contentType?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await checkedFetch(`${apiUrl}${path}`, { method, headers, ...(init.body !== undefined && { body: init.body }) });
  const text = await response.text();
  expect(text).not.toContain(password);
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

const credentials = (project: string) => `/projects/${project}/docker-credentials`;

describe('the HTTP API', () => {
  it('adds, lists and deletes like curl would', async () => {
    const project = uniqueProject('http');
    const created = await call('POST', credentials(project), {
      body: JSON.stringify({ server: 'https://index.docker.io/v1/', username: 'me', password }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/json/);
    expect(created.headers.get('location')).toBe(`${credentials(project)}/${created.json.id}`);
    expect(created.json).toMatchObject({ registry: 'docker.io', username: 'me', email: null });

    const listed = await call('GET', `${credentials(project)}?limit=10`);
    expect(listed.json).toEqual({ items: [created.json], nextToken: null });

    const deleted = await call('DELETE', `${credentials(project)}/${created.json.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await call('GET', credentials(project))).json.items).toEqual([]);
  });

  it('rotates in place with PATCH: ETag, If-Match, 412 on a stale version, list shows the new version', async () => {
    const project = uniqueProject('http');
    const created = await call('POST', credentials(project), { body: JSON.stringify({ server: 'quay.io', username: 'me', password }) });
    expect(created.headers.get('etag')).toBe('"1"');
    const path = `${credentials(project)}/${created.json.id}`;
    const rotated = trackSecret(`http-rotated-${crypto.randomUUID()}`);
    const updated = await call('PATCH', path, { body: JSON.stringify({ password: rotated }), headers: { 'if-match': '"1"' } });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(updated.text).not.toContain(rotated);
    expect(updated.json).toMatchObject({ id: created.json.id, registry: 'quay.io', version: 2, status: null });
    const stale = await call('PATCH', path, { body: JSON.stringify({ email: 'me@example.com' }), headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.json.error).toBe('PreconditionFailed');
    expect((await call('GET', credentials(project))).json.items).toEqual([updated.json]);
    const wrongMethod = await call('PUT', path, { body: '{}' });
    expect(wrongMethod.headers.get('allow')).toBe('DELETE, PATCH');
  });

  it('verify: 404 for an unknown id, and a check result (unreachable here) stored for list', async () => {
    const project = uniqueProject('http');
    expect((await call('POST', `${credentials(project)}/${crypto.randomUUID()}/verify`)).status).toBe(404);
    const created = await call('POST', credentials(project), { body: JSON.stringify({ server: '127.0.0.1:9', password }) });
    const checked = await call('POST', `${credentials(project)}/${created.json.id}/verify`, { contentType: null });
    expect(checked.status).toBe(200);
    expect(checked.json).toEqual({ status: 'unreachable', detail: 'connection refused', checkedAt: expect.any(String) });
    expect((await call('GET', credentials(project))).json.items[0]).toMatchObject({ status: 'unreachable', checkedAt: checked.json.checkedAt });
  });

  const project = 'http-bad-input';
  const good = { server: 'reg.example.com', password };
  it.each([
    ['invalid project', 'POST', '/projects/Bad_Project/docker-credentials', JSON.stringify(good), undefined, 400, 'project'],
    ['project path traversal (an encoded slash)', 'GET', '/projects/..%2F..%2Fetc/docker-credentials', undefined, undefined, 400, 'path'],
    ['id not a UUID', 'DELETE', `${credentials(project)}/not-a-uuid`, undefined, undefined, 400, 'id'],
    ['percent-encoded project', 'GET', '/projects/http-bad-inpu%74/docker-credentials', undefined, undefined, 400, 'project'],
    ['percent-encoded id', 'DELETE', `${credentials(project)}/%30193c2a4-5b6e-7c8d-9e0f-112233445566`, undefined, undefined, 400, 'id'],
    ['id path traversal (an encoded slash)', 'DELETE', `${credentials(project)}/..%2F..`, undefined, undefined, 400, 'path'],
    ['limit 0', 'GET', `${credentials(project)}?limit=0`, undefined, undefined, 400, 'limit'],
    ['limit 101', 'GET', `${credentials(project)}?limit=101`, undefined, undefined, 400, 'limit'],
    ['limit not a number', 'GET', `${credentials(project)}?limit=ten`, undefined, undefined, 400, 'limit'],
    ['unknown query parameter', 'GET', `${credentials(project)}?limt=5`, undefined, undefined, 400, 'limt'],
    ['garbage nextToken', 'GET', `${credentials(project)}?nextToken=abc`, undefined, undefined, 400, 'nextToken'],
    ['malformed JSON', 'POST', credentials(project), `{"server": "x", "password": "${password}"`, undefined, 400, 'body'],
    ['wrong content type', 'POST', credentials(project), JSON.stringify(good), 'text/plain', 400, 'content-type'],
    ['no content type', 'POST', credentials(project), JSON.stringify(good), null, 400, 'content-type'],
    ['empty body', 'POST', credentials(project), '', undefined, 400, 'body'],
    ['JSON array body', 'POST', credentials(project), '[]', undefined, 400, 'body'],
    ['typo in a field name', 'POST', credentials(project), JSON.stringify({ server: 'x.io', passwrd: password }), undefined, 400, 'passwrd'],
    ['missing password', 'POST', credentials(project), JSON.stringify({ server: 'x.io' }), undefined, 400, 'password'],
    ['missing server', 'POST', credentials(project), JSON.stringify({ password }), undefined, 400, 'server'],
    ['password not a string', 'POST', credentials(project), JSON.stringify({ server: 'x.io', password: { p: password } }), undefined, 400, 'password'],
    ['password over 4096 bytes', 'POST', credentials(project), JSON.stringify({ server: 'x.io', password: `${password}${'x'.repeat(4096)}` }), undefined, 400, 'password'],
    ['user info in server', 'POST', credentials(project), JSON.stringify({ server: `https://me:${password}@x.io`, password }), undefined, 400, 'server'],
    ['query in server', 'POST', credentials(project), JSON.stringify({ server: 'https://x.io/v2/?a=1', password }), undefined, 400, 'server'],
    ['colon in username', 'POST', credentials(project), JSON.stringify({ ...good, username: 'a:b' }), undefined, 400, 'username'],
    ['control character in username', 'POST', credentials(project), JSON.stringify({ ...good, username: 'a\u0007b' }), undefined, 400, 'username'],
    ['bad email', 'POST', credentials(project), JSON.stringify({ ...good, email: 'nope' }), undefined, 400, 'email'],
    ['broken _json_key', 'POST', credentials(project), JSON.stringify({ server: 'gcr.io', username: '_json_key', password }), undefined, 400, 'password'],
    ['__proto__ key', 'POST', credentials(project), `{"server":"x.io","password":"${password}","__proto__":{"admin":true}}`, undefined, 400, 'body'],
    ['__proto__ key spelled with a JSON escape', 'POST', credentials(project), `{"server":"x.io","password":"${password}","\\u005f_proto__":{"admin":true}}`, undefined, 400, 'body'],
    ['constructor.prototype key', 'POST', credentials(project), `{"server":"x.io","password":"${password}","constructor":{"prototype":{"admin":true}}}`, undefined, 400, 'body'],
    ['malformed JSON with a backslash', 'POST', credentials(project), `{"server": "x\\", "password": "${password}"`, undefined, 400, 'body'],
  ] as const)('%s -> %i naming %s', async (_, method, path, body, contentType, status, field) => {
    const reply = await call(method, path, { ...(body !== undefined && { body }), contentType: contentType as string | null | undefined });
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.json).toMatchObject({ error: 'ValidationError', message: expect.stringContaining(field) });
    expect(reply.json.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it.each([
    ['invalid UTF-8 bytes in the password', 'password', Buffer.concat([Buffer.from(`{"server":"x.io","password":"${password}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])],
    ['a truncated UTF-8 sequence in the username', 'username', Buffer.concat([Buffer.from(`{"server":"x.io","password":"${password}","username":"me`), Buffer.from([0xe2, 0x82]), Buffer.from('"}')])],
    ['an encoded surrogate (CESU-8) in the password', 'password', Buffer.concat([Buffer.from(`{"server":"x.io","password":"${password}`), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])],
    ['an unpaired high surrogate escape in the password', 'password', Buffer.from(`{"server":"x.io","password":"${password}\\ud800"}`)],
    ['an unpaired low surrogate escape in the email', 'email', Buffer.from(`{"server":"x.io","password":"${password}","email":"\\udc00@example.com"}`)],
  ])('refuses %s with a 400 naming %s, and stores nothing', async (_, field, body) => {
    const target = uniqueProject('utf8');
    const response = await fetch(`${apiUrl}${credentials(target)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const reply = (await response.json()) as { error: string; issues: { path: string; message: string }[] };
    expect(response.status).toBe(400);
    expect(reply.error).toBe('ValidationError');
    expect(reply.issues).toContainEqual({ path: field, message: expect.stringContaining('UTF-8') });
    expect(JSON.stringify(reply)).not.toContain(password);
    expect((await call('GET', credentials(target))).json.items).toEqual([]);
  });

  it('accepts valid multi-byte UTF-8 and escaped surrogate pairs unchanged', async () => {
    const target = uniqueProject('utf8');
    const body = Buffer.from(`{"server":"x.io","password":"${password}-é€😀","username":"ü\\ud83d\\ude00"}`);
    const response = await fetch(`${apiUrl}${credentials(target)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { username: string }).username).toBe('ü😀');
  });

  it('stores one key per registry however it is spelled: a second spelling is a 409 naming the first', async () => {
    const target = uniqueProject('spell');
    const first = await call('POST', credentials(target), { body: JSON.stringify({ server: 'http://[0:0:0:0:0:0:0:1]:05000/v2/', password }) });
    expect(first.status).toBe(201);
    expect(first.json.registry).toBe('[::1]:5000');
    for (const server of ['[::1]:5000', '[0::1]:5000', 'https://[::0:1]:005000']) {
      const again = await call('POST', credentials(target), { body: JSON.stringify({ server, password }) });
      expect(again.status, server).toBe(409);
      expect(again.json.existingId).toBe(first.json.id);
    }
    const hub = await call('POST', credentials(target), { body: JSON.stringify({ server: 'docker.io:443', password }) });
    expect(hub.json.registry).toBe('docker.io');
    expect((await call('POST', credentials(target), { body: JSON.stringify({ server: 'https://index.docker.io/v1/', password }) })).status).toBe(409);
  });

  it('refuses a body over 16 KiB with 413', async () => {
    const reply = await call('POST', credentials(project), { body: JSON.stringify({ server: 'x.io', password, pad: 'x'.repeat(17 * 1024) }) });
    expect(reply.status).toBe(413);
    expect(reply.json.error).toBe('PayloadTooLarge');
  });

  it('answers unknown routes and methods with JSON 404 and 405', async () => {
    const missing = await call('GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe('NotFound');
    const wrongMethod = await call('PUT', credentials(project), { body: '{}' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST, GET');
    expect(wrongMethod.json.error).toBe('MethodNotAllowed');
  });

  it('answers 404 for a well-formed id that does not exist', async () => {
    const reply = await call('DELETE', `${credentials(project)}/${crypto.randomUUID()}`);
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ error: 'NotFound', message: expect.stringContaining('No credential') });
  });
});

describe('GET /openapi.json', () => {
  it('serves the generated document', async () => {
    const response = await fetch(`${apiUrl}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.text()).toBe(openApiJson());
  });
});
