// The literal-path check (functions/contract/routes.ts): a raw path matches a route template only as
// written, anchored at both ends, with no dot or empty segment and no encoded dot or slash that a
// server or proxy could resolve into another project's path.
import { describe, expect, it } from 'vitest';
import { credentialPath, credentialsPath, rawPathParameters, unsafePathReason } from '../../functions/contract/routes.ts';

const id = '0193c2a4-5b6e-7c8d-9e0f-112233445566';

describe('rawPathParameters', () => {
  it('matches the template exactly, or after one stage or mapping segment when prefixed', () => {
    expect(rawPathParameters(credentialsPath, '/projects/ab/docker-credentials')).toEqual({ project: 'ab' });
    expect(rawPathParameters(credentialPath, `/projects/ab/docker-credentials/${id}`)).toEqual({ project: 'ab', id });
    expect(rawPathParameters(credentialsPath, '/prod/projects/ab/docker-credentials', true)).toEqual({ project: 'ab' });
    expect(rawPathParameters(credentialsPath, '/prod/projects/ab/docker-credentials')).toBeUndefined();
  });

  it.each([
    '/projects/a/x/../../projects/ab/docker-credentials',
    '/projects/a/docker-credentials/../../projects/ab/docker-credentials',
    '/projects/./ab/docker-credentials',
    '/./projects/ab/docker-credentials',
    '//projects/ab/docker-credentials',
    '/prod//projects/ab/docker-credentials',
    '/projects/a%2fx/projects/ab/docker-credentials',
    '/projects/a/%2e%2e/projects/ab/docker-credentials',
    '/projects/a/%2E./projects/ab/docker-credentials',
    '/projects/a\\..\\projects/ab/docker-credentials',
    '/projects/a/docker-credentials/x/projects/ab/docker-credentials',
    '/a/b/projects/ab/docker-credentials',
    'x/projects/ab/docker-credentials',
    'projects/ab/docker-credentials',
    '//evil.example/projects/ab/docker-credentials',
  ])('refuses %s (prefixed or not)', (path) => {
    expect(rawPathParameters(credentialsPath, path, true)).toBeUndefined();
    expect(rawPathParameters(credentialsPath, path)).toBeUndefined();
  });
});

describe('unsafePathReason', () => {
  it.each([
    ['/projects/a/../projects/ab/docker-credentials', '. or ..'],
    ['/projects/a/./docker-credentials', '. or ..'],
    ['/projects//docker-credentials', '//'],
    ['//evil.example/projects/p/docker-credentials', 'single /'],
    ['projects/p/docker-credentials', 'single /'],
    ['/projects/p%2Fq/docker-credentials', '%2f'],
    ['/projects/p%2e/docker-credentials', '%2e'],
  ])('names why %s is refused', (path, words) => {
    expect(unsafePathReason(path)).toContain(words);
  });

  it('lets a literal path through', () => {
    expect(unsafePathReason(`/projects/team-a/docker-credentials/${id}/verify`)).toBeUndefined();
    expect(unsafePathReason('/projects/team-%61/docker-credentials')).toBeUndefined();
  });
});
