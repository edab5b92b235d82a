// Which credential an image or a credential helper's server resolves to: the distribution/reference
// normalisation and the most-specific-key match, through the real use case with an in-memory reader.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredCredential } from '../../functions/core/credential.ts';
import { NoCredentialError, ValidationError } from '../../functions/core/errors.ts';
import { candidateRegistries, normaliseImage } from '../../functions/core/image-reference.ts';
import type { CredentialReader, PasswordDecryptor } from '../../functions/core/ports.ts';
import { registryLookup, resolveRegistryAuth } from '../../functions/core/resolve-registry-auth.ts';

const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image reference normalisation (distribution/reference)', () => {
  it.each([
    // Docker Hub: official images get library/, every alias is docker.io
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.25', 'docker.io/library/nginx'],
    ['library/nginx', 'docker.io/library/nginx'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['docker.io/library/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/library/nginx:1.25', 'docker.io/library/nginx'],
    ['index.docker.io/nginx', 'docker.io/library/nginx'],
    ['registry-1.docker.io/me/app:2', 'docker.io/me/app'],
    ['me/app', 'docker.io/me/app'],
    ['me/app:latest', 'docker.io/me/app'],
    ['me/team/app', 'docker.io/me/team/app'],
    // digests, tag plus digest
    [`nginx@${digest}`, 'docker.io/library/nginx'],
    [`nginx:1.25@${digest}`, 'docker.io/library/nginx'],
    [`ghcr.io/org/app:v1@${digest}`, 'ghcr.io/org/app'],
    // hosts: a dot, a port, localhost, or an uppercase letter
    ['ghcr.io/org/app', 'ghcr.io/org/app'],
    ['localhost/app', 'localhost/app'],
    ['localhost:5000/app', 'localhost:5000/app'],
    ['localhost:5000/app:tag', 'localhost:5000/app'],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000/team/app'],
    ['[::1]:5000/app', '[::1]:5000/app'],
    ['myhost:5000/app', 'myhost:5000/app'],
    ['Registry.Example.COM/team/app', 'registry.example.com/team/app'],
    ['MyHost/app', 'myhost/app'],
    ['myhost/app', 'docker.io/myhost/app'],
    ['us-docker.pkg.dev/proj/repo/img:1', 'us-docker.pkg.dev/proj/repo/img'],
    ['a.b/c__d/e-f/g.h_i', 'a.b/c__d/e-f/g.h_i'],
    // the host is spelt as a stored server's key: no :443, no leading zeros, RFC 5952 IPv6
    ['reg.example.com:443/app:1', 'reg.example.com/app'],
    ['REG.Example.com:0443/team/app', 'reg.example.com/team/app'],
    ['docker.io:443/nginx', 'docker.io/library/nginx'],
    ['registry-1.docker.io:443/me/app', 'docker.io/me/app'],
    ['localhost:05000/app', 'localhost:5000/app'],
    ['[0:0::1]:5000/app', '[::1]:5000/app'],
    ['reg.example.com:80/app', 'reg.example.com:80/app'],
  ])('%s -> %s', (input, image) => {
    expect(normaliseImage(input)).toEqual({ ok: true, image });
  });

  it.each([
    ['', 'empty'],
    ['Nginx', 'uppercase repository'],
    ['ghcr.io/Org/app', 'uppercase path'],
    ['https://ghcr.io/org/app', 'a scheme'],
    ['ghcr.io/org/app:', 'empty tag'],
    ['nginx@sha256:abc', 'short digest'],
    ['nginx@', 'empty digest'],
    ['ghcr.io//app', 'empty component'],
    ['ghcr.io/org/app/', 'trailing slash'],
    ['-bad.io/app', 'host starting with a hyphen'],
    ['ghcr.io/-org/app', 'component starting with a separator'],
    ['ghcr.io/org app', 'whitespace'],
    ['0.0_a/app', 'a host with an underscore'],
    ['my_host:5000/app', 'a host with an underscore and a port'],
    ['a'.repeat(64).replace(/a/g, 'f'), 'a 64-hex image id'],
    [`ghcr.io/${'a/'.repeat(124)}a`, 'a name over 255 characters'],
    [`reg.io/app:${'t'.repeat(129)}`, 'a tag over 128 characters'],
  ])('refuses %j (%s)', (input) => {
    expect(normaliseImage(input).ok).toBe(false);
  });

  it.each(['\u212A8s.example.com/app', 'k8s.example.com/\u212Aapp', 'B\u00FCcher.example/app', '\u0131mage', 'ghcr.io/org/app:v\u0131'])(
    'refuses non-ASCII %j before any case mapping',
    (input) => {
      expect(normaliseImage(input)).toEqual({ ok: false, reason: expect.stringContaining('ASCII') });
    },
  );

  it('accepts a name of exactly 255 characters and lists all 126 candidate keys for it', () => {
    const image = `ab.io/${'a/'.repeat(124)}a`;
    expect(image).toHaveLength(255);
    expect(normaliseImage(image)).toEqual({ ok: true, image });
    expect(candidateRegistries(image)).toHaveLength(126);
  });

  it('lists candidate keys most specific first, component by component', () => {
    expect(candidateRegistries('ghcr.io/org/team/app')).toEqual(['ghcr.io/org/team/app', 'ghcr.io/org/team', 'ghcr.io/org', 'ghcr.io']);
    expect(candidateRegistries('localhost:5000/app')).toEqual(['localhost:5000/app', 'localhost:5000']);
  });
});

/** An in-memory CredentialReader over a set of stored registry keys; counts its calls. */
function readerOf(registries: readonly string[]) {
  const byRegistry = new Map<string, StoredCredential>();
  for (const [i, registry] of registries.entries()) {
    const id = `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;
    byRegistry.set(registry, { project: 'p', id, server: registry, registry, username: 'u', email: null, createdAt: '', version: 1, updatedAt: null, status: null, checkedAt: null, ciphertext: new Uint8Array() });
  }
  const calls = { firstMatch: 0, holdsPathsOn: 0 };
  const reader: CredentialReader = {
    firstMatch: async (_, keys) => {
      calls.firstMatch++;
      return keys.map((k) => byRegistry.get(k)).find((c) => c !== undefined);
    },
    holdsPathsOn: async (_, host) => {
      calls.holdsPathsOn++;
      return [...byRegistry.keys()].some((k) => k.startsWith(`${host}/`));
    },
    pages: async function* () {
      yield [...byRegistry.values()];
    },
  };
  return { reader, calls, byRegistry };
}

const decryptor: PasswordDecryptor = { decrypt: async (_, context) => `pw-of-${context['credentialId']}` };

async function resolvedKey(stored: readonly string[], query: { image?: string; server?: string }): Promise<string | null> {
  const { reader, calls } = readerOf(stored);
  try {
    const auth = await resolveRegistryAuth({ reader, decryptor }, 'p', registryLookup(query));
    expect(calls).toEqual({ firstMatch: 1, holdsPathsOn: 1 });
    return auth.registry;
  } catch (error) {
    if (error instanceof NoCredentialError) return null;
    throw error;
  }
}

describe('matching an image to the most specific credential', () => {
  const stored = ['docker.io', 'docker.io/library', 'docker.io/me', 'ghcr.io/org', 'ghcr.io/org/team', 'localhost:5000', 'registry.example.com', 'quay.io/a/b/c'];
  it.each([
    ['nginx', 'docker.io/library'],
    ['docker.io/library/nginx:1.25', 'docker.io/library'],
    ['me/app', 'docker.io/me'],
    ['meme/app', 'docker.io'],
    ['registry-1.docker.io/me/app', 'docker.io/me'],
    ['ghcr.io/org/app', 'ghcr.io/org'],
    ['ghcr.io/org/team/app', 'ghcr.io/org/team'],
    ['ghcr.io/org/teammate/app', 'ghcr.io/org'],
    ['ghcr.io/org2/app', null],
    ['ghcr.io/or/app', null],
    ['ghcr.io/app', null],
    ['localhost:5000/app', 'localhost:5000'],
    ['localhost:05000/app', 'localhost:5000'],
    ['registry.example.com:443/team/app:2', 'registry.example.com'],
    [`localhost:5000/team/app:1@${digest}`, 'localhost:5000'],
    ['localhost:5001/app', null],
    ['localhost/app', null],
    ['Registry.Example.com/team/app', 'registry.example.com'],
    ['quay.io/a/b/c/d', 'quay.io/a/b/c'],
    ['quay.io/a/b', null],
  ])('%s -> %s', async (image, registry) => {
    expect(await resolvedKey(stored, { image })).toBe(registry);
  });

  it('the repository path itself wins over every parent', async () => {
    expect(await resolvedKey(['ghcr.io', 'ghcr.io/org', 'ghcr.io/org/app'], { image: 'ghcr.io/org/app:1' })).toBe('ghcr.io/org/app');
  });
});

describe('matching a credential helper server: the host key only', () => {
  const stored = ['docker.io', 'ghcr.io/org-a', 'ghcr.io/org-b', 'localhost:5000'];
  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['localhost:5000', 'localhost:5000'],
    ['http://localhost:5000/v2/', 'localhost:5000'],
    ['ghcr.io', null],
    ['localhost', null],
  ])('%s -> %s', async (server, registry) => {
    expect(await resolvedKey(stored, { server })).toBe(registry);
  });

  it('says why a host with only path-scoped credentials does not match', async () => {
    const { reader } = readerOf(stored);
    await expect(resolveRegistryAuth({ reader, decryptor }, 'p', registryLookup({ server: 'ghcr.io' }))).rejects.toThrow(
      /sees only the host/,
    );
  });
});

describe('the lookup and the answer', () => {
  it('returns the credential, the normalised image and the matched key', async () => {
    const { reader, byRegistry } = readerOf(['ghcr.io/org']);
    const credential = byRegistry.get('ghcr.io/org')!;
    const auth = await resolveRegistryAuth({ reader, decryptor }, 'p', registryLookup({ image: 'ghcr.io/org/app:1' }));
    expect(auth).toEqual({
      credentialId: credential.id,
      registry: 'ghcr.io/org',
      image: 'ghcr.io/org/app',
      server: 'ghcr.io/org',
      username: 'u',
      email: null,
      password: `pw-of-${credential.id}`,
      pathScoped: true,
    });
  });

  it.each([
    [['ghcr.io', 'ghcr.io/org'], { image: 'ghcr.io/other/app' }, 'ghcr.io', true],
    [['ghcr.io', 'ghcr.io/org'], { image: 'ghcr.io/org/app' }, 'ghcr.io/org', true],
    [['ghcr.io', 'ghcr.io/org'], { server: 'ghcr.io' }, 'ghcr.io', true],
    [['ghcr.io', 'ghcr.iox/org', 'ghcr.io:5000/org'], { image: 'ghcr.io/org/app' }, 'ghcr.io', false],
    [['docker.io', 'quay.io/org'], { image: 'nginx' }, 'docker.io', false],
    [['docker.io', 'docker.io/me'], { server: 'https://index.docker.io/v1/' }, 'docker.io', true],
  ])('stored %j, %j: matches %s, pathScoped %s', async (stored, query, registry, pathScoped) => {
    const { reader } = readerOf(stored);
    expect(await resolveRegistryAuth({ reader, decryptor }, 'p', registryLookup(query))).toMatchObject({ registry, pathScoped });
  });

  it('asks whether paths below the host hold credentials beside the match, not after it', async () => {
    const { reader } = readerOf(['ghcr.io']);
    const started: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated: CredentialReader = {
      ...reader,
      firstMatch: async (...args) => (started.push('firstMatch'), await gate, reader.firstMatch(...args)),
      holdsPathsOn: async (...args) => (started.push('holdsPathsOn'), await gate, reader.holdsPathsOn(...args)),
    };
    const auth = resolveRegistryAuth({ reader: gated, decryptor }, 'p', registryLookup({ image: 'ghcr.io/a/b' }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(started.sort()).toEqual(['firstMatch', 'holdsPathsOn']);
    release();
    expect(await auth).toMatchObject({ registry: 'ghcr.io', pathScoped: false });
  });

  it.each([
    [{ image: 'Nginx' }, 'image'],
    [{ server: 'https://u:p@x.io' }, 'server'],
    [{ server: 'ftp://x.io' }, 'server'],
    // Non-ASCII is refused before any case mapping: the Kelvin sign lowercases to `k`, long s to `s`.
    [{ image: '\u212A8s.example.com/app' }, 'image'],
    [{ image: 'K8S.EXAMPLE.COM/\u017Fvc' }, 'image'],
    [{ server: '\u212A8s.example.com' }, 'server'],
    [{ server: 'https://\u212A8s.example.com/v2/' }, 'server'],
  ])('refuses %j naming %s', (query, field) => {
    expect(() => registryLookup(query)).toThrow(ValidationError);
    try {
      registryLookup(query);
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([field]);
    }
  });
});

describe('normalisation properties (fast-check)', () => {
  const referenceLike = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc
      .tuple(
        fc.constantFrom('', 'ghcr.io/', 'Docker.IO/', 'index.docker.io/', 'localhost:5000/', '[::1]:5000/', 'MyHost/', 'a.b:1/'),
        fc.array(fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('', ':1.25', ':latest', `@${digest}`, `:v1@${digest}`, ':', '@'),
      )
      .map(([host, path, suffix]) => `${host}${path.join('/')}${suffix}`),
  );

  // A host marked only by uppercase (MyHost/app) is lowercased for matching, so it is the one case
  // whose normalised form reads as a Docker Hub path again.
  it('never throws; a normalised image is lowercase, at most 255 characters, and normalises to itself', () => {
    fc.assert(
      fc.property(referenceLike, (input) => {
        const parsed = normaliseImage(input);
        if (!parsed.ok) return;
        const host = parsed.image.split('/')[0]!;
        expect(parsed.image).toBe(parsed.image.toLowerCase());
        expect(parsed.image.length).toBeLessThanOrEqual(255);
        if (/[.:]/.test(host) || host === 'localhost') expect(normaliseImage(parsed.image)).toEqual(parsed);
        expect(candidateRegistries(parsed.image).at(-1)).toBe(host);
      }),
      { numRuns: 3000 },
    );
  });
});
