import { describe, expect, it } from 'vitest';
import { addCredentialRequest, listQuery } from '../../functions/contract/schemas.ts';
import { projectParams, credentialParams } from '../../functions/contract/path-params.ts';
import { toErrorBody } from '../../functions/http/map-error.ts';
import { assertWellFormed, decodeUtf8 } from '../../functions/http/utf8.ts';
import type { ValidationError } from '../../functions/core/errors.ts';

const serviceAccountKey = JSON.stringify({
  type: 'service_account',
  project_id: 'p',
  client_email: 'reader@p.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
});

/** The 400 body the handler would send for this request body. */
function rejection(body: unknown) {
  const result = addCredentialRequest.safeParse(body);
  expect(result.success).toBe(false);
  return toErrorBody(result.error);
}

describe('add credential request', () => {
  const valid = { server: 'us.gcr.io', username: 'me', email: 'me@example.com', password: 's3cret-value' };

  it('accepts a full request and defaults missing username/email to null', () => {
    expect(addCredentialRequest.parse(valid)).toEqual(valid);
    expect(addCredentialRequest.parse({ server: 'docker.io', password: 'p' })).toEqual({
      server: 'docker.io',
      password: 'p',
      username: null,
      email: null,
    });
    expect(addCredentialRequest.parse({ server: 'docker.io', password: 'p', username: null, email: null }).username).toBeNull();
  });

  it.each([
    [{ ...valid, passwrd: 'typo' }, 'passwrd', 'is not a known field'],
    [{ ...valid, server: undefined }, 'server', 'is required'],
    [{ ...valid, password: undefined }, 'password', 'is required'],
    [{ ...valid, server: 42 }, 'server', 'must be a string'],
    [{ ...valid, server: 'https://u:p@host' }, 'server', 'user name or password'],
    [{ ...valid, server: '\u212A8s.example.com' }, 'server', 'only ASCII'],
    [{ ...valid, password: '' }, 'password', 'must not be empty'],
    [{ ...valid, password: 'é'.repeat(2049) }, 'password', 'at most 4096 UTF-8 bytes'],
    [{ ...valid, username: 'a:b' }, 'username', 'must not contain ":"'],
    [{ ...valid, username: 'a\nb' }, 'username', 'control characters'],
    [{ ...valid, username: '' }, 'username', 'must not be empty'],
    [{ ...valid, email: 'not-an-email' }, 'email', 'must be an email address'],
    [{ ...valid, username: '_json_key', password: 'not json' }, 'password', 'not valid JSON'],
    [{ ...valid, username: '_json_key', password: '{"type":"user"}' }, 'password', '"type" must be "service_account"'],
    [{ ...valid, username: '_json_key', password: '{"type":"service_account","client_email":"x"}' }, 'password', '"private_key" is missing'],
    [{ ...valid, username: '_json_key_base64', password: serviceAccountKey }, 'password', 'base64'],
    [{ ...valid, username: '_json_key_base64', password: Buffer.from('{}').toString('base64') }, 'password', '(after base64 decoding)'],
    [[], 'body', 'must be a JSON object'],
    [null, 'body', 'must be a JSON object'],
  ])('rejects %j at %s', (body, path, message) => {
    const error = rejection(body);
    expect(error.error).toBe('ValidationError');
    expect(error.issues).toContainEqual({ path, message: expect.stringContaining(message) });
    expect(error.message).toContain(path);
  });

  it('accepts Google service-account keys as JSON and as base64', () => {
    expect(addCredentialRequest.safeParse({ server: 'gcr.io', username: '_json_key', password: serviceAccountKey }).success).toBe(true);
    const base64 = Buffer.from(serviceAccountKey).toString('base64');
    expect(addCredentialRequest.safeParse({ server: 'gcr.io', username: '_json_key_base64', password: base64 }).success).toBe(true);
    expect(addCredentialRequest.safeParse({ server: 'gcr.io', username: 'oauth2accesstoken', password: 'ya29.token' }).success).toBe(true);
  });

  it('never echoes the submitted password in a validation error', () => {
    const password = 'hunter2-is-my-password';
    for (const body of [
      { server: 'bad host', password },
      { server: 'gcr.io', username: '_json_key', password },
      { server: 'gcr.io', password, extra: password },
      { server: 'gcr.io', password: { nested: password } },
    ]) {
      expect(JSON.stringify(rejection(body))).not.toContain(password);
    }
  });
});

describe('path and query parameters', () => {
  it.each(['demo', 'a', 'team-1', 'x'.repeat(63)])('accepts project %s', (project) => {
    expect(projectParams.safeParse({ project }).success).toBe(true);
  });

  it.each(['', 'Demo', '-a', 'a-', 'a_b', 'x'.repeat(64), '..', 'a/b', 'a.b'])('rejects project %j', (project) => {
    const error = toErrorBody(projectParams.safeParse({ project }).error);
    expect(error.issues?.[0]?.path).toBe('project');
  });

  it('rejects an id that is not a UUID', () => {
    const error = toErrorBody(credentialParams.safeParse({ project: 'demo', id: '../etc/passwd' }).error);
    expect(error.issues).toEqual([{ path: 'id', message: 'must be a UUID' }]);
  });

  it('defaults limit to 50 and bounds it to 1..100', () => {
    expect(listQuery.parse({})).toEqual({ limit: 50 });
    expect(listQuery.parse({ limit: '100' }).limit).toBe(100);
    for (const limit of ['0', '101', '-1', '1.5', 'abc', '']) {
      const error = toErrorBody(listQuery.safeParse({ limit }).error);
      expect(error.issues?.[0]?.path, limit).toBe('limit');
    }
    expect(toErrorBody(listQuery.safeParse({ limt: '5' }).error).issues?.[0]?.path).toBe('limt');
  });
});

describe('UTF-8 request text', () => {
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  const issuesOf = (body: unknown) => {
    try {
      assertWellFormed(body);
      return [];
    } catch (error) {
      return (error as ValidationError).issues.map((issue) => issue.path);
    }
  };

  it('decodes valid UTF-8 as TextDecoder does', () => {
    const text = 'ascii é € 😀 \u{10ffff}';
    expect(decodeUtf8(Buffer.from(text))).toBe(text);
    expect(issuesOf({ password: text })).toEqual([]);
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['0xff 0xfe', [0xff, 0xfe]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an overlong 3-byte form', [0xe0, 0x80, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
  ])('marks %s so the field holding it is named', (_, invalid) => {
    const decoded = decodeUtf8(bytes('{"password":"a', invalid, 'b","username":"ok"}'));
    expect(issuesOf(JSON.parse(decoded))).toEqual(['password']);
  });

  it('names unpaired surrogates in nested fields and keys', () => {
    expect(issuesOf({ a: ['ok', '\ud800'], b: { c: 'x\udc00' }, '\ud83d': 1, d: '\ud83d\ude00' })).toEqual(['a.1', 'b.c', 'body']);
  });

  it('walks a body nested 100,000 levels deep without overflowing the stack (a 400, never a 500)', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => assertWellFormed(deep)).toThrow(/must be valid UTF-8 text/);
    expect(issuesOf(JSON.parse(`${'['.repeat(8000)}"ok"${']'.repeat(8000)}`))).toEqual([]);
  });
});
