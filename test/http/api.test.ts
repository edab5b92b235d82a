// Over real HTTP against the `npm start` server the test run started.
import { describe, expect, inject, it } from 'vitest';
import { uniqueProject } from '../support/handlers.ts';
import { trackSecret } from '../support/secret-audit.ts';

const { apiUrl } = inject('localStack');
const password = trackSecret(`http-${crypto.randomUUID()}`);

async function call(method: string, path: string, init: { body?: string; contentType?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await fetch(`${apiUrl}${path}`, { method, headers, ...(init.body !== undefined && { body: init.body }) });
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

  const project = 'http-bad-input';
  const good = { server: 'reg.example.com', password };
  it.each([
    ['invalid project', 'POST', '/projects/Bad_Project/docker-credentials', JSON.stringify(good), undefined, 400, 'project'],
    ['project path traversal', 'GET', '/projects/..%2F..%2Fetc/docker-credentials', undefined, undefined, 400, 'project'],
    ['id not a UUID', 'DELETE', `${credentials(project)}/not-a-uuid`, undefined, undefined, 400, 'id'],
    ['id path traversal', 'DELETE', `${credentials(project)}/..%2F..`, undefined, undefined, 400, 'id'],
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
