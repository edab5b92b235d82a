// What `npm start` answers, sent as a hostile page or client would: the raw request target is routed
// as API Gateway routes it (never resolved or read as an absolute URL), and only requests to its own
// loopback names, from no origin or its own, are served (no DNS rebinding).
import { request } from 'node:http';
import { describe, expect, inject, it } from 'vitest';
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
