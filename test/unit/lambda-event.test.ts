// The one builder of API Gateway v2 events (local/lambda-event.ts), used by the local server, the
// tests and the bench, checked against API Gateway's real shape two independent ways:
// - Powertools parser's APIGatewayProxyEventV2Schema validates every event built here, by the local
//   server (over real HTTP) and by the bench (test/support/handlers.ts validates the tests' too);
// - test/fixtures/apigw-v2/ holds events in the shape AWS documents and delivers for the equivalent
//   requests, and the builder's output must equal them field by field. The fixtures follow the
//   payload format 2.0 example of the API Gateway developer guide ("Create AWS Lambda proxy
//   integrations for HTTP APIs"), Powertools' captured IAM-authorised event
//   (packages/parser/tests/events/apigw-http/iam-auth.json), and published captures of deployed
//   HTTP APIs for what the guide leaves out: header names lowercased, `cookie` moved to `cookies`,
//   repeated query keys comma-joined and decoded (`+` is a space), bodies base64-encoded unless
//   text/*, application/json, application/xml or application/javascript, time as 27/Nov/2026:08:00:00 +0000.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeList, routes } from '../../functions/contract/routes.ts';
import { apiEvent } from '../../bench/events.ts';
import { startHttpServer } from '../../local/http-server.ts';
import { apiGatewayEvent, gatewayTime, type EventInput, type IamCaller } from '../../local/lambda-event.ts';
import type { HealthCheck } from '../../local/health.ts';

const healthy: HealthCheck = async () => ({ statusCode: 200, body: { status: 'ok' } });

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../fixtures/apigw-v2/${name}.json`, import.meta.url), 'utf8'));

function valid(event: APIGatewayProxyEventV2): APIGatewayProxyEventV2 {
  const result = APIGatewayProxyEventV2Schema.safeParse(event);
  expect(result.error?.issues ?? []).toEqual([]);
  return event;
}

/**
 * The event with what differs per request or deployment (ids, clock, account) checked for its format
 * and then copied from the fixture, so everything else compares by value.
 */
function normalised(event: APIGatewayProxyEventV2, like: Json): Json {
  const copy = structuredClone(event) as Json;
  const context = copy['requestContext'];
  expect(context.requestId).toMatch(/^\S{8,}$/);
  expect(context.timeEpoch).toBeGreaterThan(Date.now() - 60_000);
  expect(context.time).toBe(gatewayTime(new Date(context.timeEpoch)));
  expect(copy['headers']['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  for (const key of ['requestId', 'time', 'timeEpoch', 'accountId']) context[key] = like['requestContext'][key];
  copy['headers']['x-amzn-trace-id'] = like['headers']['x-amzn-trace-id'];
  return copy;
}

/** The inputs a request like the fixture's gives the builder: mixed-case header names on purpose. */
function requestLike(like: Json): Omit<EventInput, 'route' | 'pathParameters'> {
  const { 'x-amzn-trace-id': _, 'x-forwarded-for': __, 'x-forwarded-port': ___, 'x-forwarded-proto': ____, ...sent } = like['headers'] as Record<string, string>;
  const headers = Object.fromEntries(Object.entries(sent).map(([name, value]) => [name.replace(/(^|-)\w/g, (c) => c.toUpperCase()), value]));
  if (like['cookies']) headers['Cookie'] = (like['cookies'] as string[]).join('; ');
  const iam = like['requestContext'].authorizer.iam as IamCaller;
  return {
    headers,
    rawQueryString: like['rawQueryString'],
    sourceIp: like['requestContext'].http.sourceIp,
    apiId: like['requestContext'].apiId,
    caller: { accessKey: iam.accessKey, accountId: iam.accountId, userArn: iam.userArn, userId: iam.userId },
  };
}

describe('the event builder against AWS-shaped events of the same requests', () => {
  it('POST with a JSON body, IAM-authorised: equal field by field', () => {
    const like = fixture('post-iam');
    const event = valid(apiGatewayEvent({ route: routes.addCredential, pathParameters: { project: 'demo' }, ...requestLike(like), body: like['body'] }));
    expect(normalised(event, like)).toEqual(like);
  });

  it('GET with repeated, plus-encoded and empty query parameters and two cookies: equal field by field', () => {
    const like = fixture('get-query-cookies');
    const event = valid(apiGatewayEvent({ route: routes.listCredentials, pathParameters: { project: 'demo' }, ...requestLike(like) }));
    expect(normalised(event, like)).toEqual(like);
  });

  it('POST with a binary body: base64 with isBase64Encoded, equal field by field', () => {
    const like = fixture('post-binary');
    const body = Buffer.from(like['body'], 'base64');
    const event = valid(apiGatewayEvent({ route: routes.addCredential, pathParameters: { project: 'demo' }, ...requestLike(like), body }));
    expect(normalised(event, like)).toEqual(like);
  });

  it.each([
    ['application/json; charset=utf-8', false],
    ['text/plain', false],
    ['application/xml', false],
    ['application/javascript', false],
    ['application/x-www-form-urlencoded', true],
    ['application/vnd.api+json', true],
    ['application/octet-stream', true],
    [undefined, true],
  ] as const)('a body of content type %s is base64: %s', (contentType, base64) => {
    const text = '{"server":"ghcr.io","note":"λ"}';
    const event = valid(
      apiGatewayEvent({ route: routes.addCredential, pathParameters: { project: 'demo' }, body: text, headers: contentType ? { 'content-type': contentType } : {} }),
    );
    expect(event.isBase64Encoded).toBe(base64);
    expect(event.body).toBe(base64 ? Buffer.from(text).toString('base64') : text);
    expect(event.headers['content-length']).toBe(String(Buffer.byteLength(text)));
  });

  it('encodes a query object into rawQueryString and omits what an empty request lacks', () => {
    const event = valid(apiGatewayEvent({ route: routes.listCredentials, pathParameters: { project: 'demo' }, query: { limit: '5', nextToken: 'a b+c' } }));
    expect(event.rawQueryString).toBe('limit=5&nextToken=a+b%2Bc');
    expect(event.queryStringParameters).toEqual({ limit: '5', nextToken: 'a b+c' });
    const bare = valid(apiGatewayEvent({ route: routes.listCredentials, pathParameters: { project: 'demo' } }));
    expect(Object.keys(bare).filter((key) => ['body', 'cookies', 'queryStringParameters'].includes(key))).toEqual([]);
  });

  it('treats keys named like Object.prototype members as plain keys', () => {
    const event = valid(
      apiGatewayEvent({ route: routes.listCredentials, pathParameters: { project: 'demo' }, rawQueryString: '__proto__=0&constructor=1&toString=2&toString=3', headers: { Constructor: 'x' } }),
    );
    expect(JSON.stringify(event.queryStringParameters)).toBe('{"__proto__":"0","constructor":"1","toString":"2,3"}');
    expect(Object.getPrototypeOf(event.queryStringParameters)).toBe(Object.prototype);
    expect(event.headers['constructor']).toBe('x');
  });

  it.each(['add', 'list', 'delete'] as const)('the bench builds valid %s events', (op) => {
    valid(apiEvent(op, { project: 'bench', id: crypto.randomUUID() }, op === 'add' ? { server: 'ghcr.io' } : undefined));
  });
});

describe('events the local server builds from real HTTP requests', () => {
  const seen: APIGatewayProxyEventV2[] = [];
  let url = '';
  let close = () => {};
  beforeAll(async () => {
    const capture = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
      seen.push(event);
      return { statusCode: 204 };
    };
    const started = await startHttpServer(routeList.map((route) => ({ route, handler: capture })), healthy, 0);
    url = started.url;
    close = () => started.server.close();
  });
  afterAll(() => close());

  function send(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<APIGatewayProxyEventV2> {
    return new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 204 ? resolve(valid(seen.at(-1)!)) : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('keeps the path as sent in rawPath, joins repeated query keys and moves cookies', async () => {
    const event = await send('GET', '/projects/demo/docker-credentials?tag=a&tag=b&plus=a+b', { cookie: 'session=abc123; theme=dark', 'user-agent': 'vitest' });
    expect(event.routeKey).toBe('GET /projects/{project}/docker-credentials');
    // Percent-encoded path parameters are refused before any event is built (api.test.ts).
    expect(event.rawPath).toBe('/projects/demo/docker-credentials');
    expect(event.requestContext.http.path).toBe(event.rawPath);
    expect(event.pathParameters).toEqual({ project: 'demo' });
    expect(event.rawQueryString).toBe('tag=a&tag=b&plus=a+b');
    expect(event.queryStringParameters).toEqual({ tag: 'a,b', plus: 'a b' });
    expect(event.cookies).toEqual(['session=abc123', 'theme=dark']);
    expect(event.headers['cookie']).toBeUndefined();
    expect(event.requestContext.http.sourceIp).toBe('127.0.0.1');
    expect(event.requestContext.http.userAgent).toBe('vitest');
    expect(event.headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-port': new URL(url).port });
  });

  it('hands a binary body over base64-encoded and a JSON body as text', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const binary = await send('POST', '/projects/demo/docker-credentials', { 'content-type': 'application/octet-stream' }, bytes);
    expect(binary).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
    const text = '{"server":"ghcr.io","note":"λ"}';
    const json = await send('POST', '/projects/demo/docker-credentials', { 'content-type': 'application/json' }, Buffer.from(text));
    expect(json).toMatchObject({ isBase64Encoded: false, body: text });
    expect(json.headers['content-length']).toBe(String(Buffer.byteLength(text)));
  });

  it('fills path parameters and leaves out a body that was not sent', async () => {
    const id = crypto.randomUUID();
    const event = await send('DELETE', `/projects/demo/docker-credentials/${id}`);
    expect(event.pathParameters).toEqual({ project: 'demo', id });
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });
});
