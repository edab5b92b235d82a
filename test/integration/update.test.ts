// Update in place: same id and registry, a new version and ETag, If-Match, re-encryption under the
// same encryption context, and the add rules (incl. _json_key) for every changed field.
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/contract/routes.ts';
import { invoke, loadHandlers, localClients, uniqueProject, type Handlers } from '../support/handlers.ts';
import { trackSecret } from '../support/secret-audit.ts';

let h: Handlers;
const { rawItems, storedPassword } = localClients();

beforeAll(async () => {
  h = await loadHandlers();
});

const add = (project: string, body: Record<string, unknown>) => invoke(h.add, routes.addCredential, { pathParameters: { project }, body });
const update = (project: string, id: string, body: unknown, headers: Record<string, string> = {}) =>
  invoke(h.update, routes.updateCredential, { pathParameters: { project, id }, body, headers });
const list = (project: string) => invoke(h.list, routes.listCredentials, { pathParameters: { project } });


const serviceAccountKey = JSON.stringify({
  type: 'service_account',
  client_email: 'reader@p.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
});

describe('update in place', () => {
  it('rotates the password: same id and registry, version 2, ETag, re-encrypted under the same context', async () => {
    const project = uniqueProject('upd');
    const [before, after] = [trackSecret(`upd-old-${crypto.randomUUID()}`), trackSecret(`upd-new-${crypto.randomUUID()}`)];
    const created = await add(project, { server: 'ghcr.io', username: 'me', email: 'me@example.com', password: before });
    expect(created.status).toBe(201);
    expect(created.headers['etag']).toBe('"1"');
    expect(created.json).toMatchObject({ version: 1, updatedAt: null, status: null, checkedAt: null });

    const reply = await update(project, created.json.id, { password: after });
    expect(reply.status).toBe(200);
    expect(reply.headers['etag']).toBe('"2"');
    expect(reply.text).not.toContain(after);
    expect(reply.json).toEqual({ ...created.json, version: 2, updatedAt: expect.any(String) });
    expect(Date.parse(reply.json.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.json.createdAt));
    expect(await storedPassword(project, created.json.id)).toBe(after);
    expect((await list(project)).json.items).toEqual([reply.json]);
    expect(await rawItems(project)).toHaveLength(2);
  });

  it('changes username and email, clears them with null, and keeps the password', async () => {
    const project = uniqueProject('upd');
    const password = trackSecret(`upd-keep-${crypto.randomUUID()}`);
    const { json: created } = await add(project, { server: 'quay.io', username: 'me', password });
    const renamed = await update(project, created.id, { username: 'robot', email: 'ops@example.com' });
    expect(renamed.json).toMatchObject({ username: 'robot', email: 'ops@example.com', version: 2 });
    const cleared = await update(project, created.id, { username: null, email: null });
    expect(cleared.json).toMatchObject({ username: null, email: null, version: 3, server: 'quay.io', registry: 'quay.io' });
    expect(await storedPassword(project, created.id)).toBe(password);
  });

  it('If-Match: the current ETag updates, a stale one is 412 and changes nothing', async () => {
    const project = uniqueProject('upd');
    const [first, second, third] = ['a', 'b', 'c'].map((l) => trackSecret(`upd-etag-${l}-${crypto.randomUUID()}`)) as [string, string, string];
    const { json: created } = await add(project, { server: 'etag.example.com', password: first });
    const ok = await update(project, created.id, { password: second }, { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    const stale = await update(project, created.id, { password: third, email: 'x@example.com' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.headers['etag']).toBe('"2"');
    expect(stale.json).toEqual({ error: 'PreconditionFailed', message: expect.stringContaining('version 2') });
    for (const bad of ['garbage', '"0"', '"x"']) expect((await update(project, created.id, { email: 'y@example.com' }, { 'if-match': bad })).status).toBe(412);
    expect(await storedPassword(project, created.id)).toBe(second);
    expect((await list(project)).json.items[0]).toMatchObject({ version: 2, email: null });
    expect((await update(project, created.id, { email: 'z@example.com' }, { 'if-match': '*' })).json.version).toBe(3);
  });

  it('an item written before versions existed counts as version 1', async () => {
    const project = uniqueProject('upd');
    const { json: created } = await add(project, { server: 'legacy.example.com', password: trackSecret('upd-legacy-password') });
    const { dynamo, tableName } = localClients();
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const key = (await rawItems(project)).find((i) => i['id']?.S === created.id)!;
    await dynamo.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: key['pk']!, sk: key['sk']! }, UpdateExpression: 'REMOVE version' }));
    expect((await list(project)).json.items[0].version).toBe(1);
    const reply = await update(project, created.id, { email: 'me@example.com' }, { 'if-match': '"1"' });
    expect(reply.status).toBe(200);
    expect(reply.json.version).toBe(2);
  });

  it('404 for an unknown id or another project’s id; nothing is created', async () => {
    const project = uniqueProject('upd');
    const other = uniqueProject('upd');
    const { json: created } = await add(other, { server: 'iso.example.com', password: trackSecret('upd-iso-password') });
    for (const id of [crypto.randomUUID(), created.id]) {
      const reply = await update(project, id, { password: trackSecret('upd-404-password') });
      expect(reply.status).toBe(404);
      expect(reply.json.error).toBe('NotFound');
    }
    expect(await rawItems(project)).toEqual([]);
  });

  it.each([
    ['server is immutable', { server: 'other.io' }, 'server'],
    ['server is immutable even with other fields', { server: 'other.io', email: 'a@example.com' }, 'server'],
    ['an empty object', {}, 'body'],
    ['a typo', { passwrd: 'x' }, 'passwrd'],
    ['an empty password', { password: '' }, 'password'],
    ['a colon in username', { username: 'a:b' }, 'username'],
    ['a bad email', { email: 'nope' }, 'email'],
    ['_json_key with a broken key', { username: '_json_key', password: 'not-json' }, 'password'],
    ['_json_key without a password', { username: '_json_key' }, 'password'],
    ['a JSON array', [], 'body'],
  ])('400 for %s, naming %s; nothing changes', async (_, body, field) => {
    const project = uniqueProject('upd');
    const { json: created } = await add(project, { server: 'bad.example.com', password: trackSecret('upd-bad-password') });
    const reply = await update(project, created.id, body);
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('ValidationError');
    expect(reply.json.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect((await list(project)).json.items).toEqual([created]);
  });

  it('_json_key: a new password must still be a service-account key for the stored username', async () => {
    const project = uniqueProject('upd');
    const { json: created } = await add(project, { server: 'gcr.io', username: '_json_key', password: serviceAccountKey });
    const broken = await update(project, created.id, { password: trackSecret('upd-not-a-key-password') });
    expect(broken.status).toBe(400);
    expect(broken.json.issues).toEqual([{ path: 'password', message: expect.stringContaining('service-account key') }]);
    expect(await storedPassword(project, created.id)).toBe(serviceAccountKey);
    const rotated = JSON.stringify({ ...JSON.parse(serviceAccountKey), private_key_id: 'k2' });
    expect((await update(project, created.id, { password: rotated })).status).toBe(200);
    expect(await storedPassword(project, created.id)).toBe(rotated);
    expect((await update(project, created.id, { username: 'oauth2accesstoken', password: trackSecret('ya29.upd-token') })).status).toBe(200);
  });
});

describe('dependency failures', () => {
  it('update: KMS unreachable is a 503 and the stored login and version stay', async () => {
    const project = uniqueProject('upd');
    const password = trackSecret(`upd-kms-down-old-${crypto.randomUUID()}`);
    const { json: created } = await add(project, { server: 'kmsdown.example.com', password });
    const broken = await loadHandlers({ AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9' });
    const reply = await invoke(broken.update, routes.updateCredential, {
      pathParameters: { project, id: created.id },
      body: { password: trackSecret(`upd-kms-down-new-${crypto.randomUUID()}`) },
    });
    h = await loadHandlers();
    expect(reply.status).toBe(503);
    expect(reply.json.error).toBe('Unavailable');
    expect(await storedPassword(project, created.id)).toBe(password);
    expect((await list(project)).json.items).toEqual([created]);
  });

  it('verify: KMS unreachable is a 503 and no status is stored', async () => {
    const project = uniqueProject('upd');
    const { json: created } = await add(project, { server: '127.0.0.1:9', password: trackSecret('verify-kms-down-password') });
    const broken = await loadHandlers({ AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9' });
    const reply = await invoke(broken.verify, routes.verifyCredential, { pathParameters: { project, id: created.id } });
    h = await loadHandlers();
    expect(reply.status).toBe(503);
    expect((await list(project)).json.items[0]).toMatchObject({ status: null, checkedAt: null });
  });
});
