import { DecryptCommand } from '@aws-sdk/client-kms';
import { paginateQuery, paginateScan, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/contract/routes.ts';
import { keyOf } from '../../functions/contract/table.ts';
import { allPages } from '../support/api.ts';
import { invoke, loadHandlers, localClients, uniqueProject, type Handlers } from '../support/handlers.ts';
import { trackSecret } from '../support/secret-audit.ts';

let h: Handlers;
const { dynamo, kms, tableName, rawItems } = localClients();

beforeAll(async () => {
  h = await loadHandlers();
});

const add = (project: string, body: Record<string, unknown>) =>
  invoke(h.add, routes.addCredential, { pathParameters: { project }, body });
const list = (project: string, query?: Record<string, string>) =>
  invoke(h.list, routes.listCredentials, { pathParameters: { project }, ...(query && { query }) });
const remove = (project: string, id: string) => invoke(h.delete, routes.deleteCredential, { pathParameters: { project, id } });

async function listAll(project: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const { items, pages } = await allPages<{ id: string }>(async (nextToken) => {
    const reply = await list(project, { limit: String(limit), ...(nextToken && { nextToken }) });
    expect(reply.status).toBe(200);
    return reply.json;
  });
  return { ids: items.map((item) => item.id), pages };
}

describe('add, list, delete', () => {
  it('round-trips a credential without ever returning the password', async () => {
    const project = uniqueProject();
    const password = trackSecret(`rt-${crypto.randomUUID()}`);
    const created = await add(project, { server: 'https://index.docker.io/v1/', username: 'me', email: 'me@example.com', password });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      server: 'https://index.docker.io/v1/',
      registry: 'docker.io',
      username: 'me',
      email: 'me@example.com',
      createdAt: expect.any(String),
      version: 1,
      updatedAt: null,
      status: null,
      checkedAt: null,
    });
    expect(created.headers['location']).toBe(`/projects/${project}/docker-credentials/${created.json.id}`);
    expect(created.text).not.toContain(password);

    const listed = await list(project);
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({ items: [created.json], nextToken: null });
    expect(listed.text).not.toContain(password);

    expect((await remove(project, created.json.id)).status).toBe(204);
    expect((await list(project)).json.items).toEqual([]);
    expect((await remove(project, created.json.id)).status).toBe(404);
    expect(await rawItems(project)).toEqual([]);
  });

  it('echoes server trimmed and returns null for absent username and email', async () => {
    const project = uniqueProject();
    const created = await add(project, { server: '  localhost:5000 ', password: trackSecret('absent-fields-pw') });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ server: 'localhost:5000', registry: 'localhost:5000', username: null, email: null });
  });

  it('pages through 250 credentials with no gaps or duplicates, one Query per page', async () => {
    const project = uniqueProject('page');
    const created: string[] = [];
    for (let batch = 0; batch < 25; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => add(project, { server: `reg${batch * 10 + i}.example.com`, password: 'page-test-password' })),
      );
      for (const reply of replies) {
        expect(reply.status).toBe(201);
        created.push(reply.json.id);
      }
    }
    trackSecret('page-test-password');
    for (const limit of [100, 50, 7]) {
      const { ids, pages } = await listAll(project, limit);
      expect(ids).toHaveLength(250);
      expect(new Set(ids).size).toBe(250);
      expect(new Set(ids)).toEqual(new Set(created));
      expect(pages).toBe(Math.ceil(250 / limit));
    }
    const { ids } = await listAll(project, 100);
    expect(ids).toEqual([...ids].sort());
  });

  it('keeps one credential per registry, alias forms included, and names the existing id', async () => {
    const project = uniqueProject();
    const first = await add(project, { server: 'docker.io', username: 'me', password: trackSecret('dup-password-1') });
    expect(first.status).toBe(201);
    for (const server of ['https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io', 'DOCKER.IO', 'https://docker.io/v2/']) {
      const again = await add(project, { server, password: trackSecret('dup-password-2') });
      expect(again.status, server).toBe(409);
      expect(again.json).toMatchObject({ error: 'Conflict', existingId: first.json.id });
      expect(again.json.message).toContain(first.json.id);
    }
    const other = await add(project, { server: 'docker.io/some-org', password: trackSecret('dup-password-3') });
    expect(other.status).toBe(201);
    expect((await rawItems(project)).filter((i) => i['sk']?.S?.startsWith('CREDENTIAL#'))).toHaveLength(2);
  });

  it('frees the registry again after delete', async () => {
    const project = uniqueProject();
    const first = await add(project, { server: 'us.gcr.io', password: trackSecret('free-password-1') });
    expect((await remove(project, first.json.id)).status).toBe(204);
    expect((await add(project, { server: 'https://us.gcr.io', password: trackSecret('free-password-2') })).status).toBe(201);
  });

  it('lets exactly one of 50 concurrent adds of one server win', async () => {
    const project = uniqueProject('race');
    const password = trackSecret('concurrent-password');
    const replies = await Promise.all(Array.from({ length: 50 }, () => add(project, { server: 'myreg.azurecr.io', password })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const winner = replies.find((r) => r.status === 201)?.json.id;
    expect(replies.filter((r) => r.status === 409).every((r) => r.json.existingId === winner)).toBe(true);
    expect((await list(project)).json.items.map((i: { id: string }) => i.id)).toEqual([winner]);
    expect(await rawItems(project)).toHaveLength(2);
  });
});

describe('project isolation', () => {
  it('never lists or deletes across projects', async () => {
    const [a, b] = [uniqueProject('a'), uniqueProject('b')];
    const inA = await add(a, { server: 'ghcr.io', password: trackSecret('isolation-password-a') });
    const inB = await add(b, { server: 'ghcr.io', password: trackSecret('isolation-password-b') });
    expect([inA.status, inB.status]).toEqual([201, 201]);
    expect((await list(a)).json.items.map((i: { id: string }) => i.id)).toEqual([inA.json.id]);
    expect((await list(b)).json.items.map((i: { id: string }) => i.id)).toEqual([inB.json.id]);

    const crossDelete = await remove(b, inA.json.id);
    expect(crossDelete.status).toBe(404);
    expect(crossDelete.json.error).toBe('NotFound');
    expect((await list(a)).json.items).toHaveLength(1);
  });

  it('refuses a path whose raw project segment is not the project acted on (IAM authorises the raw path)', async () => {
    const victim = uniqueProject('victim');
    expect((await add(victim, { server: 'victim.example.com', password: trackSecret(`victim-${crypto.randomUUID()}`) })).status).toBe(201);
    const encoded = `${victim.slice(0, -1)}%${victim.charCodeAt(victim.length - 1).toString(16)}`;
    const id = (await list(victim)).json.items[0].id as string;
    const attempts = [
      invoke(h.list, routes.listCredentials, { pathParameters: { project: victim }, rawPath: `/projects/${encoded}/docker-credentials` }),
      invoke(h.add, routes.addCredential, {
        pathParameters: { project: victim },
        rawPath: `/projects/${encoded}/docker-credentials`,
        body: { server: 'other.example.com', password: trackSecret(`attacker-${crypto.randomUUID()}`) },
      }),
      invoke(h.delete, routes.deleteCredential, { pathParameters: { project: victim, id }, rawPath: `/projects/${encoded}/docker-credentials/${id}` }),
      invoke(h.list, routes.listCredentials, { pathParameters: { project: victim }, rawPath: `/projects/other/docker-credentials` }),
    ];
    for (const reply of await Promise.all(attempts)) {
      expect(reply.status).toBe(400);
      expect(reply.json.issues).toEqual([{ path: 'project', message: expect.stringContaining('percent-encoded') }]);
    }
    expect((await list(victim)).json.items.map((item: { id: string }) => item.id)).toEqual([id]);
    // A stage or base-path prefix before the route's path is fine.
    const staged = await invoke(h.list, routes.listCredentials, { pathParameters: { project: victim }, rawPath: `/prod/projects/${victim}/docker-credentials` });
    expect(staged.status).toBe(200);
  });

  it('refuses a raw path with dot or empty segments, an encoded dot or slash, or more than one prefix segment, naming the path', async () => {
    const victim = uniqueProject('victim');
    const onVictim = (rawPath: string) => invoke(h.list, routes.listCredentials, { pathParameters: { project: victim }, rawPath });
    for (const rawPath of [
      `/projects/a/x/../../projects/${victim}/docker-credentials`,
      `/projects/a/docker-credentials/../../projects/${victim}/docker-credentials`,
      `/prod//projects/${victim}/docker-credentials`,
      `/projects/a/%2e%2e/projects/${victim}/docker-credentials`,
      `/projects/a%2f..%2fprojects/${victim}/docker-credentials`,
    ]) {
      const reply = await onVictim(rawPath);
      expect(reply.status, rawPath).toBe(400);
      expect(reply.json.issues, rawPath).toEqual([{ path: 'path', message: expect.any(String) }]);
    }
    const deep = await onVictim(`/projects/a/docker-credentials/x/projects/${victim}/docker-credentials`);
    expect(deep.status).toBe(400);
    expect(deep.json.issues).toEqual([{ path: 'project', message: expect.stringContaining('percent-encoded') }]);
  });

  it('treats nextToken as a cursor inside the request\'s project: a forged one never reaches another project', async () => {
    const [a, b] = [uniqueProject('a'), uniqueProject('b')];
    const ids = (project: string, reply: { json: { items: { id: string }[] } }) => reply.json.items.map((item) => item.id);
    for (const project of [a, b]) {
      for (const server of ['one.example.com', 'two.example.com', 'three.example.com']) {
        expect((await add(project, { server, password: trackSecret('token-test-password') })).status).toBe(201);
      }
    }
    const all = { [a]: ids(a, await list(a)), [b]: ids(b, await list(b)) };
    const first = await list(a, { limit: '1' });
    const token: string = first.json.nextToken;
    expect(ids(a, await list(a, { limit: '1', nextToken: token }))).toEqual([all[a]?.[1]]);

    // Anyone can write a token (it is not signed); one naming project b and an id of project a
    // still lists only b's credentials, because the query is always on the path's project.
    const mint = (fields: unknown) => Buffer.from(JSON.stringify(fields)).toString('base64url');
    const forged = await list(b, { nextToken: mint({ v: 1, p: b, k: all[a]?.[0] }) });
    expect(forged.status).toBe(200);
    for (const id of ids(b, forged)) expect(all[b]).toContain(id);

    const foreign = await list(b, { limit: '1', nextToken: token });
    expect(foreign.status).toBe(400);
    for (const bad of ['not-a-token', `${token}.check`, '!!!', mint([1, a, all[a]?.[0]]), mint({ v: 2, p: a, k: all[a]?.[0] }),
      mint({ v: 1, p: a, k: 'x' }), mint({ v: 1, p: a, k: all[a]?.[0], extra: 1 })]) {
      const reply = await list(a, { nextToken: bad });
      expect(reply.status, bad).toBe(400);
      expect(reply.json.issues).toEqual([{ path: 'nextToken', message: expect.any(String) }]);
    }
  });
});

describe('encryption at rest', () => {
  it('stores only ciphertext, bound to its own project and credential id', async () => {
    const project = uniqueProject('kms');
    const passwords = [trackSecret(`first-${crypto.randomUUID()}`), trackSecret(`second-${crypto.randomUUID()}`)];
    const ids: string[] = [];
    for (const [i, password] of passwords.entries()) {
      const reply = await add(project, { server: `kms${i}.example.com`, password });
      ids.push(reply.json.id);
    }

    // Every item of the shared table, every page, and every item of this project's partition, every
    // page: both must hold the items this test just wrote, so the search below examined them.
    const scanned: Record<string, AttributeValue>[] = [];
    for await (const page of paginateScan({ client: dynamo, pageSize: 500 }, { TableName: tableName, ConsistentRead: true })) scanned.push(...(page.Items ?? []));
    const partition: Record<string, AttributeValue>[] = [];
    const query = { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: keyOf.project(project) } }, ConsistentRead: true };
    for await (const page of paginateQuery({ client: dynamo, pageSize: 1 }, query)) partition.push(...(page.Items ?? []));
    for (const items of [scanned, partition]) {
      const written = items.filter((i) => i['pk']?.S === keyOf.project(project) && ids.includes(i['id']?.S ?? ''));
      expect(written.map((i) => i['id']?.S).sort(), 'the credential items this test wrote were examined').toEqual([...ids].sort());
      for (const item of written) expect(item['ciphertext']?.B?.length ?? 0).toBeGreaterThan(0);
    }
    expect(partition).toHaveLength(4); // two credentials and their two registry guards
    const text = (items: unknown) => JSON.stringify(items, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    for (const everything of [text(scanned), text(partition)]) {
      for (const password of passwords) {
        expect(everything.includes(password), 'a password in plain text in the table').toBe(false);
        expect(everything.includes(Buffer.from(password).toString('base64')), 'a password in base64 in the table').toBe(false);
      }
    }

    const stored = (await rawItems(project)).filter((i) => i['sk']?.S?.startsWith('CREDENTIAL#'));
    const blobOf = (id: string) => stored.find((i) => i['id']?.S === id)?.['ciphertext']?.B;
    const decrypt = (blob: Uint8Array | undefined, credentialId: string, p = project) =>
      kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { project: p, credentialId } }));

    for (const [i, id] of ids.entries()) {
      const plain = await decrypt(blobOf(id), id);
      expect(Buffer.from(plain.Plaintext ?? []).toString('utf8')).toBe(passwords[i]);
    }
    const [first, second] = ids as [string, string];
    await expect(decrypt(blobOf(first), second)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(decrypt(blobOf(second), first)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(decrypt(blobOf(first), first, uniqueProject())).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });
});

describe('dependency failures', () => {
  it('answers 503 and writes nothing when the KMS key does not exist', async () => {
    const broken = await loadHandlers({ REGCRED_KMS_KEY_ID: 'alias/does-not-exist' });
    const project = uniqueProject('nokey');
    const reply = await invoke(broken.add, routes.addCredential, {
      pathParameters: { project },
      body: { server: 'docker.io', password: trackSecret('kms-missing-key-password') },
    });
    expect(reply.status).toBe(503);
    expect(reply.json.error).toBe('Unavailable');
    expect(await rawItems(project)).toEqual([]);
  });

  it('answers 503 and writes nothing when KMS cannot be reached', async () => {
    const broken = await loadHandlers({ AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9' });
    const project = uniqueProject('nokms');
    const reply = await invoke(broken.add, routes.addCredential, {
      pathParameters: { project },
      body: { server: 'docker.io', password: trackSecret('kms-down-password') },
    });
    expect(reply.status).toBe(503);
    expect(await rawItems(project)).toEqual([]);
    const ok = await loadHandlers();
    expect((await invoke(ok.list, routes.listCredentials, { pathParameters: { project } })).json.items).toEqual([]);
  });

  it('answers 503 when DynamoDB cannot be reached', async () => {
    const broken = await loadHandlers({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
    const reply = await invoke(broken.list, routes.listCredentials, { pathParameters: { project: uniqueProject() } });
    expect(reply.status).toBe(503);
    expect(reply.json).toEqual({ error: 'Unavailable', message: expect.any(String) });
  });
});
