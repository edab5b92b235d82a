// The CLI against a hostile or broken endpoint (a local server on 127.0.0.1 playing one): it never
// follows a redirect, so the password is never re-sent elsewhere, and nothing the server says
// reaches the terminal with escape sequences or other control characters in it.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockFileName, regcredHome } from '../../cli/local-stack-lock.ts';
import { run } from '../../cli/program.ts';
import { maxResponseBytes } from '../../cli/transport.ts';
import { lockFile as stackLockFile } from '../../local/stack.ts';
import { trackSecret } from '../support/secret-audit.ts';
import { httpStub, type Stub } from '../support/stub-server.ts';

type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function serve(reply: Reply): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const stub = await httpStub(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push(`${req.method} ${req.url} ${body}`);
    reply(req, res, body);
  });
  stubs.push(stub);
  return { url: stub.url, requests };
}

const stubs: Stub<Server>[] = [];
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
  for (const stub of stubs) void stub.close();
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

describe('the CLI never sends over plain http:// beyond loopback', () => {
  it.each(['http://vault.example.com', 'http://10.0.0.1:3000', 'http://127.0.0.1.nip.io:3000', 'http://localhost.:3000'])(
    '%s is a usage error (exit 2) before any connection, also from the environment or the config file',
    async (endpoint) => {
      const password = trackSecret(`plain-http-${crypto.randomUUID()}`);
      const add = ['--project', 'demo', 'docker', 'add-credentials', '--docker-server', 'quay.io', '--docker-password-stdin'];
      const byFlag = await cli(['--endpoint', endpoint, ...add], password);
      expect(byFlag).toMatchObject({ code: 2, stdout: '' });
      expect(byFlag.stderr).toContain('plain http://');
      expect(byFlag.stderr).not.toContain(password);
      process.env['REGCRED_ENDPOINT'] = endpoint;
      try {
        expect((await cli(add, password)).code).toBe(2);
      } finally {
        delete process.env['REGCRED_ENDPOINT'];
      }
      expect((await cli(['config', 'set', 'endpoint', endpoint])).code).toBe(2);
    },
  );

  it('accepts http:// to 127.0.0.1, localhost and [::1], and https:// anywhere', async () => {
    const endpoint = await serve((_req, res) => json(res, 200, { items: [], nextToken: null }));
    const { port } = new URL(endpoint.url);
    for (const url of [endpoint.url, `http://localhost:${port}`]) {
      expect((await cli(['--endpoint', url, '--project', 'demo', 'docker', 'list-credentials'])).code, url).toBe(0);
    }
    for (const url of ['http://[::1]:1', 'https://vault.example.com']) expect((await cli(['config', 'set', 'endpoint', url])).code, url).toBe(0);
    expect((await cli(['config', 'unset', 'endpoint'])).code).toBe(0);
  });
});

describe('the CLI reads at most 6 MiB of an answer', () => {
  it.each([
    ['with a Content-Length', true],
    ['chunked, without one', false],
  ])('a bigger one, %s, is an error (exit 1) naming the size, not a crash', async (_, withLength) => {
    const big = `{"items":[],"nextToken":null,"pad":"${'x'.repeat(maxResponseBytes)}"}`;
    const endpoint = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(withLength && { 'content-length': String(Buffer.byteLength(big)) }) });
      res.end(big);
    });
    const result = await cli(['--endpoint', endpoint.url, '--project', 'demo', 'docker', 'list-credentials']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('answered too much');
    expect(result.stderr.length).toBeLessThan(1000);
  });

  it('an answer just under the cap is read', async () => {
    const fits = `{"items":[],"nextToken":null,"pad":"${'x'.repeat(maxResponseBytes - 100)}"}`;
    const endpoint = await serve((_req, res) => json(res, 200, JSON.parse(fits)));
    expect((await cli(['--endpoint', endpoint.url, '--project', 'demo', 'docker', 'list-credentials'])).code).toBe(0);
  });
});

describe('with no endpoint configured', () => {
  /** A regcred home as npm start leaves it: 0700, a 0600 lock file naming this process and `apiUrl`. */
  function home(lock: Record<string, unknown> | undefined, modes = { dir: 0o700, file: 0o600 }): string {
    const dir = mkdtempSync(join(tmpdir(), 'regcred-home-'));
    homes.push(dir);
    if (lock) {
      writeFileSync(join(dir, lockFileName), JSON.stringify(lock));
      chmodSync(join(dir, lockFileName), modes.file);
    }
    chmodSync(dir, modes.dir);
    return dir;
  }
  const homes: string[] = [];
  afterAll(() => {
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });
  async function listWithHome(regcredHome: string) {
    process.env['REGCRED_HOME'] = regcredHome;
    try {
      return await cli(['--project', 'demo', 'docker', 'list-credentials']);
    } finally {
      delete process.env['REGCRED_HOME'];
    }
  }

  it('uses the running local stack named by the lock file in REGCRED_HOME, on whatever port it runs', async () => {
    const endpoint = await serve((_req, res) => json(res, 200, { items: [], nextToken: null }));
    const result = await listWithHome(home({ pid: process.pid, apiUrl: endpoint.url }));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(endpoint.requests).toHaveLength(1);
  });

  it("without REGCRED_HOME, finds a running stack's .regcred from a subdirectory (nearest first), else names ./.regcred", () => {
    const checkout = mkdtempSync(join(tmpdir(), 'regcred-checkout-'));
    homes.push(checkout);
    const sub = join(checkout, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    const dotHome = join(checkout, '.regcred');
    expect(regcredHome({}, sub)).toBe(join(sub, '.regcred'));
    mkdirSync(dotHome, { mode: 0o700 });
    writeFileSync(join(dotHome, lockFileName), JSON.stringify({ pid: process.pid, apiUrl: 'http://127.0.0.1:9' }), { mode: 0o600 });
    expect(regcredHome({}, sub)).toBe(dotHome);
    expect(regcredHome({ REGCRED_HOME: 'elsewhere' }, sub)).toBe(join(sub, 'elsewhere'));
    // A stopped stack's lock (a pid that runs no more) is not a running stack's home.
    writeFileSync(join(dotHome, lockFileName), JSON.stringify({ pid: 2 ** 22 + 1, apiUrl: 'http://127.0.0.1:9' }), { mode: 0o600 });
    expect(regcredHome({}, sub)).toBe(join(sub, '.regcred'));
  });

  it('fails with "no endpoint configured" (exit 2) rather than guess an address', async () => {
    const endpoint = await serve((_req, res) => json(res, 200, { items: [], nextToken: null }));
    const deadPid = 2 ** 22 + 1;
    for (const regcredHome of [
      home(undefined),
      home({ pid: deadPid, apiUrl: endpoint.url }),
      home({ pid: process.pid }),
      home({ pid: process.pid, apiUrl: endpoint.url }, { dir: 0o777, file: 0o600 }),
      home({ pid: process.pid, apiUrl: endpoint.url }, { dir: 0o700, file: 0o666 }),
    ]) {
      const result = await listWithHome(regcredHome);
      expect(result, regcredHome).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toMatch(/^error: No endpoint configured: pass --endpoint/);
      expect(result.stderr).toContain(regcredHome);
    }
    expect(endpoint.requests).toEqual([]);
  });

  it('refuses a lock file naming plain http:// beyond loopback', async () => {
    const result = await listWithHome(home({ pid: process.pid, apiUrl: 'http://vault.example.com' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('plain http://');
  });

  it('local/stack.ts writes the lock file this module reads', () => {
    expect(stackLockFile('/x')).toBe(join('/x', lockFileName));
  });
});
