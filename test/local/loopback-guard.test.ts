// What `npm start` answers, sent as a hostile page or client would: the raw request target is routed
// as API Gateway routes it (never resolved or read as an absolute URL), and only requests to its own
// loopback names, from no origin or its own, are served (no DNS rebinding).
import { request } from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { launch } from '../console/browser.ts';
import { apiAdd } from '../support/api.ts';
import { uniqueProject } from '../support/handlers.ts';
import { expectNoTrackedSecret, trackSecret } from '../support/secret-audit.ts';

const stack = inject('localStack');
const api = new URL(stack.apiUrl);

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** One raw HTTP/1.1 request to 127.0.0.1: the target and the headers exactly as given. */
function send(port: string, target: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method, path: target, headers, setHost: !('host' in headers) }, async (res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON: the test says what it expects
      }
      resolve({ status: res.statusCode ?? 0, text, json });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('the raw request target', () => {
  it('is routed as sent: an absolute-looking //host/... target, dot segments and encoded slashes are a 400 naming the path, never a listing', async () => {
    const project = uniqueProject('raw');
    const password = trackSecret(`raw-path-${crypto.randomUUID()}`);
    await apiAdd(project, { server: 'ghcr.io', password });
    for (const target of [
      `//evil.example/projects/${project}/docker-credentials`,
      `//evil.example/projects/${project}/dockerconfigjson`,
      `/projects/other/../${project}/docker-credentials`,
      `/projects/x/docker-credentials/../../${project}/dockerconfigjson`,
      `/projects/./${project}/docker-credentials`,
      `/projects/${project}/docker-credentials/%2e%2e/%2e%2e/${project}/dockerconfigjson`,
      `/prod/projects%2f${project}/docker-credentials`,
    ]) {
      const answer = await send(api.port, target);
      expect(answer.status, target).toBe(400);
      expect(answer.json, target).toMatchObject({ error: 'ValidationError', issues: [{ path: 'path', message: expect.any(String) }] });
      expectNoTrackedSecret(answer.text, target);
    }
    expect((await send(api.port, `/projects/${project}/docker-credentials`)).status).toBe(200);
  });
});

describe('DNS rebinding and other web pages', () => {
  const own = [`127.0.0.1:${api.port}`, `localhost:${api.port}`, `[::1]:${api.port}`, `LOCALHOST:${api.port}`];

  it('refuses a Host that is not its own loopback name and port with 421 naming the header, passwords never sent', async () => {
    const project = uniqueProject('rebind');
    const password = trackSecret(`rebind-${crypto.randomUUID()}`);
    await apiAdd(project, { server: 'ghcr.io', password });
    for (const host of [`rebind.attacker.example:${api.port}`, 'rebind.attacker.example', `127.0.0.1:${Number(api.port) + 1}`, `localhost.:${api.port}`, `127.0.0.2:${api.port}`]) {
      for (const target of [`/projects/${project}/dockerconfigjson`, `/projects/${project}/registry-auth?server=ghcr.io`, '/', '/health']) {
        const answer = await send(api.port, target, { host });
        expect(answer.status, `${host} ${target}`).toBe(421);
        expect(answer.json, host).toMatchObject({ error: 'MisdirectedRequest', header: 'host', message: expect.stringContaining('Host header') });
        expectNoTrackedSecret(answer.text, `${host} ${target}`);
      }
    }
    for (const host of own) expect((await send(api.port, `/projects/${project}/docker-credentials`, { host })).status, host).toBe(200);
  });

  it('refuses a present Origin that is not its own with 403 naming the header, before any handler runs; its own console origin is served', async () => {
    const project = uniqueProject('origin');
    const add = (origin: string) =>
      send(api.port, `/projects/${project}/docker-credentials`, { origin, 'content-type': 'application/json' }, 'POST',
        JSON.stringify({ server: `${crypto.randomUUID().slice(0, 8)}.example.com`, password: trackSecret(`origin-${crypto.randomUUID()}`) }));
    for (const origin of [`http://rebind.attacker.example:${api.port}`, `http://localhost:${Number(api.port) + 1}`, 'null', `https://127.0.0.1:${api.port}`]) {
      const answer = await add(origin);
      expect(answer.status, origin).toBe(403);
      expect(answer.json, origin).toMatchObject({ error: 'ForbiddenOrigin', header: 'origin', message: expect.stringContaining('Origin header') });
    }
    expect((await send(api.port, `/projects/${project}/docker-credentials`)).json).toMatchObject({ items: [] });
    for (const origin of [`http://127.0.0.1:${api.port}`, `http://localhost:${api.port}`]) expect((await add(origin)).status, origin).toBe(201);
    const page = await send(api.port, '/', { origin: `http://127.0.0.1:${api.port}` });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
  });

  it('a real browser on the console page (which sends its own Origin) adds and lists', async () => {
    const project = uniqueProject('browser');
    const body = JSON.stringify({ server: 'ghcr.io', password: trackSecret(`browser-${crypto.randomUUID()}`) });
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(`${stack.apiUrl}/`);
      const own = await page.evaluate(async ([target, json]) => {
        const added = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
        return { status: added.status, listed: (await fetch(target).then((r) => r.json())) as { items: unknown[] } };
      }, [`${stack.apiUrl}/projects/${project}/docker-credentials`, body] as const);
      expect(own.status).toBe(201);
      expect(own.listed.items).toHaveLength(1);
    } finally {
      await browser.close();
    }
  });

  it('the local AWS endpoint (KMS) refuses a foreign Host (421) or Origin (403) too, naming the header', async () => {
    const kms = new URL(stack.kmsEndpoint);
    const describeKey = (headers: Record<string, string>) =>
      send(kms.port, '/', { 'x-amz-target': 'TrentService.DescribeKey', 'content-type': 'application/x-amz-json-1.1', ...headers }, 'POST', JSON.stringify({ KeyId: stack.keyId }));
    const host = await describeKey({ host: `rebind.attacker.example:${kms.port}` });
    expect(host.status).toBe(421);
    expect(host.json).toMatchObject({ header: 'host', message: expect.stringContaining('Host header') });
    const origin = await describeKey({ origin: 'http://rebind.attacker.example' });
    expect(origin.status).toBe(403);
    expect(origin.json).toMatchObject({ header: 'origin', message: expect.stringContaining('Origin header') });
    // Its own name passes the guard and reaches the IAM gate, which wants a signature (as KMS does).
    const own = await describeKey({ host: `localhost:${kms.port}` });
    expect([own.status, own.json]).toEqual([400, expect.objectContaining({ __type: 'MissingAuthenticationTokenException' })]);
  });

  it('the DynamoDB gate refuses a foreign Host (421) or Origin (403) before forwarding anything', async () => {
    const dynamo = new URL(stack.dynamoDbEndpoint);
    const listTables = (headers: Record<string, string>) =>
      send(dynamo.port, '/', { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0', ...headers }, 'POST', '{}');
    expect(await listTables({ host: `rebind.attacker.example:${dynamo.port}` })).toMatchObject({ status: 421, json: { header: 'host' } });
    expect(await listTables({ origin: 'http://rebind.attacker.example' })).toMatchObject({ status: 403, json: { header: 'origin' } });
  });
});
