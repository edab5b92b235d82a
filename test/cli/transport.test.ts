// The bins' node:http transport fails exactly as fetch does, so the client's messages stay the same.
import type { RequestListener } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../cli/client.ts';
import { nodeTransport } from '../../cli/transport.ts';
import { freePort } from '../support/registry.ts';
import { httpStub } from '../support/stub-server.ts';

async function withServer(handler: RequestListener, test: (endpoint: string) => Promise<void>) {
  const stub = await httpStub(handler);
  try {
    await test(stub.url);
  } finally {
    await stub.close();
  }
}

describe('nodeTransport', () => {
  it('sends the method, headers and body with a content-length, and reads the answer', async () => {
    let seen: { method?: string; length?: string; type?: string; body: string } = { body: '' };
    await withServer(
      (request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          seen = { method: request.method, length: request.headers['content-length'], type: request.headers['content-type'], body };
          response.writeHead(201, { 'content-type': 'application/json' }).end(
            JSON.stringify({ id: '01a21913-a684-7ea2-a252-a1862e862be2', server: 'gcr.io', registry: 'gcr.io', username: null, email: null, createdAt: '2026-01-01T00:00:00.000Z', version: 1, updatedAt: null, status: null, checkedAt: null }),
          );
        });
      },
      async (endpoint) => {
        const created = await createClient({ endpoint, transport: nodeTransport }).add('team-a', { server: 'gcr.io', password: 'é-not-ascii' });
        expect(created.registry).toBe('gcr.io');
      },
    );
    expect(seen).toEqual({ method: 'POST', length: String(Buffer.byteLength('{"server":"gcr.io","password":"é-not-ascii"}')), type: 'application/json', body: '{"server":"gcr.io","password":"é-not-ascii"}' });
  });

  it('an error status with API Gateway’s body becomes the same ApiError as with fetch', async () => {
    await withServer(
      (_, response) => response.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Forbidden"}'),
      async (endpoint) => {
        await expect(createClient({ endpoint, transport: nodeTransport }).listAll('team-a')).rejects.toMatchObject({
          name: 'ApiError',
          status: 403,
          message: expect.stringMatching(/^HTTP 403: Forbidden; .*execute-api:Invoke/),
        });
      },
    );
  });

  it('does not follow a redirect', async () => {
    await withServer(
      (_, response) => response.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end(),
      async (endpoint) => {
        await expect(createClient({ endpoint, transport: nodeTransport }).listAll('team-a')).rejects.toMatchObject({ name: 'ApiError', status: 302 });
      },
    );
  });

  it('a refused connection and a silent server are unreachable, with the reason', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    await expect(createClient({ endpoint, transport: nodeTransport }).listAll('team-a')).rejects.toMatchObject({
      name: 'UnreachableError',
      message: expect.stringContaining('(ECONNREFUSED)'),
    });
    await withServer(
      () => undefined,
      async (silent) => {
        await expect(createClient({ endpoint: silent, transport: nodeTransport, timeoutMs: 200 }).listAll('team-a')).rejects.toMatchObject({
          name: 'UnreachableError',
          message: expect.stringContaining('(no answer within 0.2 s)'),
        });
      },
    );
  });
});
