// API Gateway HTTP API (payload v2) events and Lambda contexts, as AWS hands them to a handler. The
// local server, the tests and the bench all invoke the handlers through these; test/unit/lambda-event
// checks them against Powertools' schema of the payload and AWS's documented events.
import { isUtf8 } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { expandPath, type Route } from '../functions/contract/routes.ts';

/** The IAM identity API Gateway's IAM authoriser puts in requestContext.authorizer.iam. */
export interface IamCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly userArn: string;
  readonly userId: string;
}

export const localAccountId = '000000000000';
export const localCaller: IamCaller = {
  accessKey: 'regcredlocal',
  accountId: localAccountId,
  userArn: `arn:aws:iam::${localAccountId}:user/regcred-local`,
  userId: 'AIDAREGCREDLOCAL',
};
/** The caller of an unsigned request, which only `npm start` lets through (API Gateway answers 403). */
export const unsignedCaller: IamCaller = { accessKey: '', accountId: localAccountId, userArn: 'local', userId: 'local' };

export interface EventInput {
  readonly route: Route;
  /** Decoded, as API Gateway passes them. */
  readonly pathParameters: Record<string, string>;
  /**
   * The path as the client sent it, percent-encoding kept; defaults to the route's path with the
   * parameters filled in. (Captures of deployed HTTP APIs show rawPath decoded: see the test.)
   */
  readonly rawPath?: string;
  /** The query string as sent (without `?`); or give `query` and it is encoded from that. */
  readonly rawQueryString?: string;
  readonly query?: Record<string, string>;
  /** Request headers, names in any case. A `cookie` header becomes `cookies`, as in AWS. */
  readonly headers?: Record<string, string>;
  /** The body as sent: text, or bytes. Base64-encoded in the event unless its content type is text. */
  readonly body?: string | Uint8Array;
  readonly sourceIp?: string;
  readonly protocol?: string;
  /** What x-forwarded-proto and x-forwarded-port say; API Gateway's endpoint is https on 443. */
  readonly scheme?: 'http' | 'https';
  readonly port?: number;
  /** Names the API in requestContext (apiId, domain). */
  readonly apiId?: string;
  readonly caller?: IamCaller;
}

// Bodies API Gateway hands over as text; every other content type (none included) arrives base64.
const textual = /^\s*(?:text\/|application\/(?:json|xml|javascript)\s*(?:;|$))/i;
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** requestContext.time, in API Gateway's format: 12/Mar/2020:19:03:58 +0000. */
export function gatewayTime(date: Date): string {
  const day = `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  return `${day}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

/**
 * Pairs as an object with repeated keys joined by commas, as payload v2 does. Own data properties,
 * like JSON.parse makes, so keys such as __proto__ or constructor stay plain keys.
 */
function joined(pairs: Iterable<[string, string]>): Record<string, string> {
  const map = new Map<string, string>();
  for (const [key, value] of pairs) map.set(key, map.has(key) ? `${map.get(key)},${value}` : value);
  return Object.fromEntries(map);
}

function encodeBody(body: string | Uint8Array | undefined, contentType: string | undefined) {
  if (body === undefined || body.length === 0) return { isBase64Encoded: false };
  // Text stays text; bytes that are not UTF-8 go as base64 so the handler sees them as sent (decoding
  // them here would replace them with U+FFFD before anyone could refuse them).
  if (textual.test(contentType ?? '') && (typeof body === 'string' || isUtf8(body))) return { body: typeof body === 'string' ? body : Buffer.from(body).toString('utf8'), isBase64Encoded: false };
  return { body: Buffer.from(body).toString('base64'), isBase64Encoded: true };
}

export function apiGatewayEvent(input: EventInput): APIGatewayProxyEventV2 {
  const { route, pathParameters, apiId = 'local', caller = localCaller } = input;
  const sourceIp = (input.sourceIp ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const headers = joined(Object.entries(input.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const cookies = headers['cookie']?.split(/;\s*/).filter(Boolean);
  delete headers['cookie'];
  const domainName = (headers['host'] ?? `${apiId}.execute-api.local`).replace(/:\d+$/, '');
  const { body, isBase64Encoded } = encodeBody(input.body, headers['content-type']);
  headers['host'] ??= domainName;
  if (body !== undefined) headers['content-length'] ??= String(typeof input.body === 'string' ? Buffer.byteLength(input.body) : input.body!.length);
  headers['x-forwarded-for'] ??= sourceIp;
  headers['x-forwarded-port'] ??= String(input.port ?? 443);
  headers['x-forwarded-proto'] ??= input.scheme ?? 'https';
  const now = new Date();
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const rawPath = input.rawPath ?? expandPath(route.path, pathParameters);
  const rawQueryString = input.rawQueryString ?? (input.query ? new URLSearchParams(input.query).toString() : '');
  const queryStringParameters = rawQueryString === '' ? undefined : joined(new URLSearchParams(rawQueryString));
  const routeKey = `${route.method} ${route.path}`;
  // A variable, not a literal in the event: @types/aws-lambda's V2 context has no `authorizer`.
  const requestContext = {
    accountId: localAccountId,
    apiId,
    // principalOrgId is null outside an AWS Organization (its @types say string).
    authorizer: { iam: { ...caller, callerId: caller.userId, cognitoIdentity: null, principalOrgId: null } },
    domainName,
    domainPrefix: domainName.split('.')[0]!,
    http: { method: route.method, path: rawPath, protocol: input.protocol ?? 'HTTP/1.1', sourceIp, userAgent: headers['user-agent'] ?? '' },
    requestId: randomUUID(),
    routeKey,
    stage: '$default',
    time: gatewayTime(now),
    timeEpoch: now.getTime(),
  };
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies && cookies.length > 0 && { cookies }),
    headers,
    ...(queryStringParameters && { queryStringParameters }),
    requestContext,
    pathParameters,
    ...(body !== undefined && { body }),
    isBase64Encoded,
  };
}

/** The context of one invocation of the route's function, with its Lambda timeout (10 s unless the route sets one). */
export function lambdaContext(route: Route, requestId: string, timeoutMs = (route.timeoutSeconds ?? 10) * 1000): Context {
  const deadline = Date.now() + timeoutMs;
  const name = `regcred-${route.name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:${localAccountId}:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
