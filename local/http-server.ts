// Serves the route table over HTTP by turning each request into an API Gateway HTTP API (payload
// v2) event for the very handler code that runs in Lambda.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { limits } from '../functions/contract/config.ts';
import { openApiJson } from '../functions/contract/openapi.ts';
import { notPercentEncoded, rawPathParameters, unsafePathReason, type Route } from '../functions/contract/routes.ts';
import { serveConsole } from './console.ts';
import { healthRoute, type HealthCheck } from './health.ts';
import { foreignRequest, foreignRequestBody } from './origin-guard.ts';
import { apiGatewayEvent, lambdaContext, unsignedCaller, type IamCaller } from './lambda-event.ts';
import { verifyLocalSignature, type VerifySignature } from './sigv4-verifier.ts';

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
export interface BoundRoute {
  readonly route: Route;
  readonly handler: LambdaHandler;
}

// Far above the API's own limit: the handler answers 413 itself; this only bounds memory.
const readCap = limits.maxBodyBytes * 4;

// In Lambda each warm container runs one invocation at a time, so an SDK call never waits for a
// socket or a CPU. Here every function's worker shares this process's gate and DynamoDB Local (Java)
// on the same machine: hundreds of concurrent requests queue for the SDK client's sockets and DynamoDB Local's
// threads, and that wait counts against the SDK's per-attempt request timeout
// (functions/adapters/aws-clients.ts), turning a burst into 503s that Lambda would never give
// (500 concurrent adds on 2 cores: 469 of them 503 uncapped; with 16 at once a few still were; with
// 2 per core none, at the same throughput). So, like a small pool of warm containers, at most this
// many handlers run at once and further requests wait their turn.
export const maxConcurrentInvocations = 2 * availableParallelism();
type Limiter = <T>(run: () => Promise<T>) => Promise<T>;

function createLimiter(max: number): Limiter {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (run) => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

interface Match {
  readonly bound: BoundRoute;
  readonly pathParameters: Record<string, string>;
}

/** Matches a request to a route. A parameter sent percent-encoded is refused, as the handlers do. */
export function createRouter(bound: readonly BoundRoute[]) {
  return (method: string, path: string): Match | { allowed: string[] } | { encoded: string } | undefined => {
    const allowed: string[] = [];
    for (const b of bound) {
      const raw = rawPathParameters(b.route.path, path);
      if (!raw) continue;
      if (b.route.method !== method) {
        allowed.push(b.route.method);
        continue;
      }
      const pathParameters = Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, decodeURIComponent(value)]));
      const encoded = Object.keys(raw).find((name) => raw[name] !== pathParameters[name]);
      return encoded ? { encoded } : { bound: b, pathParameters };
    }
    return allowed.length > 0 ? { allowed } : undefined;
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > readCap) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(req: IncomingMessage, target: RequestTarget, match: Match, body: Buffer, caller: IamCaller): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return apiGatewayEvent({
    route: match.bound.route,
    pathParameters: match.pathParameters,
    rawPath: target.path,
    rawQueryString: target.query,
    headers,
    body,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    protocol: `HTTP/${req.httpVersion}`,
    scheme: 'http',
    port: req.socket.localPort ?? 0,
    caller,
  });
}

/** The generated OpenAPI document (functions/contract/openapi.ts), served beside the API. */
export const openApiPath = '/openapi.json';
let openApi: string | undefined;

/** What `npm start` does on demand that AWS does by itself (not API routes: no IAM, loopback only). */
export interface LocalActions {
  /** Runs every schedule of the template now (the daily re-verification). */
  runSchedules(): Promise<unknown>;
}
export const runSchedulesPath = '/local/schedules/run';

interface LocalServer {
  readonly actions?: LocalActions | undefined;
  readonly router: ReturnType<typeof createRouter>;
  readonly limit: Limiter;
  readonly health: HealthCheck;
  readonly verify: VerifySignature;
}

/** The request target split as sent, never resolved or normalised (API Gateway routes the raw path). */
interface RequestTarget {
  readonly path: string;
  readonly query: string;
}

function splitTarget(target: string): RequestTarget {
  const mark = target.indexOf('?');
  return mark < 0 ? { path: target, query: '' } : { path: target.slice(0, mark), query: target.slice(mark + 1) };
}

async function serve({ router, limit, health, verify, actions }: LocalServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const foreign = foreignRequest(req);
  if (foreign) return sendJson(res, foreign.status, foreignRequestBody(foreign));
  // Not `new URL(req.url, base)`: it would resolve `..` and read `//evil.example/projects/p/...` as a
  // host and the path `/projects/p/...`.
  const url = splitTarget(req.url ?? '/');
  const unsafe = unsafePathReason(url.path);
  if (unsafe) {
    const issue = { path: 'path', message: unsafe };
    return sendJson(res, 400, { error: 'ValidationError', message: `Invalid request: path ${unsafe}.`, issues: [issue] });
  }
  if (actions && url.path === runSchedulesPath) {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'MethodNotAllowed', message: `${req.method} is not allowed here; use POST.` }, { allow: 'POST' });
    return sendJson(res, 200, { runs: await actions.runSchedules() });
  }
  if (req.method === 'GET' && url.path === openApiPath) {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    return void res.end((openApi ??= openApiJson()));
  }
  if (serveConsole(req, res, url.path)) return;
  if (url.path === healthRoute.path) {
    if (req.method !== healthRoute.method) {
      return sendJson(res, 405, { error: 'MethodNotAllowed', message: `${req.method} is not allowed here; use GET.` }, { allow: healthRoute.method });
    }
    const { statusCode, body } = await health();
    return sendJson(res, statusCode, body, { 'cache-control': 'no-store' });
  }
  let match;
  try {
    match = router(req.method ?? 'GET', url.path);
  } catch {
    return sendJson(res, 400, { error: 'ValidationError', message: 'The request path is not validly percent-encoded.' });
  }
  if (!match) return sendJson(res, 404, { error: 'NotFound', message: `No route for ${req.method} ${url.path}.` });
  if ('encoded' in match) {
    const issue = { path: match.encoded, message: notPercentEncoded };
    return sendJson(res, 400, { error: 'ValidationError', message: `Invalid request: ${issue.path} ${issue.message}.`, issues: [issue] });
  }
  if ('allowed' in match) {
    return sendJson(res, 405, { error: 'MethodNotAllowed', message: `${req.method} is not allowed here; use ${match.allowed.join(', ')}.` }, { allow: match.allowed.join(', ') });
  }
  const body = await readBody(req);
  if (body === 'too-large') {
    return sendJson(res, 413, { error: 'PayloadTooLarge', message: `The request body must be at most ${limits.maxBodyBytes} bytes.` }, { connection: 'close' });
  }
  const verdict = await verify({ method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers, body });
  if (!verdict.ok) return sendJson(res, 403, { message: verdict.message }, { 'x-amzn-errortype': verdict.errorType });
  const event = toEvent(req, url, match, body, verdict.caller ?? unsignedCaller);
  const { requestId } = event.requestContext;
  const result = await limit(() => match.bound.handler(event, lambdaContext(match.bound.route, requestId)));
  // API Gateway HTTP APIs name the request in every response; so does this server.
  const headers: Record<string, string> = { 'apigw-requestid': requestId };
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/** `verify` checks SigV4 signatures as API Gateway's IAM authorisation would (sigv4-verifier.ts). */
export async function startHttpServer(
  bound: readonly BoundRoute[],
  health: HealthCheck,
  port: number,
  host = '127.0.0.1',
  verify: VerifySignature = verifyLocalSignature,
  actions?: LocalActions,
): Promise<{ server: Server; url: string }> {
  const parts: LocalServer = { router: createRouter(bound), limit: createLimiter(maxConcurrentInvocations), health, verify, actions };
  const server = createServer((req, res) => {
    serve(parts, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'InternalError', message: 'The local server failed to run the handler.' });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  // Requests node cannot parse (an unknown method such as FOO, a malformed request line or header)
  // never reach a handler; answer them with the documented JSON error instead of node's bare 400.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const body = JSON.stringify({ error: 'ValidationError', message: 'The request is not valid HTTP/1.1 (method, request line or headers).' });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound_ } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound_}` };
}
