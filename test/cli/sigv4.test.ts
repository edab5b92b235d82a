// The deployed API: the CLI signs with the AWS SDK's signer, and this test recomputes the signature by
// hand (AWS's documented algorithm) for a fixed clock and fixed credentials; and the client's failures read well.
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../cli/client.ts';
import { executeApiRegion } from '../../cli/connect.ts';
import { signRequest } from '../../cli/sigv4.ts';
import { httpStub } from '../support/stub-server.ts';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2026-01-01T12:34:56Z');
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** AWS Signature Version 4, written out step by step from the AWS documentation. */
function expectedSignature(canonicalRequest: string, region: string): string {
  const scope = `20260101/${region}/execute-api/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', '20260101T123456Z', scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, '20260101');
  for (const part of [region, 'execute-api', 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('signRequest', () => {
  it('signs a GET for execute-api in the given region with the fixed clock and credentials', async () => {
    const url = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/projects/team-a/docker-credentials?limit=100');
    const headers = await signRequest(
      { method: 'GET', url, headers: { accept: 'application/json' } },
      { region: 'eu-west-1', credentials, signingDate },
    );
    expect(headers['x-amz-date']).toBe('20260101T123456Z');
    expect(headers['host']).toBe('abc123.execute-api.eu-west-1.amazonaws.com');
    const canonicalRequest = [
      'GET',
      '/projects/team-a/docker-credentials',
      'limit=100',
      'accept:application/json',
      'host:abc123.execute-api.eu-west-1.amazonaws.com',
      `x-amz-content-sha256:${sha256('')}`,
      'x-amz-date:20260101T123456Z',
      '',
      'accept;host;x-amz-content-sha256;x-amz-date',
      sha256(''),
    ].join('\n');
    expect(headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/execute-api/aws4_request, ' +
        `SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date, Signature=${expectedSignature(canonicalRequest, 'eu-west-1')}`,
    );
  });

  it('covers the JSON body and the session token of temporary credentials', async () => {
    const body = JSON.stringify({ server: 'gcr.io', password: 'not-a-real-password' });
    const url = new URL('https://api.example.com/projects/team-a/docker-credentials');
    const headers = await signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
      { region: 'us-east-2', credentials: { ...credentials, sessionToken: 'SESSION' }, signingDate },
    );
    expect(headers['x-amz-security-token']).toBe('SESSION');
    const canonicalRequest = [
      'POST',
      '/projects/team-a/docker-credentials',
      '',
      'content-type:application/json',
      'host:api.example.com',
      `x-amz-content-sha256:${sha256(body)}`,
      'x-amz-date:20260101T123456Z',
      'x-amz-security-token:SESSION',
      '',
      'content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token',
      sha256(body),
    ].join('\n');
    expect(headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-2/execute-api/aws4_request, ' +
        `SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=${expectedSignature(canonicalRequest, 'us-east-2')}`,
    );
  });

  it('sends the signed headers on the wire, with a Host that matches the signed one', async () => {
    let received: IncomingHttpHeaders | undefined;
    let target = '';
    const stub = await httpStub((request, response) => {
      received = request.headers;
      target = request.url ?? '';
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"nextToken":null}');
    });
    try {
      const client = createClient({
        endpoint: stub.url,
        sign: (request) => signRequest(request, { region: 'eu-west-1', credentials, signingDate }),
      });
      expect(await client.listAll('team-a')).toEqual([]);
    } finally {
      await stub.close();
    }
    expect(received?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/20260101\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(received?.['x-amz-date']).toBe('20260101T123456Z');
    expect(received?.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const [path, query] = target.split('?');
    const signedHeaders = ['accept', 'host', 'x-amz-content-sha256', 'x-amz-date'];
    const canonicalRequest = [
      'GET',
      path,
      query,
      ...signedHeaders.map((name) => `${name}:${received?.[name]}`),
      '',
      signedHeaders.join(';'),
      sha256(''),
    ].join('\n');
    expect(received?.authorization).toContain(`Signature=${expectedSignature(canonicalRequest, 'eu-west-1')}`);
  });
});

describe('executeApiRegion', () => {
  it.each([
    ['https://abc123.execute-api.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['https://abc123.execute-api.us-gov-west-1.amazonaws.com/', 'us-gov-west-1'],
    ['https://ABC123.Execute-Api.AP-Southeast-2.amazonaws.com/prod', 'ap-southeast-2'],
    ['https://abc123.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['https://abc123-vpce-0123.execute-api.eu-central-1.vpce.amazonaws.com', 'eu-central-1'],
  ])('%s -> %s', (endpoint, region) => {
    expect(executeApiRegion(endpoint)).toBe(region);
  });

  it.each([
    'http://127.0.0.1:3000',
    'https://api.example.com',
    'https://execute-api.eu-west-1.amazonaws.com.evil.example',
    'https://abc123.execute-api.eu-west-1.amazonaws.com.evil.example',
    'not a url',
  ])('%s is not an execute-api endpoint', (endpoint) => {
    expect(executeApiRegion(endpoint)).toBeUndefined();
  });
});

describe('createClient failures', () => {
  it('turns a 403 {"message": "Forbidden"} into an error that says which permission is missing', async () => {
    const stub = await httpStub((_, response) => {
      response.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Forbidden"}');
    });
    try {
      const client = createClient({ endpoint: stub.url });
      await expect(client.remove('team-a', '01a21913-a684-7ea2-a252-a1862e862be2')).rejects.toMatchObject({
        name: 'ApiError',
        status: 403,
        body: undefined,
        message: expect.stringMatching(/^HTTP 403: Forbidden; .*execute-api:Invoke/),
      });
    } finally {
      await stub.close();
    }
  });

  it('gives up on a server that accepts the connection and never answers, as unreachable', async () => {
    const stub = await httpStub(() => undefined);
    try {
      const client = createClient({ endpoint: stub.url, timeoutMs: 200 });
      await expect(client.listAll('team-a')).rejects.toMatchObject({
        name: 'UnreachableError',
        message: expect.stringMatching(/^Cannot reach the regcred API at http:\/\/127\.0\.0\.1:\d+ \(no answer within 0\.2 s\); .*npm start/),
      });
    } finally {
      await stub.close();
    }
  });
});
