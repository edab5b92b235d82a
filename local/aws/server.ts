// One local endpoint for the AWS JSON-protocol services the functions call (KMS, SQS, EventBridge,
// Secrets Manager): the X-Amz-Target names the service and operation; every call is signed by a
// known principal and authorised by the IAM gate before the service acts on it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gate, NeededPermission } from '../iam/gate.ts';
import type { LocalPrincipal } from '../iam/principals.ts';
import { guardLocalRequest } from './local-request.ts';

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

export async function startAwsEndpoint(options: { services: readonly LocalService[]; gate: Gate; port: number; host: string }): Promise<{ server: Server; url: string }> {
  const byPrefix = new Map(options.services.map((s) => [s.targetPrefix, s]));
  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!guardLocalRequest(req, res)) return;
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
