// One local endpoint for the AWS JSON-protocol services the functions call (KMS, SQS, EventBridge,
// Secrets Manager): the X-Amz-Target names the service and operation; every call is signed by a
// known principal and authorised by the IAM gate before the service acts on it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gate, NeededPermission } from '../iam/gate.ts';
import type { LocalPrincipal } from '../iam/principals.ts';
import { foreignRequest, foreignRequestBody } from '../origin-guard.ts';

export type Input = Record<string, any>;

export class ServiceError extends Error {
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

export interface LocalService {
  /** The X-Amz-Target prefix, e.g. `TrentService`. */
  readonly targetPrefix: string;
  /** The SigV4 signing name, e.g. `kms`. */
  readonly signingName: string;
  readonly contentType: string;
  /** How this service's error bodies name the type (`__type`), from a bare error name. */
  readonly errorType?: (type: string) => string;
  readonly maxRequestBytes: number;
  has(operation: string): boolean;
  /** The IAM actions the call needs; may throw a ServiceError (an unknown key, a missing queue). */
  permissions(operation: string, input: Input): NeededPermission[];
  run(operation: string, input: Input, principal: LocalPrincipal): Promise<Input> | Input;
}

/** Lambda's Invoke API (REST: POST /2015-03-31/functions/{name}/invocations), for the functions that run here. */
export interface LocalInvoke {
  /** The function's ARN, or undefined when no function of that name or ARN runs here. */
  arnOf(name: string): string | undefined;
  invoke(name: string, payload: unknown): Promise<{ payload: unknown; functionError?: string }>;
}

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startAwsEndpoint(options: {
  services: readonly LocalService[];
  gate: Gate;
  port: number;
  host: string;
  lambda?: LocalInvoke;
}): Promise<{ server: Server; url: string }> {
  const byPrefix = new Map(options.services.map((s) => [s.targetPrefix, s]));
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'InternalFailure', message: 'Internal error' }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const foreign = foreignRequest(req);
    if (foreign) {
      res.writeHead(foreign.status, { 'content-type': 'application/x-amz-json-1.1', connection: 'close' });
      return void res.end(JSON.stringify({ __type: 'AccessDeniedException', ...foreignRequestBody(foreign) }));
    }
    const invoke = invokePath.exec((req.url ?? '').split('?')[0] ?? '');
    if (invoke && options.lambda && req.method === 'POST') return invokeFunction(invoke[1]!, req, res, options.lambda);
    const target = String(req.headers['x-amz-target'] ?? '');
    const dot = target.lastIndexOf('.');
    const service = byPrefix.get(target.slice(0, dot));
    const operation = target.slice(dot + 1);
    const send = (status: number, body: unknown, type = service?.contentType ?? 'application/x-amz-json-1.1') => {
      // After a refused oversized body the rest of it is never read: close rather than reuse the socket.
      const close = status === 413 ? { connection: 'close' } : {};
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID(), ...close });
      res.end(JSON.stringify(body));
    };
    const error = (e: ServiceError) => send(e.status, { __type: service?.errorType?.(e.type) ?? e.type, message: e.message });
    try {
      if (req.method !== 'POST' || !service || !service.has(operation)) throw new ServiceError('UnknownOperationException', 'Unsupported operation');
      const body = await readCapped(req, service.maxRequestBytes);
      const who = await options.gate.authenticate(service.signingName, { method: req.method, target: req.url ?? '/', headers: req.headers, body });
      if (!who.ok) throw new ServiceError(who.errorType, who.message, who.status);
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not valid JSON');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ServiceError('SerializationException', 'Expected a JSON object');
      const allowed = await options.gate.authorize(who.principal, service.permissions(operation, input as Input));
      if (!allowed.ok) throw new ServiceError(allowed.errorType, allowed.message, allowed.status);
      send(200, await service.run(operation, input as Input, who.principal));
    } catch (e) {
      error(e instanceof ServiceError ? e : new ServiceError('InternalFailure', 'Internal error', 500));
    }
  }

  async function invokeFunction(encodedName: string, req: IncomingMessage, res: ServerResponse, lambda: LocalInvoke): Promise<void> {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body) ?? 'null';
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...headers });
      res.end(text);
    };
    try {
      const name = decodeURIComponent(encodedName);
      const body = await readCapped(req, 6 * 1024 * 1024);
      const who = await options.gate.authenticate('lambda', { method: 'POST', target: req.url ?? '/', headers: req.headers, body });
      if (!who.ok) return send(403, { Type: 'User', message: who.message }, { 'x-amzn-errortype': who.errorType });
      const arn = lambda.arnOf(name);
      if (!arn) return send(404, { Type: 'User', message: `Function not found: ${name}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      const allowed = await options.gate.authorize(who.principal, [{ action: 'lambda:InvokeFunction', resource: arn }]);
      if (!allowed.ok) return send(403, { Type: 'User', message: allowed.message }, { 'x-amzn-errortype': 'AccessDeniedException' });
      const payload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      const out = await lambda.invoke(name, payload);
      send(200, out.payload ?? null, { 'x-amz-executed-version': '$LATEST', ...(out.functionError && { 'x-amz-function-error': out.functionError }) });
    } catch (e) {
      const error = e instanceof ServiceError ? e : new ServiceError('InvalidRequestContentException', 'Could not parse request body into json');
      send(error.status === 413 ? 413 : 400, { Type: 'User', message: error.message }, { 'x-amzn-errortype': error.type });
    }
  }

  await new Promise<void>((done, failed) => {
    server.once('error', failed);
    server.listen(options.port, options.host, done);
  });
  return { server, url: `http://${options.host}:${(server.address() as AddressInfo).port}` };
}

async function readCapped(req: IncomingMessage, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > cap) throw new ServiceError('ValidationException', `The request body must be at most ${cap} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
