// The CLI against a hostile or broken endpoint (a local server on 127.0.0.1 playing one): it never
// follows a redirect, so the password is never re-sent elsewhere, and nothing the server says
// reaches the terminal with escape sequences or other control characters in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/program.ts';
import { trackSecret } from '../support/secret-audit.ts';

type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function serve(reply: Reply): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push(`${req.method} ${req.url} ${body}`);
    reply(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

const servers: Server[] = [];
async function cli(args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { out: (t) => (stdout += t), err: (t) => (stderr += t), readStdin: async () => stdin });
  return { code, stdout, stderr };
}
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

let configHome = '';
beforeAll(() => {
  configHome = mkdtempSync(join(tmpdir(), 'regcred-cli-hostile-'));
  process.env['XDG_CONFIG_HOME'] = configHome;
  delete process.env['REGCRED_ENDPOINT'];
});
afterAll(() => {
  for (const server of servers) server.close();
  rmSync(configHome, { recursive: true, force: true });
});

describe('the CLI never follows redirects', () => {
  it.each([301, 302, 303, 307, 308])('an add answered %i exits 1 naming the status; the target never sees the password', async (status) => {
    const password = trackSecret(`redirect-${status}-${crypto.randomUUID()}`);
    const target = await serve((_req, res) => json(res, 201, {}));
    const endpoint = await serve((_req, res) => {
      res.writeHead(status, { location: `${target.url}/projects/demo/docker-credentials` });
      res.end();
    });
    const result = await cli(['--endpoint', endpoint.url, '--project', 'demo', 'docker', 'add-credentials', '--docker-server', 'quay.io', '--docker-password-stdin'], password);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`HTTP ${status}`);
    expect(result.stderr).toContain('redirect');
    expect(result.stderr).not.toContain(password);
    expect(endpoint.requests).toHaveLength(1);
    expect(target.requests).toEqual([]);
  });

  it('a list answered 307 exits 1 too', async () => {
    const target = await serve((_req, res) => json(res, 200, { items: [], nextToken: null }));
    const endpoint = await serve((_req, res) => {
      res.writeHead(307, { location: target.url });
      res.end();
    });
    const result = await cli(['--endpoint', endpoint.url, '--project', 'demo', 'docker', 'list-credentials']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HTTP 307');
    expect(target.requests).toEqual([]);
  });
});

describe('the CLI strips control characters from what a server sends', () => {
  const hostile = 'bad\u001b[2J\u001b[31m red\u001b]0;pwned\u0007 \u001b]52;c;Y2xpcA==\u001b\\ \u202eevil\u202c\r\noverwrite\u009b2J\u0000\u0008\u007f end';
  const clean = (text: string) => {
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).not.toContain('pwned');
  };

  it.each([
    ['a regcred error body', { error: 'ValidationError', message: hostile, issues: [] }],
    ['an API Gateway style body', { message: hostile }],
  ])('in %s', async (_, body) => {
    const endpoint = await serve((_req, res) => json(res, 400, body));
    const result = await cli(['--endpoint', endpoint.url, '--project', 'demo', 'docker', 'list-credentials']);
    expect(result.code).toBe(1);
    clean(result.stderr);
    expect(result.stderr).toContain('bad');
    expect(result.stderr).toContain(' end');
  });

  it('in the list table, and escapes them losslessly in -o json', async () => {
    const item = {
      id: '0193c2a4-5b6e-7c8d-9e0f-112233445566',
      server: `reg\u001b[8m.example.com`,
      registry: 'reg.example.com',
      username: `me\u202e\u009b`,
      email: null,
      createdAt: '2026-11-26T17:49:12.635Z',
      version: 1,
      updatedAt: null,
      status: null,
      checkedAt: null,
    };
    const endpoint = await serve((_req, res) => json(res, 200, { items: [item], nextToken: null }));
    const table = await cli(['--endpoint', endpoint.url, '--project', 'demo', 'docker', 'list-credentials']);
    expect(table.code).toBe(0);
    clean(table.stdout);
    expect(table.stdout).toContain('reg.example.com');
    const asJson = await cli(['--endpoint', endpoint.url, '--project', 'demo', 'docker', 'list-credentials', '-o', 'json']);
    clean(asJson.stdout);
    expect(JSON.parse(asJson.stdout)).toEqual([item]);
  });
});
