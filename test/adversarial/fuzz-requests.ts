// The fuzzer's request generator (test/adversarial/fuzz.test.ts): fast-check arbitraries for
// requests to every route that mix near-valid and hostile input, and build(), which turns a recipe
// into bytes on the wire. Everything that varies comes from fast-check's seeded generator (the
// password markers too), so a seed replays the same requests (test/unit/fuzz-replay.test.ts).
import fc from 'fast-check';
import { limits } from '../../functions/contract/config.ts';

/** The fuzz projects (the fuzz runs on a private stack, so fixed names are its own). */
export const projects = ['fuzz-a', 'fuzz-b', 'fuzz-c'];
/**
 * Verify's project, apart from the others: verify calls out to the stored registry, so the fuzz
 * aims verify at known ids of this project only, whose credentials all point at 127.0.0.1 ports
 * nothing listens on (no DNS lookup, no packet beyond loopback); anywhere else its ids never exist.
 */
export const verifyProject = 'fuzz-verify';

// ---------------------------------------------------------------------------------------------
// Passwords: a 12-character marker ("FZK" and 9 generated letters or digits), then anything. The
// marker is plain ASCII, so it shows unchanged in JSON, and base64 of a password starts with base64
// of the marker ("RlpL...").
export const markerLength = 12;
// Unbiased, so markers are as good as unique (36^9 values) instead of clustering on small values.
export const marker = fc.noBias(fc.string({ unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyz'), minLength: 9, maxLength: 9 })).map((m) => `FZK${m}`);
/** Markers of generated passwords found in a text, plain or base64 (only known ones, no lookalikes). */
export function leakedMarkers(text: string, known: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const [match] of text.matchAll(/FZK[0-9a-z]{9}|RlpL[A-Za-z0-9+/]{12}/g)) {
    const plain = match.startsWith('FZK') ? match : Buffer.from(match, 'base64').toString('latin1');
    if (known.has(plain)) found.push(plain);
  }
  return found;
}

// Tails that put a password exactly at the byte limit or one byte over it, also with multi-byte
// UTF-8 (2, 3 and 4 bytes per character, and a character that straddles the limit).
const room = limits.maxPasswordBytes - markerLength;
export const boundaryTails = {
  atLimit: ['x'.repeat(room), 'é'.repeat(room / 2), `${'€'.repeat(Math.floor(room / 3))}${'x'.repeat(room % 3)}`, '🔑'.repeat(room / 4)],
  overLimit: ['x'.repeat(room + 1), `${'é'.repeat(room / 2)}x`, `${'x'.repeat(room - 1)}é`, `${'🔑'.repeat(room / 4 - 1)}x🔑`],
};

const passwordTail = fc.oneof(
  { weight: 5, arbitrary: fc.string({ minLength: 0, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000\u0007\n\r\t', '"\\/\b\f', '</script><script>alert(1)</script>', '${jndi:ldap://x}', '%s%n%x', '\u202e\u200b\ufeff', '🔑'.repeat(20)) },
  { weight: 1, arbitrary: fc.constantFrom(...boundaryTails.atLimit, ...boundaryTails.overLimit, 'y'.repeat(15_000)) },
);

// ---------------------------------------------------------------------------------------------
// Path segments. A segment is sent as written (already percent-encoded where needed).
export const enc = (s: string) => encodeURIComponent(s);
const traversal = [
  '..', '.', '%2e%2e', '%2E%2E', '..%2F..', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e', '..%5C..', '%252e%252e',
  '%2F', '%00', '%0a', '%ff', '%', '%zz', '....//', '..;', '%c0%ae%c0%ae',
];
const pollution = ['__proto__', 'constructor', 'prototype', '%5F%5Fproto%5F%5F', 'toString', 'hasOwnProperty'];

const projectSegmentIn = (targets: readonly string[]) => fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...targets) },
  { weight: 2, arbitrary: fc.constantFrom(...traversal, ...pollution) },
  { weight: 1, arbitrary: fc.constantFrom(...projects).map((p) => `${p}%2F..%2F${projects[0]}`) },
  { weight: 1, arbitrary: fc.constantFrom(...projects).map((p) => p.toUpperCase()) },
  { weight: 1, arbitrary: fc.constantFrom('-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64), 'x'.repeat(300), '') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 70 }).map(enc) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map(enc) },
);
const projectSegment = projectSegmentIn(projects);

type IdRecipe = { known: number; other: boolean } | { literal: string };
const idSegment: fc.Arbitrary<IdRecipe> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ known: fc.nat(), other: fc.boolean() }) },
  { weight: 2, arbitrary: fc.uuid().map((literal) => ({ literal })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom(...traversal, ...pollution),
        fc.uuid().map((u) => u.toUpperCase()),
        fc.uuid().map((u) => `{${u}}`),
        fc.uuid().map((u) => u.slice(0, 35)),
        fc.uuid().map((u) => `${u}0`),
        fc.uuid().map((u) => u.replaceAll('-', '')),
        fc.uuid().map((u) => `${u}%2F..%2F..`),
        fc.constant('00000000-0000-0000-0000-000000000000'),
        fc.string({ unit: 'binary', maxLength: 60 }).map(enc),
      )
      .map((literal) => ({ literal })),
  },
);

// ---------------------------------------------------------------------------------------------
// Bodies and headers.
const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8', 'application/vnd.api+json', 'APPLICATION/JSON', 'application/json;charset=utf-16',
      'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '*/*',
      'application/xml', 'application/octet-stream', '', undefined,
    ),
  },
);

const hostileValue = fc.oneof(
  fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}),
  fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ minLength: 256, maxLength: 400 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom('__proto__', { __proto__: null, polluted: true }, { constructor: { prototype: { polluted: true } } }),
);

const server = fc.oneof(
  { weight: 8, arbitrary: fc.nat(400).map((n) => `reg${n}.example.com`) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'docker.io', 'https://index.docker.io/v1/', 'ghcr.io', 'ghcr.io/my-org', 'quay.io', 'localhost:5000', 'us.gcr.io',
      'myreg.azurecr.io', 'https://reg.example.com/v2/', '[::1]:5000', '10.0.0.1:443', '  padded.example.com  ', 'HTTPS://UPPER.EXAMPLE.COM',
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'https://me:pw@x.io', 'ftp://x.io', 'x.io?a=1', 'x.io#frag', 'x.io:99999', 'x.io:0', 'x..io', '../../etc/passwd', 'x io',
      '', ' ', 'a'.repeat(256), `${'a'.repeat(64)}.io`, 'javascript:alert(1)', 'file:///etc/passwd', 'http://[::1', 'réseau.example', '-x.io',
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);
const username = fc.oneof(
  fc.constantFrom('me', 'robot$ci', 'AWS', '_json_key', '_json_key_base64', 'a:b', 'a\u0007b', 'tab\tuser', '', 'u'.repeat(256), 'ünïcödé', '🙂'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constant(null),
);
const email = fc.oneof(
  fc.constantFrom('me@example.com', 'nope', '@', 'a@b', `${'a'.repeat(250)}@example.com`, 'ü@exämple.com', 'a@b.c\u0000'),
  fc.constant(null),
  fc.emailAddress(),
);
const extraKey = fc.constantFrom('passwrd', '__proto__', 'constructor', 'prototype', 'Password', 'registry', 'id', 'ciphertext', 'project');

/** `absent` misspells the password's key; `none` sends no password (an update that leaves it). */
type PasswordSlot = { marker: string; tail: string; wrap: 'plain' | 'array' | 'object' | 'absent' | 'none' };
type BodyRecipe =
  | { kind: 'object'; fields: Record<string, unknown>; password: PasswordSlot; extra?: [string, unknown] | undefined; protoText: boolean }
  | { kind: 'raw'; text: string }
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'none' };

const addBody: fc.Arbitrary<BodyRecipe> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('object' as const),
      fields: fc.record(
        { server, username, email },
        { requiredKeys: ['server'] },
      ),
      password: fc.record({ marker, tail: passwordTail, wrap: fc.constantFrom('plain', 'plain', 'plain', 'plain', 'array', 'object', 'absent') }),
      extra: fc.option(fc.tuple(extraKey, hostileValue), { freq: 4, nil: undefined }),
      protoText: fc.boolean(),
    }) as fc.Arbitrary<BodyRecipe>,
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('object' as const),
      fields: fc.record({ server: hostileValue, username: hostileValue, email: hostileValue }, { requiredKeys: [] }),
      password: fc.record({ marker, tail: passwordTail, wrap: fc.constantFrom('plain', 'array', 'object', 'absent') }),
      extra: fc.constant(undefined),
      protoText: fc.constant(false),
    }) as fc.Arbitrary<BodyRecipe>,
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom('', ' ', 'null', 'true', '0', '"str"', '[]', '{}', '{', '{"server":', '{"a":1}}', 'undefined', "{'server':'x'}", '\ufeff{}'),
        fc.constantFrom(10, 1000, 5000).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
        fc.constantFrom(10, 1000, 3000).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
        fc.constant(`{"server":"x.io","password":"${'z'.repeat(17 * 1024)}"}`),
        fc.json({ maxDepth: 6 }),
        fc.string({ unit: 'binary', maxLength: 200 }),
      )
      .map((text) => ({ kind: 'raw' as const, text })),
  },
  { weight: 1, arbitrary: fc.array(fc.nat(255), { maxLength: 64 }).map((bytes) => ({ kind: 'bytes' as const, bytes })) },
);

const stray: fc.Arbitrary<BodyRecipe> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: addBody },
);

const queryPart = fc.oneof(
  fc.tuple(fc.constant('limit'), fc.oneof(fc.integer({ min: 1, max: 100 }).map(String), fc.constantFrom('0', '-1', '101', '1e2', '1.5', ' 5', '0x10', 'NaN', 'Infinity', '', '9'.repeat(400), '٣', '1,2'))),
  fc.tuple(fc.constant('nextToken'), fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('', 'a.b', 'x'.repeat(2000), 'eyJ2IjoxLCJwIjoiYSIsImsiOiJ4In0.AAAAAAAAAAAAAAAAAAAAAA', 'eyJfX3Byb3RvX18iOnsicCI6MX19.x'))),
  fc.tuple(fc.constantFrom(...pollution, 'limt', 'LIMIT', 'next_token', ''), fc.string({ maxLength: 10 })),
);
const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant([] as Array<[string, string]>) },
  { weight: 4, arbitrary: fc.array(queryPart, { maxLength: 3 }) },
);

// Headers every hostile request may carry besides its content type and If-Match: printable ASCII
// values (node refuses to send control characters in a header), a signature that cannot verify
// (the local server answers 403 as API Gateway's IAM authorisation would), forwarding and encoding
// hints, and huge values.
const headerName = fc.constantFrom(
  'accept', 'accept-encoding', 'accept-language', 'authorization', 'cookie', 'user-agent', 'x-forwarded-for', 'x-forwarded-proto',
  'forwarded', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'x-http-method-override', 'if-none-match', 'range', 'x-amzn-trace-id',
);
const headerValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', ' ', 'x'.repeat(4000), '${jndi:ldap://x}', 'gzip, deflate, br', 'identity;q=0', '*/*', 'text/html', 'application/json', '127.0.0.1', '::1',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00', 'Bearer x',
      'Basic Zm9vOmJhcg==', 'PUT', 'DELETE', 'bytes=0-1', '20260101T000000Z', 'UNSIGNED-PAYLOAD',
    ),
  },
);
const extraHeaders = fc.oneof(
  { weight: 3, arbitrary: fc.constant([] as Array<[string, string]>) },
  { weight: 2, arbitrary: fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 3 }) },
);

// The read routes' query: image and server values near and far from valid, unknown and repeated keys.
const readValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'nginx', 'ghcr.io/my-org/app:1', `localhost:5000/x@sha256:${'a'.repeat(64)}`, 'reg1.example.com/a/b/c', 'https://index.docker.io/v1/', 'docker.io',
    'Nginx', 'nginx@sha256:abc', 'https://ghcr.io/app', 'https://u:p@x.io', 'x.io/?a', '\u212A8s.example.com/app', '[::1]:5000/app', '%', '../..', 'x'.repeat(1025), '',
    ...traversal,
  ),
);
const readQuery = fc.oneof(
  { weight: 2, arbitrary: readValue.map((v) => [['image', v]] as Array<[string, string]>) },
  { weight: 2, arbitrary: readValue.map((v) => [['server', v]] as Array<[string, string]>) },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.constantFrom('image', 'server', 'tag', 'IMAGE', 'image[]', '__proto__', 'constructor', 'limit', ''), readValue), { maxLength: 3 }) },
  { weight: 1, arbitrary: query },
);
const readImage = fc.oneof(
  fc.tuple(
    fc.oneof(fc.nat(400).map((n) => `reg${n}.example.com`), fc.constantFrom('seed1.example.com', 'seed2.example.com', 'seed3.example.com', 'ghcr.io/my-org', 'localhost:5000', 'quay.io')),
    fc.constantFrom('/app', '/team/app:1', `/x@sha256:${'a'.repeat(64)}`),
  ).map(([host, path]) => `${host}${path}`),
  fc.constantFrom('nginx', 'library/redis:7', 'docker.io/library/alpine', 'index.docker.io/library/busybox'),
);
const readServer = fc.oneof(
  fc.nat(400).map((n) => `reg${n}.example.com`),
  fc.constantFrom('https://index.docker.io/v1/', 'docker.io', 'registry-1.docker.io', 'seed1.example.com', 'seed2.example.com', 'localhost:5000', 'quay.io', 'ghcr.io'),
);

type Method = string;
const methodFor = (right: Method) =>
  fc.oneof({ weight: 12, arbitrary: fc.constant(right) }, { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'FOO', 'get') });

export interface RequestRecipe {
  /** A well-formed add: 201 or 409 when the password fits, else 400 naming password. */
  readonly nearValidAdd?: boolean;
  readonly route: 'add' | 'list' | 'delete' | 'update' | 'verify' | 'resolve' | 'dockerconfigjson';
  /** The path after /projects/{project}/: docker-credentials unless given. */
  readonly resource?: 'registry-auth' | 'dockerconfigjson';
  readonly method: Method;
  readonly project: string;
  readonly id?: IdRecipe;
  /** After the id: `/verify` and its near misses. */
  readonly suffix?: string;
  readonly ifMatch?: string | undefined;
  readonly query: Array<[string, string]>;
  readonly contentType: string | undefined;
  readonly body: BodyRecipe;
  /** More headers (hostile requests only). */
  readonly headers?: Array<[string, string]>;
}

// Near-valid: the right method, a fuzz project and a well-formed request, varied only where the
// API accepts variety (so adds succeed, collide on a registry, and deletes find real ids).
const fuzzProject = fc.constantFrom(...projects);
// A dockerconfigjson decrypts every credential of its project, and the fuzz projects grow by the
// hundred: four of five aim at verify's project (3 credentials, never added to), so the route's requests
// stay affordable while a fifth (some 160 of 800) still read projects being written.
const readProjects = [...Array<string>(12).fill(verifyProject), ...projects];
const readProject = fc.constantFrom(...readProjects);
const validAddBody: fc.Arbitrary<BodyRecipe> = fc.record({
  kind: fc.constant('object' as const),
  fields: fc.record(
    {
      server: fc.oneof(fc.nat(400).map((n) => `reg${n}.example.com`), fc.constantFrom('docker.io', 'ghcr.io/my-org', 'localhost:5000', 'quay.io')),
      username: fc.constantFrom('me', 'robot$ci', 'ünïcödé', null),
      email: fc.constantFrom('me@example.com', null),
    },
    { requiredKeys: ['server'] },
  ),
  password: fc.record({
    marker,
    tail: fc.oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
      { weight: 1, arbitrary: fc.constantFrom(...boundaryTails.atLimit, ...boundaryTails.overLimit) },
    ),
    wrap: fc.constant('plain' as const),
  }),
  extra: fc.constant(undefined),
  protoText: fc.constant(false),
});
const validUpdateBody: fc.Arbitrary<BodyRecipe> = fc.record({
  kind: fc.constant('object' as const),
  fields: fc.record({ username: fc.constantFrom('me', 'robot$ci', 'ünïcödé', null), email: fc.constantFrom('me@example.com', 'ops@example.org', null) }, { requiredKeys: [] }),
  password: fc.record({
    marker,
    tail: fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 30 })),
    wrap: fc.constantFrom('plain' as const, 'plain' as const, 'none' as const),
  }),
  extra: fc.constant(undefined),
  protoText: fc.constant(false),
});
const knownId = fc.oneof({ weight: 4, arbitrary: fc.record({ known: fc.nat(), other: fc.boolean() }) }, { weight: 1, arbitrary: fc.uuid().map((literal) => ({ literal })) });
const ifMatch = {
  nearValid: fc.option(fc.constantFrom('"1"', '"2"', '"3"', 'W/"2"', '*'), { freq: 3, nil: undefined }),
  hostile: fc.option(fc.constantFrom('"1"', 'garbage', '', '"0"', '"-1"', '"1", "2"', `"${'9'.repeat(20)}"`, '"1.5"', 'W/', '**'), { freq: 2, nil: undefined }),
};
const verifySuffix = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/verify') },
  { weight: 1, arbitrary: fc.constantFrom('/verify/', '/VERIFY', '/verify/x', '/verif', '/verify%00', '/%76erify', '/verify/..', '/..', '') },
);
const nearValid = {
  add: fc.record({
    nearValidAdd: fc.constant(true), route: fc.constant('add' as const), method: fc.constant('POST'), project: fuzzProject, query: fc.constant([] as Array<[string, string]>),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'), body: validAddBody,
  }),
  list: fc.record({
    route: fc.constant('list' as const), method: fc.constant('GET'), project: fuzzProject,
    query: fc.oneof(fc.constant([] as Array<[string, string]>), fc.integer({ min: 1, max: 100 }).map((n) => [['limit', String(n)]] as Array<[string, string]>)),
    contentType: fc.constant(undefined), body: fc.constant({ kind: 'none' as const }),
  }),
  delete: fc.record({
    route: fc.constant('delete' as const), method: fc.constant('DELETE'), project: fuzzProject,
    id: knownId,
    query: fc.constant([] as Array<[string, string]>), contentType: fc.constant(undefined), body: fc.constant({ kind: 'none' as const }),
  }),
  update: fc.record({
    route: fc.constant('update' as const), method: fc.constant('PATCH'), project: fuzzProject, id: knownId, ifMatch: ifMatch.nearValid,
    query: fc.constant([] as Array<[string, string]>), contentType: fc.constant('application/json'), body: validUpdateBody,
  }),
  verify: fc.record({
    route: fc.constant('verify' as const), method: fc.constant('POST'), project: fc.constant(verifyProject), id: knownId, suffix: fc.constant('/verify'),
    query: fc.constant([] as Array<[string, string]>), contentType: fc.constant(undefined), body: fc.constant({ kind: 'none' as const }),
  }),
  resolve: fc.record({
    route: fc.constant('resolve' as const), resource: fc.constant('registry-auth' as const), method: fc.constant('GET'), project: fuzzProject,
    query: fc.oneof(readImage.map((v) => [['image', v]] as Array<[string, string]>), readServer.map((v) => [['server', v]] as Array<[string, string]>)),
    contentType: fc.constant(undefined), body: fc.constant({ kind: 'none' as const }),
  }),
  dockerconfigjson: fc.record({
    route: fc.constant('dockerconfigjson' as const), resource: fc.constant('dockerconfigjson' as const), method: fc.constant('GET'), project: readProject,
    query: fc.constant([] as Array<[string, string]>), contentType: fc.constant(undefined), body: fc.constant({ kind: 'none' as const }),
  }),
};
const hostile = {
  add: fc.record({ route: fc.constant('add' as const), method: methodFor('POST'), project: projectSegment, query, contentType, body: addBody, headers: extraHeaders }),
  list: fc.record({ route: fc.constant('list' as const), method: methodFor('GET'), project: projectSegment, query, contentType, body: stray, headers: extraHeaders }),
  delete: fc.record({
    route: fc.constant('delete' as const), method: methodFor('DELETE'), project: projectSegment, id: idSegment, query, contentType, body: stray, headers: extraHeaders,
  }),
  update: fc.record({
    route: fc.constant('update' as const), method: methodFor('PATCH'), project: projectSegment, id: idSegment, ifMatch: ifMatch.hostile, query, contentType, body: addBody, headers: extraHeaders,
  }),
  verify: fc.record({
    route: fc.constant('verify' as const), method: methodFor('POST'), project: projectSegmentIn([verifyProject, ...projects]), id: idSegment, suffix: verifySuffix,
    query, contentType, body: stray, headers: extraHeaders,
  }),
  resolve: fc.record({
    route: fc.constant('resolve' as const), resource: fc.constant('registry-auth' as const), method: methodFor('GET'), project: projectSegment, query: readQuery,
    contentType, body: stray, headers: extraHeaders,
  }),
  dockerconfigjson: fc.record({
    route: fc.constant('dockerconfigjson' as const), resource: fc.constant('dockerconfigjson' as const), method: methodFor('GET'), project: projectSegmentIn(readProjects),
    query: fc.oneof({ weight: 3, arbitrary: query }, { weight: 1, arbitrary: readQuery }), contentType, body: stray, headers: extraHeaders,
  }),
};
export const recipes = {
  add: fc.oneof({ weight: 1, arbitrary: nearValid.add }, { weight: 3, arbitrary: hostile.add }),
  list: fc.oneof({ weight: 1, arbitrary: nearValid.list }, { weight: 3, arbitrary: hostile.list }),
  delete: fc.oneof({ weight: 1, arbitrary: nearValid.delete }, { weight: 3, arbitrary: hostile.delete }),
  update: fc.oneof({ weight: 1, arbitrary: nearValid.update }, { weight: 3, arbitrary: hostile.update }),
  verify: fc.oneof({ weight: 1, arbitrary: nearValid.verify }, { weight: 3, arbitrary: hostile.verify }),
  resolve: fc.oneof({ weight: 1, arbitrary: nearValid.resolve }, { weight: 3, arbitrary: hostile.resolve }),
  dockerconfigjson: fc.oneof({ weight: 1, arbitrary: nearValid.dockerconfigjson }, { weight: 3, arbitrary: hostile.dockerconfigjson }),
} satisfies Record<string, fc.Arbitrary<RequestRecipe>>;


// ---------------------------------------------------------------------------------------------
// Turning a recipe into bytes on the wire.
export interface Built {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  readonly passwords: string[];
  /** Set for a well-formed add with a plain password: its size in UTF-8 bytes. */
  readonly wellFormedPasswordBytes?: number;
}

/** `knownIds(project)`: the ids the model holds there, for deletes, updates and verifies aimed at real credentials. */
export function build(recipe: RequestRecipe, knownIds: (project: string) => readonly string[]): Built {
  const passwords: string[] = [];
  let body: Buffer | undefined;
  const b = recipe.body;
  if (b.kind === 'object') {
    const pw = `${b.password.marker}${b.password.tail}`;
    if (b.password.wrap !== 'none') passwords.push(pw);
    const fields: Record<string, unknown> = { ...b.fields };
    if (b.password.wrap === 'plain') fields['password'] = pw;
    if (b.password.wrap === 'array') fields['password'] = [pw];
    if (b.password.wrap === 'object') fields['password'] = { value: pw };
    if (b.password.wrap === 'absent') fields['passwrd'] = pw;
    let text = JSON.stringify(fields);
    if (b.extra) text = `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}${JSON.stringify(b.extra[0])}:${JSON.stringify(b.extra[1]) ?? 'null'}}`;
    if (b.protoText) text = `{"__proto__":{"polluted":true},${text.slice(1)}`;
    body = Buffer.from(text);
  } else if (b.kind === 'raw') {
    body = Buffer.from(b.text);
  } else if (b.kind === 'bytes') {
    body = Buffer.from(b.bytes);
  }
  let path = `/projects/${recipe.project}/${recipe.resource ?? 'docker-credentials'}`;
  if (recipe.id) path += `/${resolveId(recipe.project, recipe.id, knownIds)}${recipe.suffix ?? ''}`;
  if (recipe.query.length > 0) path += `?${recipe.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`;
  const headers: Record<string, string> = {};
  if (recipe.contentType !== undefined) headers['content-type'] = recipe.contentType;
  if (recipe.ifMatch !== undefined) headers['if-match'] = recipe.ifMatch;
  for (const [name, value] of recipe.headers ?? []) headers[name] = value;
  const wellFormed = recipe.nearValidAdd && passwords[0] !== undefined;
  return { method: recipe.method, path, headers, body, passwords, ...(wellFormed && { wellFormedPasswordBytes: Buffer.byteLength(passwords[0]!) }) };
}

/** A known id of this project (or, when `other`, of another fuzz project), or the literal; a fixed UUID when none is known. */
function resolveId(project: string, id: IdRecipe, knownIds: (project: string) => readonly string[]): string {
  if ('literal' in id) return id.literal;
  const from = id.other ? (projects.find((p) => p !== project) ?? project) : project;
  const ids = knownIds(from);
  return ids.length > 0 ? ids[id.known % ids.length]! : `00000000-0000-7000-8000-${(id.known % 2 ** 48).toString(16).padStart(12, '0')}`;
}

/**
 * Runs `batches` batches of `batchSize` generated requests of one route through `run`, under
 * fast-check with `seed`: the same seed gives the same recipes in the same order. Each batch is
 * built when it runs, so deletes aim at ids the model holds by then.
 */
export function fuzzBatches(
  route: keyof typeof recipes,
  options: { seed: number; batches: number; batchSize: number },
  knownIds: (project: string) => readonly string[],
  run: (batch: Built[]) => Promise<void>,
): Promise<void> {
  const batch = fc.array(recipes[route] as fc.Arbitrary<RequestRecipe>, { minLength: options.batchSize, maxLength: options.batchSize });
  return fc.assert(
    fc.asyncProperty(batch, (recipes) => run(recipes.map((recipe) => build(recipe, knownIds)))),
    { seed: options.seed, numRuns: options.batches, endOnFailure: true },
  );
}
