// The local server's SigV4 check: requests signed by the CLI's signer pass as the local IAM user,
// anything changed after signing, another key or secret, another scope or a stale clock is refused
// with API Gateway's 403 wording; unsigned requests pass as the caller `local`.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type { OutgoingRequest } from '../../common/outgoing-request.ts';
import { signRequest } from '../../cli/sigv4.ts';
import { routes } from '../../functions/contract/routes.ts';
import { startHttpServer } from '../../local/http-server.ts';
import { localCaller, unsignedCaller } from '../../local/lambda-event.ts';
import { localCredentials, sigV4Verifier, type ReceivedRequest } from '../../local/sigv4-verifier.ts';
import type { HealthCheck } from '../../local/health.ts';

const healthy: HealthCheck = async () => ({ statusCode: 200, body: { status: 'ok' } });

const region = 'us-east-1';
const signingDate = new Date('2026-01-01T12:34:56Z');
const verify = sigV4Verifier({ region, now: () => signingDate.getTime() });
const mismatch = /^The request signature we calculated does not match the signature you provided\./;

async function signed(
  init: { method?: string; path?: string; body?: string; headers?: Record<string, string> } = {},
  options: { region?: string; credentials?: { accessKeyId: string; secretAccessKey: string }; date?: Date } = {},
): Promise<ReceivedRequest> {
  const url = new URL(init.path ?? '/projects/team-a/docker-credentials?limit=5', 'http://127.0.0.1:3000');
  const request: OutgoingRequest = {
    method: init.method ?? 'POST',
    url,
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined && { body: init.body }),
  };
  const headers = await signRequest(request, {
    region: options.region ?? region,
    credentials: options.credentials ?? localCredentials,
    signingDate: options.date ?? signingDate,
  });
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: request.method, target: `${url.pathname}${url.search}`, headers: lower, body: Buffer.from(init.body ?? '') };
}

const body = JSON.stringify({ server: 'gcr.io', password: 'not-a-real-password' });

describe('sigV4Verifier', () => {
  it('accepts what the CLI signs with the local credentials, as the local IAM user', async () => {
    expect(await verify(await signed({ body }))).toEqual({ ok: true, caller: localCaller });
    expect(await verify(await signed({ method: 'GET', path: '/projects/team-a/docker-credentials?limit=5&nextToken=a%2Fb' }))).toEqual({
      ok: true,
      caller: localCaller,
    });
    expect(localCaller.userArn).toBe('arn:aws:iam::000000000000:user/regcred-local');
  });

  it('lets unsigned requests through as the caller `local`, and other schemes too', async () => {
    const base = { method: 'GET', target: '/projects/a/docker-credentials', body: Buffer.alloc(0) };
    expect(await verify({ ...base, headers: {} })).toEqual({ ok: true, caller: undefined });
    expect(await verify({ ...base, headers: { authorization: 'Bearer abc' } })).toEqual({ ok: true, caller: undefined });
    expect(unsignedCaller.userArn).toBe('local');
  });

  it.each([
    ['the body', (r: ReceivedRequest) => ({ ...r, body: Buffer.from(body.replace('gcr.io', 'quay.io')) })],
    ['the body and its x-amz-content-sha256 header together', (r: ReceivedRequest) => {
      const forged = Buffer.from(body.replace('gcr.io', 'quay.io'));
      return { ...r, body: forged, headers: { ...r.headers, 'x-amz-content-sha256': createHash('sha256').update(forged).digest('hex') } };
    }],
    ['a signed header', (r: ReceivedRequest) => ({ ...r, headers: { ...r.headers, 'content-type': 'application/json; charset=utf-8' } })],
    ['the host', (r: ReceivedRequest) => ({ ...r, headers: { ...r.headers, host: '127.0.0.1:3001' } })],
    ['the project in the path', (r: ReceivedRequest) => ({ ...r, target: r.target.replace('team-a', 'team-b') })],
    ['the query', (r: ReceivedRequest) => ({ ...r, target: r.target.replace('limit=5', 'limit=6') })],
    ['the method', (r: ReceivedRequest) => ({ ...r, method: 'PUT' })],
    ['the signature', (r: ReceivedRequest) => ({ ...r, headers: { ...r.headers, authorization: String(r.headers.authorization).replace(/.$/, (c) => (c === '0' ? '1' : '0')) } })],
    ['a signed header removed', (r: ReceivedRequest) => {
      const { 'content-type': _, ...headers } = r.headers;
      return { ...r, headers };
    }],
  ])('refuses a request whose %s changed after signing', async (_, tamper) => {
    const original = await signed({ body });
    expect((await verify(original)).ok).toBe(true);
    expect(await verify(tamper(original))).toEqual({ ok: false, errorType: 'InvalidSignatureException', message: expect.stringMatching(mismatch) });
  });

  it('refuses a wrong secret, an unknown key, another region or service', async () => {
    const wrongSecret = await signed({ body }, { credentials: { accessKeyId: 'regcredlocal', secretAccessKey: 'not-the-secret' } });
    expect(await verify(wrongSecret)).toMatchObject({ ok: false, errorType: 'InvalidSignatureException', message: expect.stringMatching(mismatch) });

    const unknownKey = await signed({ body }, { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'regcredlocal' } });
    expect(await verify(unknownKey)).toEqual({
      ok: false,
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });

    expect(await verify(await signed({ body }, { region: 'eu-west-1' }))).toMatchObject({
      ok: false,
      message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
    });
    const request = await signed({ body });
    const otherService = { ...request, headers: { ...request.headers, authorization: String(request.headers.authorization).replace('/execute-api/', '/lambda/') } };
    expect(await verify(otherService)).toMatchObject({ ok: false, message: "Credential should be scoped to correct service: 'execute-api'." });
  });

  it('refuses a signature more than 5 minutes old or ahead, as API Gateway words it', async () => {
    const fiveMinutes = 5 * 60_000;
    const justInside = await signed({ body }, { date: new Date(signingDate.getTime() - fiveMinutes) });
    expect((await verify(justInside)).ok).toBe(true);
    const stale = await signed({ body }, { date: new Date(signingDate.getTime() - fiveMinutes - 1000) });
    expect(await verify(stale)).toEqual({
      ok: false,
      errorType: 'InvalidSignatureException',
      message: 'Signature expired: 20260101T122955Z is now earlier than 20260101T122956Z (20260101T123456Z - 5 min.)',
    });
    const ahead = await signed({ body }, { date: new Date(signingDate.getTime() + fiveMinutes + 1000) });
    expect(await verify(ahead)).toMatchObject({
      ok: false,
      message: 'Signature not yet current: 20260101T123957Z is still later than 20260101T123956Z (20260101T123456Z + 5 min.)',
    });
  });

  it('refuses incomplete Authorization headers and a missing X-Amz-Date', async () => {
    const request = await signed({ body });
    const withAuthorization = (authorization: string) => verify({ ...request, headers: { ...request.headers, authorization } });
    expect(await withAuthorization('AWS4-HMAC-SHA256 Credential=regcredlocal/20260101/us-east-1/execute-api/aws4_request')).toEqual({
      ok: false,
      errorType: 'IncompleteSignatureException',
      message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
    });
    expect(await withAuthorization('AWS4-ECDSA-P256-SHA256 Credential=x')).toMatchObject({ ok: false, errorType: 'IncompleteSignatureException' });
    const unsignedHost = String(request.headers.authorization).replace('host;', '');
    expect(await withAuthorization(unsignedHost)).toMatchObject({ ok: false, message: expect.stringContaining("'Host'") });
    const { 'x-amz-date': _, ...noDate } = request.headers;
    expect(await verify({ ...request, headers: noDate })).toMatchObject({ ok: false, message: expect.stringContaining("'X-Amz-Date'") });
  });
});

describe('the local HTTP server with the verifier', () => {
  let url = '';
  let close = () => undefined as void;
  const events: APIGatewayProxyEventV2WithIAMAuthorizer[] = [];
  beforeAll(async () => {
    const handler = async (event: APIGatewayProxyEventV2WithIAMAuthorizer) => {
      events.push(event);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"items":[],"nextToken":null}' };
    };
    const started = await startHttpServer([{ route: routes.listCredentials, handler: handler as never }], healthy, 0, '127.0.0.1', verify);
    url = started.url;
    close = () => void started.server.close();
  });
  afterAll(() => close());

  const get = async (headers: Record<string, string>) => {
    const response = await fetch(`${url}/projects/team-a/docker-credentials?limit=5`, { headers });
    return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), json: await response.json() };
  };

  it('hands the handler API Gateway’s authorizer.iam: the local user when signed, `local` when not', async () => {
    const request = await signed({ method: 'GET', path: `${url}/projects/team-a/docker-credentials?limit=5`, headers: { accept: 'application/json' } });
    const { host: _host, ...headers } = request.headers as Record<string, string>;
    expect((await get(headers)).status).toBe(200);
    expect((await get({})).status).toBe(200);
    expect(events.map((e) => e.requestContext.authorizer.iam)).toEqual([
      {
        accessKey: 'regcredlocal', accountId: '000000000000', callerId: 'AIDAREGCREDLOCAL', cognitoIdentity: null, principalOrgId: null,
        userArn: 'arn:aws:iam::000000000000:user/regcred-local', userId: 'AIDAREGCREDLOCAL',
      },
      { accessKey: '', accountId: '000000000000', callerId: 'local', cognitoIdentity: null, principalOrgId: null, userArn: 'local', userId: 'local' },
    ]);
  });

  it('answers a refused signature 403 {"message"} with x-amzn-ErrorType, before any handler runs', async () => {
    const before = events.length;
    const request = await signed(
      { method: 'GET', path: `${url}/projects/team-a/docker-credentials?limit=5` },
      { credentials: { accessKeyId: 'regcredlocal', secretAccessKey: 'wrong' } },
    );
    const { host: _host, ...headers } = request.headers as Record<string, string>;
    const refused = await get(headers);
    expect(refused).toEqual({ status: 403, errorType: 'InvalidSignatureException', json: { message: expect.stringMatching(mismatch) } });
    expect(events.length).toBe(before);
  });
});
