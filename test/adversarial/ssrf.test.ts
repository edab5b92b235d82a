// SSRF guards of the registry check. No packet leaves loopback: refused addresses are refused
// before any socket exists (Socket#connect is watched, and would be blocked, for every test), names
// come from a stubbed resolver, and the servers that could be hit by mistake count connections.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPublicAddress, publicOnly, type AddressPolicy } from '../../functions/adapters/address-policy.ts';
import { HttpsRegistryVerifier } from '../../functions/adapters/https-registry-verifier.ts';
import { registryLimits, type Resolve } from '../../functions/adapters/registry-http.ts';
import { envNames } from '../../functions/contract/config.ts';
import { trackSecret } from '../support/secret-audit.ts';
import { createPki, type TestPki } from '../support/test-pki.ts';

const password = trackSecret(`ssrf-${crypto.randomUUID()}`);
const login = (server: string) => ({ server, username: 'me', password });

/**
 * Every Socket#connect attempt; one to a host that is not loopback (or a test name for it) is blocked.
 * `reroutes` sends a `host:port` (a test name, which the stubbed resolver answers with 127.0.0.1) to
 * another loopback port: how Docker Hub's names on 443 reach the test's https server.
 */
const connects: string[] = [];
const reroutes = new Map<string, number>();
const loopbackHosts = new Set(['127.0.0.1', '::1', 'localhost', 'registry.test', 'other.test', 'reg.example.test', 'auth.example.test']);
const realConnect = Socket.prototype.connect;
const connectSpy = vi.spyOn(Socket.prototype, 'connect').mockImplementation(function (this: Socket, ...args: unknown[]) {
  // net.createConnection passes its normalized [options, callback] pair as one array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: string; port?: unknown };
  const host = String(options.host ?? 'localhost');
  const key = `${host}:${String(options.port)}`;
  connects.push(key);
  const rerouted = reroutes.get(key);
  if (rerouted !== undefined) options.port = rerouted;
  else if (!loopbackHosts.has(host)) {
    process.nextTick(() => this.destroy(new Error(`the test blocked a connection to ${host}`)));
    return this;
  }
  return (realConnect as (...a: unknown[]) => Socket).apply(this, args);
});
afterAll(() => connectSpy.mockRestore());
afterEach(() => {
  connects.length = 0;
});

/** A TCP listener on 127.0.0.1 and ::1 (same port) that counts connections and answers nothing. */
async function countingListener(): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  let count = 0;
  const servers: Server[] = [];
  const listen = (host: string, port: number) =>
    new Promise<Server | undefined>((resolve) => {
      const server = createServer((socket) => {
        count++;
        socket.destroy();
      });
      server.once('error', () => resolve(undefined));
      server.listen(port, host, () => resolve(server));
    });
  const v4 = (await listen('127.0.0.1', 0))!;
  servers.push(v4);
  const port = (v4.address() as AddressInfo).port;
  const v6 = await listen('::1', port);
  if (v6) servers.push(v6);
  return { port, count: () => count, close: async () => void (await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))) };
}

describe('deployed mode (the default): loopback registries are refused before any connection', () => {
  let listener: Awaited<ReturnType<typeof countingListener>>;
  const previous = process.env[envNames.allowInsecureRegistries];
  beforeAll(async () => {
    listener = await countingListener();
    delete process.env[envNames.allowInsecureRegistries];
  });
  afterAll(async () => {
    if (previous !== undefined) process.env[envNames.allowInsecureRegistries] = previous;
    await listener.close();
  });

  // `[::127.0.0.1]` and `[::7f00:1]` are IPv4-compatible IPv6 (`::/96`): not loopback to the range
  // checks, so they were allowed; a connection to them is blocked by the connect watch.
  const forms = ['127.0.0.1', 'localhost', '[::1]', '127.1', '2130706433', '0x7f000001', '0.0.0.0', '[::ffff:127.0.0.1]', '127.0.0.2', '[::127.0.0.1]', '[::7f00:1]'];
  it.each(forms.flatMap((host) => [host, `https://${host}`]))('%s', async (host) => {
    const server = `${host}:${listener.port}`;
    const result = await HttpsRegistryVerifier.fromEnv().verify(login(server));
    expect(result).toEqual({ status: 'unreachable', detail: 'registry address is not public' });
    expect(listener.count()).toBe(0);
    expect(connects).toEqual([]);
  });

  it('plain http is refused whatever the address', async () => {
    const result = await HttpsRegistryVerifier.fromEnv().verify(login(`http://127.0.0.1:${listener.port}`));
    expect(result).toEqual({ status: 'unreachable', detail: 'registry must use https' });
    expect(listener.count()).toBe(0);
  });

  it('REGCRED_ALLOW_INSECURE_REGISTRIES=true (npm start) allows http and loopback, and only the exact value true', async () => {
    process.env[envNames.allowInsecureRegistries] = 'yes';
    expect((await HttpsRegistryVerifier.fromEnv().verify(login(`127.0.0.1:${listener.port}`))).detail).toBe('registry address is not public');
    expect(listener.count()).toBe(0);
    process.env[envNames.allowInsecureRegistries] = 'true';
    const result = await HttpsRegistryVerifier.fromEnv().verify(login(`127.0.0.1:${listener.port}`));
    delete process.env[envNames.allowInsecureRegistries];
    expect(result.status).toBe('unreachable');
    expect(listener.count()).toBe(1);
    // The connect watch sees real connections: the empty lists above mean none was attempted.
    expect(connects).toEqual([`127.0.0.1:${listener.port}`]);
  });
});

describe('names resolving to refused addresses (stubbed resolver): no connection is attempted', () => {
  const answers: Record<string, string[]> = {
    'private.test': ['10.1.2.3'],
    'private172.test': ['172.16.5.4'],
    'private192.test': ['192.168.1.1'],
    'metadata.test': ['169.254.169.254'],
    'linklocal.test': ['169.254.10.20'],
    'cgnat.test': ['100.64.0.1'],
    'multicast.test': ['224.0.0.251'],
    'unspecified.test': ['0.0.0.0'],
    'ula.test': ['fd00::1'],
    'linklocal6.test': ['fe80::1'],
    'mapped.test': ['::ffff:10.0.0.1'],
    'mapped-metadata.test': ['::ffff:169.254.169.254'],
    'nat64.test': ['64:ff9b::a9fe:a9fe'],
    'compat-metadata.test': ['::a9fe:a9fe'],
    'compat-public.test': ['::8.8.8.8'],
    'outside-2000-3.test': ['4000::1'],
    'discard6.test': ['100::1'],
    'mixed.test': ['8.8.8.8', '10.0.0.1'],
  };
  const resolve: Resolve = async (name) => (answers[name] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it.each(Object.keys(answers))('%s', async (name) => {
    const result = await new HttpsRegistryVerifier({ insecure: false, resolve }).verify(login(name));
    expect(result).toEqual({ status: 'unreachable', detail: 'registry address is not public' });
    expect(connects).toEqual([]);
  });

  it('an unknown name is unreachable', async () => {
    expect(await new HttpsRegistryVerifier({ insecure: false, resolve }).verify(login('nowhere.test'))).toEqual({
      status: 'unreachable',
      detail: 'registry name does not resolve',
    });
  });

  it('classifies addresses: only public unicast passes', () => {
    for (const ok of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001::1', '::ffff:8.8.8.8']) expect(isPublicAddress(ok), ok).toBe(true);
    // IPv6 must be global unicast (2000::/3) before the range checks: all of ::/96 (IPv4-compatible) is out.
    for (const bad of ['::a9fe:a9fe', '::127.0.0.1', '::7f00:1', '::8.8.8.8', '::2', '4000::1', 'e000::1', '100::1', 'fec0::1', '2001:db8::1', '127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.127.255.255', '0.0.0.0', '255.255.255.255', '224.0.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::1', 'not-an-ip']) {
      expect(isPublicAddress(bad), bad).toBe(false);
    }
  });
});

describe('insecure mode (npm start): loopback and private registries, never link-local', () => {
  // Stubbed names; the connect watch blocks every connection here, so an allowed private address
  // shows as one blocked connect attempt (to the name, which the checked lookup then answers), a
  // refused one as none.
  const answers: Record<string, string[]> = {
    'metadata.test': ['169.254.169.254'],
    'linklocal.test': ['169.254.10.20'],
    'linklocal6.test': ['fe80::1'],
    'mapped-metadata.test': ['::ffff:169.254.169.254'],
    'compat-metadata.test': ['::a9fe:a9fe'],
    'unspecified.test': ['0.0.0.0'],
    'multicast.test': ['224.0.0.251'],
    'mixed.test': ['10.0.0.1', '169.254.169.254'],
  };
  const resolve: Resolve = async (name) =>
    (answers[name] ?? { 'private.test': ['10.1.2.3'], 'ula.test': ['fd00::1'] }[name] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const insecure = () => new HttpsRegistryVerifier({ insecure: true, resolve });

  it.each([...Object.keys(answers), '169.254.169.254', '[fe80::1]', '[::a9fe:a9fe]'])('%s is refused before any connection', async (server) => {
    expect(await insecure().verify(login(server))).toEqual({ status: 'unreachable', detail: 'registry address is not public' });
    expect(connects).toEqual([]);
  });

  it.each(['private.test', 'ula.test', '10.9.8.7'])('%s is allowed (a connection is attempted, and blocked by the test)', async (server) => {
    expect(await insecure().verify(login(server))).toEqual({ status: 'unreachable', detail: 'registry connection failed' });
    expect(connects).toEqual([`${server}:443`]);
  });
});

describe('the realm and every redirect are checked like the registry', () => {
  // Test seam: registry.test, other.test, reg.example.test and auth.example.test may be reached on
  // 127.0.0.1 (one https server with a test CA); every other host and address gets the deployed policy.
  let pki: TestPki;
  let registry: HttpsServer;
  let port = 0;
  let trap: Awaited<ReturnType<typeof countingListener>>;
  let handle: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const seen: IncomingMessage[] = [];
  const names: Record<string, string> = {
    'registry.test': '127.0.0.1',
    'other.test': '127.0.0.1',
    'reg.example.test': '127.0.0.1',
    'auth.example.test': '127.0.0.1',
    'metadata.test': '169.254.169.254',
    'meta.example.test': '169.254.169.254',
    'registry-1.docker.io': '127.0.0.1',
    'auth.docker.io': '127.0.0.1',
  };
  const testHosts = new Set(['registry.test', 'other.test', 'reg.example.test', 'auth.example.test', 'registry-1.docker.io', 'auth.docker.io']);
  const resolve: Resolve = async (name) => (names[name] ? [{ address: names[name]!, family: 4 }] : []);
  const allowAddress: AddressPolicy = (address, host) =>
    testHosts.has(host) && address === '127.0.0.1' ? true : publicOnly(address, host);
  const verifier = () => new HttpsRegistryVerifier({ insecure: false, resolve, allowAddress, ca: pki.caPem });

  beforeAll(async () => {
    pki = await createPki();
    const leaf = await pki.leaf('registry.test', [...testHosts]);
    registry = createHttpsServer({ key: leaf.keyPem, cert: leaf.certificatePem }, (req, res) => {
      seen.push(req);
      handle(req, res);
    });
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    port = (registry.address() as AddressInfo).port;
    trap = await countingListener();
  });
  afterAll(async () => {
    registry.closeAllConnections();
    await new Promise((r) => registry.close(r));
    await trap.close();
    pki.remove();
  });
  afterEach(() => {
    seen.length = 0;
  });

  const challengeWith = (realm: string) => (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/v2/' && !req.headers.authorization) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="registry.test"` });
      return res.end();
    }
    if (req.url?.startsWith('/token')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"token":"t0ken"}');
    }
    res.writeHead(req.headers.authorization === 'Bearer t0ken' ? 200 : 401);
    res.end();
  };

  it('control: a realm on the allowed test host is followed, so the refusals below are real', async () => {
    handle = challengeWith(`https://registry.test:${port}/token`);
    expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'valid', detail: 'registry with the token accepted the login' });
  });

  it('control: a realm on a sibling of the registry host (same parent domain) is followed', async () => {
    handle = challengeWith(`https://auth.example.test:${port}/token`);
    expect(await verifier().verify(login(`reg.example.test:${port}`))).toEqual({ status: 'valid', detail: 'registry with the token accepted the login' });
    expect(seen.map((r) => r.headers.host?.split(':')[0])).toEqual(['reg.example.test', 'auth.example.test', 'reg.example.test']);
  });

  const offDomain = 'registry names a token realm off its own domain';
  it.each([
    ['another host (the login would go to it)', () => `https://other.test:${port}/token`, offDomain],
    ['a loopback literal', () => `https://127.0.0.1:${trap.port}/token`, offDomain],
    ['a decimal loopback form', () => `https://2130706433:${trap.port}/token`, offDomain],
    ['a name resolving to the metadata address', () => 'https://metadata.test/latest/meta-data/', offDomain],
    ['plain http', () => `http://registry.test:${port}/token`, 'registry names a token realm without https'],
  ])('a realm pointing at %s is refused, with no connection to it', async (_, realm, detail) => {
    handle = challengeWith(realm());
    expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'unsupported', detail });
    expect(trap.count()).toBe(0);
    expect(connects.every((c) => c.startsWith('registry.test:'))).toBe(true);
    expect(seen.some((r) => r.url?.startsWith('/token'))).toBe(false);
  });

  it('a realm the domain rule allows still gets the address checks', async () => {
    handle = challengeWith('https://meta.example.test/token');
    expect(await verifier().verify(login(`reg.example.test:${port}`))).toEqual({ status: 'unreachable', detail: 'registry address is not public' });
    expect(seen).toHaveLength(1);
  });

  it('the challenge comes only from the registry’s origin: a ping redirected to another host is refused', async () => {
    // An open redirect on the registry pointing at a host that asks for the login at its own realm.
    handle = (req, res) => {
      if (req.headers.host?.startsWith('registry.test')) {
        res.writeHead(302, { location: `https://other.test:${port}/v2/` });
        return res.end();
      }
      challengeWith(`https://other.test:${port}/token`)(req, res);
    };
    expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'unreachable', detail: 'redirect to another host refused' });
    expect(seen.map((r) => [r.headers.host?.split(':')[0], r.url, Boolean(r.headers.authorization)])).toEqual([['registry.test', '/v2/', false]]);
  });

  const redirectTo = (location: () => string) => (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(302, { location: location() });
    res.end();
  };

  it.each([
    ['a loopback literal', () => `https://127.0.0.1:${trap.port}/v2/`, 'redirect to another host refused'],
    ['the metadata address', () => 'https://169.254.169.254/latest/', 'redirect to another host refused'],
    ['a name resolving to the metadata address', () => 'https://metadata.test/', 'redirect to another host refused'],
    ['another host allowed by the address policy', () => `https://other.test:${port}/v2/`, 'redirect to another host refused'],
    ['another port of the same host', () => `https://registry.test:${trap.port}/v2/`, 'redirect to another host refused'],
    ['another scheme', () => `http://registry.test:${port}/v2/`, 'redirect to another scheme refused'],
  ])('a redirect to %s is refused, with no connection to it', async (_, location, detail) => {
    handle = redirectTo(location);
    expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'unreachable', detail });
    expect(trap.count()).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('follows at most 3 redirects', async () => {
    handle = redirectTo(() => `/v2/?hop=${seen.length}`);
    expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'unreachable', detail: 'too many redirects' });
    expect(seen).toHaveLength(4);
  });

  it('a redirect to another host is refused (so credentials never follow one)', async () => {
    handle = (req, res) => {
      if (req.headers.host?.startsWith('registry.test') && req.headers.authorization) {
        res.writeHead(307, { location: `https://other.test:${port}/v2/` });
        return res.end();
      }
      if (req.headers.host?.startsWith('other.test')) {
        res.writeHead(req.headers.authorization ? 200 : 401);
        return res.end();
      }
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' });
      res.end();
    };
    expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'unreachable', detail: 'redirect to another host refused' });
    expect(seen.map((r) => [r.headers.host?.split(':')[0], Boolean(r.headers.authorization)])).toEqual([
      ['registry.test', false],
      ['registry.test', true],
    ]);
  });

  it('checks the address actually connected to, not only the resolver’s answer', async () => {
    handle = challengeWith('https://unused.test/');
    let calls = 0;
    // Allows the lookup, refuses the connected socket: what a DNS rebinding between the two would need.
    const flipping: AddressPolicy = () => ++calls === 1;
    const result = await new HttpsRegistryVerifier({ insecure: false, resolve, allowAddress: flipping, ca: pki.caPem }).verify(login(`registry.test:${port}`));
    expect(result).toEqual({ status: 'unreachable', detail: 'registry address is not public' });
    expect(calls).toBe(2);
    expect(seen).toHaveLength(0);
  });

  it('reads at most 64 KiB of an answer', async () => {
    handle = (req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="https://registry.test:${port}/token"` });
      res.end('x'.repeat(65 * 1024));
    };
    expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'unreachable', detail: 'registry answer too large' });
  });

  it.each(['docker.io', 'https://index.docker.io/v1/', 'index.docker.io:443'])('Docker Hub (%s) is checked at registry-1.docker.io:443 with its auth.docker.io realm', async (server) => {
    reroutes.set('registry-1.docker.io:443', port).set('auth.docker.io:443', port);
    const queries: string[] = [];
    handle = (req, res) => {
      if (req.headers.host === 'auth.docker.io') queries.push(req.url ?? '');
      if (req.headers.host === 'registry-1.docker.io' && !req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"' });
        return res.end();
      }
      challengeWith('unused')(req, res);
    };
    try {
      expect(await verifier().verify(login(server))).toEqual({ status: 'valid', detail: 'registry with the token accepted the login' });
    } finally {
      reroutes.clear();
    }
    expect(connects).toEqual(['registry-1.docker.io:443', 'auth.docker.io:443', 'registry-1.docker.io:443']);
    expect(seen.map((r) => [r.headers.host, r.url])).toEqual([
      ['registry-1.docker.io', '/v2/'],
      ['auth.docker.io', '/token?service=registry.docker.io&offline_token=true&client_id=regcred'],
      ['registry-1.docker.io', '/v2/'],
    ]);
  });

  describe('the whole check has one deadline (8 s; a test passes a shorter one)', () => {
    // Each answer comes 400 ms late: well inside the 3 s per request, 1.2 s for the whole check.
    const slow = () => {
      const answer = challengeWith(`https://registry.test:${port}/token`);
      return (req: IncomingMessage, res: ServerResponse) => void setTimeout(() => answer(req, res), 400);
    };

    it('control: slow answers pass under the default limit', async () => {
      handle = slow();
      expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'valid', detail: 'registry with the token accepted the login' });
    });

    it('gives up when the whole check passes its limit, though no single answer is late', async () => {
      handle = slow();
      const started = performance.now();
      const result = await new HttpsRegistryVerifier({ insecure: false, resolve, allowAddress, ca: pki.caPem, totalMs: 600 }).verify(login(`registry.test:${port}`));
      const elapsed = performance.now() - started;
      expect(result).toEqual({ status: 'unreachable', detail: 'registry check took too long' });
      // Given up during the token request, the second of three.
      expect(seen.map((r) => r.url?.split('?')[0])).toEqual(['/v2/', '/token']);
      expect(elapsed).toBeGreaterThan(550);
      expect(elapsed).toBeLessThan(1100);
    });

    it('the default is registryLimits.totalMs, 8 s, for deployed and npm start verifiers alike', async () => {
      expect(registryLimits.totalMs).toBe(8000);
      handle = challengeWith(`https://registry.test:${port}/token`);
      const timeout = vi.spyOn(AbortSignal, 'timeout');
      try {
        await verifier().verify(login(`registry.test:${port}`));
        // Refused before any connection (or DNS query) in either mode.
        await HttpsRegistryVerifier.fromEnv().verify(login('0.0.0.0'));
        expect(timeout.mock.calls).toEqual([[8000], [8000]]);
      } finally {
        timeout.mockRestore();
      }
    });
  });

  it('gives up on a silent registry after 3 s', async () => {
    handle = () => undefined;
    const started = performance.now();
    expect(await verifier().verify(login(`registry.test:${port}`))).toEqual({ status: 'unreachable', detail: 'registry did not answer in time' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(2900);
    expect(elapsed).toBeLessThan(6000);
  });
});
