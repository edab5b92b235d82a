import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { realmAllowed } from '../../functions/core/registry-login.ts';
import { parseServer } from '../../functions/core/registry.ts';

const registryOf = (server: string) => {
  const parsed = parseServer(server);
  if (!parsed.ok) throw new Error(`expected ${server} to parse: ${parsed.reason}`);
  return parsed.registry;
};

describe('registry key normalisation', () => {
  it.each([
    // Docker Hub: every alias and form is docker.io
    ['https://index.docker.io/v1/', 'docker.io'],
    ['https://index.docker.io/v1', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['https://registry-1.docker.io/v2/', 'docker.io'],
    ['HTTPS://Index.Docker.IO/v1/', 'docker.io'],
    ['  docker.io  ', 'docker.io'],
    ['docker.io/myorg', 'docker.io/myorg'],
    // Google
    ['us.gcr.io', 'us.gcr.io'],
    ['https://us.gcr.io', 'us.gcr.io'],
    ['gcr.io/my-project', 'gcr.io/my-project'],
    ['europe-west1-docker.pkg.dev', 'europe-west1-docker.pkg.dev'],
    // Azure, Amazon, GitHub
    ['myreg.azurecr.io', 'myreg.azurecr.io'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'],
    ['ghcr.io/my-org', 'ghcr.io/my-org'],
    ['https://ghcr.io/My-Org/', 'ghcr.io/my-org'],
    // Self-hosted
    ['localhost:5000', 'localhost:5000'],
    ['http://localhost:5000/v2/', 'localhost:5000'],
    ['https://reg.example.com/v2/', 'reg.example.com'],
    ['https://reg.example.com/v2', 'reg.example.com'],
    ['reg.example.com:8443/team/v2/', 'reg.example.com:8443/team'],
    ['REG.Example.COM', 'reg.example.com'],
    ['10.0.0.5:5000', '10.0.0.5:5000'],
    ['[::1]:5000', '[::1]:5000'],
    ['registry', 'registry'],
    // One registry, one key: IPv6 in RFC 5952 form, ports without leading zeros, no default :443
    ['[0:0:0:0:0:0:0:1]:5000', '[::1]:5000'],
    ['http://[0000::0001]:5000/v2/', '[::1]:5000'],
    ['[2001:DB8:0:0:1:0:0:1]', '[2001:db8::1:0:0:1]'],
    ['[2001:db8::0:1]:443', '[2001:db8::1]'],
    ['localhost:05000', 'localhost:5000'],
    ['localhost:0005000/team', 'localhost:5000/team'],
    ['docker.io:443', 'docker.io'],
    ['https://index.docker.io:443/v1/', 'docker.io'],
    ['registry-1.docker.io:0443', 'docker.io'],
    ['reg.example.com:443/v2/', 'reg.example.com'],
    ['reg.example.com:80', 'reg.example.com:80'],
    ['docker.io:5000', 'docker.io:5000'],
    // Bare host names at the limits (a label of 63, a name of 253) and dotted digits that are IPv4
    [`${'a'.repeat(63)}.io`, `${'a'.repeat(63)}.io`],
    [`${'a.'.repeat(125)}abc`, `${'a.'.repeat(125)}abc`],
    ['Registry-1.Docker.IO', 'docker.io'],
    ['1.2.3.4', '1.2.3.4'],
    ['1-2.3', '1-2.3'],
  ])('%s -> %s', (server, registry) => {
    expect(registryOf(server)).toBe(registry);
  });

  it.each([
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['x'.repeat(256), 'at most 255'],
    ['https://user:pw@reg.example.com', 'user name or password'],
    ['user@reg.example.com', 'user name or password'],
    ['https://reg.example.com/v2/?a=b', 'query or fragment'],
    ['reg.example.com#frag', 'query or fragment'],
    ['reg example.com', 'whitespace'],
    ['reg.exa\tmple.com', 'whitespace'],
    ['ftp://reg.example.com', 'scheme'],
    ['-bad.example.com', 'host'],
    ['bad-.example.com', 'host'],
    ['bad..example.com', 'host'],
    ['under_score.example.com', 'host'],
    ['999.1.1.1', 'host'],
    ['1.2.3', 'host'],
    [`${'a'.repeat(64)}.io`, 'host'],
    [`${'a.'.repeat(125)}abcd`, 'host'],
    ['a.-b.io', 'host'],
    ['example.com.', 'host'],
    ['reg.example.com:0', 'port'],
    ['reg.example.com:70000', 'port'],
    ['reg.example.com:http', 'port'],
    ['reg.example.com:', 'port'],
    ['reg.example.com/../etc', 'path'],
    ['reg.example.com/a//b', 'path'],
    ['https://', 'host'],
    ['[:::::]', 'IPv6'],
    ['[:::::]:5000', 'IPv6'],
    ['[1]', 'IPv6'],
    ['[1]:5000', 'IPv6'],
    ['[::1', 'IPv6'],
    ['[fe80::1%eth0]', 'IPv6'],
    ['[::g]', 'IPv6'],
    ['[]', 'IPv6'],
    // Non-ASCII before any case mapping: the Kelvin sign lowercases to `k`, so this was k8s.example.com.
    ['\u212A8s.example.com', 'ASCII'],
    ['https://\u212A8s.example.com/v2/', 'ASCII'],
    ['k8s.example.com/\u017Fvc', 'ASCII'],
    ['b\u00FCcher.example', 'ASCII'],
    ['reg.example.com\u00A0', 'ASCII'],
    ['::1', 'host'],
    ['localhost:000000000', 'port'],
    ['localhost:65536', 'port'],
  ])('rejects %j (%s)', (server, reason) => {
    const parsed = parseServer(server);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it.each([
    ['[::1]:5000', '[0:0:0:0:0:0:0:1]:5000', 'http://[::0001]:5000/v2/'],
    ['localhost:5000', 'localhost:05000', 'http://LOCALHOST:005000/'],
    ['docker.io', 'docker.io:443', 'https://index.docker.io:443/v1/'],
    ['reg.example.com', 'reg.example.com:443', 'https://reg.example.com:00443/v2/'],
  ])('%s, %s and %s name one registry, so they collide', (...spellings) => {
    expect(new Set(spellings.map(registryOf)).size).toBe(1);
  });

  it('accepts a bare host name exactly when the full parse (which a scheme forces) does, with its key', () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9-]{0,64}$/);
    const labels = fc.array(fc.oneof(label, fc.constantFrom('a'.repeat(63), 'docker', 'io', '1', '255', '-')), { minLength: 1, maxLength: 8 });
    // At most 247 characters: `https://` on a longer name passes the 255-character limit.
    const host = labels.map((parts) => parts.join('.')).filter((server) => server.length <= 247);
    const nearLimit = fc.integer({ min: 240, max: 247 }).map((length) => `${'a.'.repeat(length)}`.slice(0, length - 3) + 'abc');
    fc.assert(
      fc.property(fc.oneof(host, nearLimit), (server) => {
        const [bare, full] = [parseServer(server), parseServer(`https://${server}`)];
        expect(bare.ok).toBe(full.ok);
        if (bare.ok) expect(bare).toEqual(full);
      }),
      { numRuns: 2000, seed: 5 },
    );
  });
});

describe('the token realm rule (where the login may go)', () => {
  const loopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  it.each([
    // the registry's own host, any port, or below it
    ['https://ghcr.io/v2/', 'https://ghcr.io/token'],
    ['https://quay.io/v2/', 'https://quay.io/v2/auth'],
    ['https://myreg.azurecr.io/v2/', 'https://myreg.azurecr.io/oauth2/token'],
    ['https://reg.example.com:5000/v2/', 'https://reg.example.com:8443/token'],
    ['https://example.com/v2/', 'https://auth.example.com/token'],
    ['https://10.0.0.5:5000/v2/', 'https://10.0.0.5:5001/token'],
    // the known table, and the registry's parent domain
    ['https://registry-1.docker.io/v2/', 'https://auth.docker.io/token'],
    ['https://registry.gitlab.com/v2/', 'https://gitlab.com/jwt/auth'],
    ['https://registry.example.com/v2/', 'https://auth.example.com/token'],
    ['https://registry.example.co.uk/v2/', 'https://login.example.co.uk/token'],
  ])('%s may send the login to %s', (base, realm) => {
    expect(realmAllowed(new URL(base), new URL(realm))).toBe(true);
  });

  it.each([
    ['https://ghcr.io/v2/', 'https://attacker.example/token', 'another domain'],
    ['https://ghcr.io/v2/', 'http://ghcr.io/token', 'plain http'],
    ['https://registry-1.docker.io/v2/', 'https://auth.docker.io.attacker.example/token', 'a look-alike'],
    ['https://reg.example.com/v2/', 'https://evilexample.com/token', 'a suffix that is not a label'],
    ['https://myreg.azurecr.io/v2/', 'https://other.azurecr.io/oauth2/token', 'another Azure tenant'],
    ['https://us-docker.pkg.dev/v2/', 'https://evil.pkg.dev/token', 'a shared parent'],
    ['https://1.dkr.ecr.eu-west-1.amazonaws.com/v2/', 'https://x.eu-west-1.amazonaws.com/', 'under amazonaws.com'],
    ['https://example.co.uk/v2/', 'https://evil.co.uk/token', 'a second-level country suffix'],
    ['https://reg.example/v2/', 'https://evil.example/token', 'a one-label parent'],
    ['https://10.0.0.5/v2/', 'https://10.0.0.6/token', 'another address'],
    ['https://127.0.0.1:5000/v2/', 'https://127.0.0.1.nip.io/token', 'a name for an address'],
  ])('%s may not send it to %s (%s)', (base, realm) => {
    expect(realmAllowed(new URL(base), new URL(realm))).toBe(false);
  });

  it('npm start: a loopback registry may name a loopback realm over http, and nothing else over http', () => {
    expect(realmAllowed(new URL('http://127.0.0.1:5000/v2/'), new URL('http://127.0.0.1:6000/token'), loopback)).toBe(true);
    expect(realmAllowed(new URL('http://localhost:5000/v2/'), new URL('http://[::1]:6000/token'), loopback)).toBe(true);
    expect(realmAllowed(new URL('http://127.0.0.1:5000/v2/'), new URL('http://127.0.0.1:6000/token'))).toBe(false);
    expect(realmAllowed(new URL('http://127.0.0.1:5000/v2/'), new URL('http://10.0.0.1/token'), loopback)).toBe(false);
    expect(realmAllowed(new URL('http://10.0.0.5:5000/v2/'), new URL('http://127.0.0.1/token'), loopback)).toBe(false);
  });
});
