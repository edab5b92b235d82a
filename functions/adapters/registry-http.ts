// GETs for registry checks, with the SSRF rules (see ../shared/reference/consumers.md): https only
// (unless insecure), every name resolved here and each address checked by the policy before any
// connection, the address actually connected to checked again, at most 3 redirects (each checked,
// only within the origin asked), 3 s per request, one deadline for the whole check, 64 KiB per answer.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { RegistryRequestError, type RegistryHttp, type RegistryReply } from '../core/registry-login.ts';
import type { AddressPolicy } from './address-policy.ts';

export const registryLimits = { stepMs: 3000, totalMs: 8000, maxBodyBytes: 64 * 1024, maxRedirects: 3 } as const;

export type Resolve = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface GuardedHttpOptions {
  readonly allowHttp: boolean;
  readonly allowAddress: AddressPolicy;
  readonly deadline: AbortSignal;
  readonly resolve?: Resolve;
  /** Extra trusted CA certificates (PEM). */
  readonly ca?: string;
}

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export class GuardedHttp implements RegistryHttp {
  private readonly options: GuardedHttpOptions;

  constructor(options: GuardedHttpOptions) {
    this.options = options;
  }

  async get(url: URL, headers: Record<string, string>): Promise<RegistryReply> {
    let target = url;
    for (let redirects = 0; ; redirects++) {
      const reply = await this.once(target, headers);
      const location = reply.headers['location'];
      if (!redirectStatuses.has(reply.status) || !location) return reply;
      if (redirects >= registryLimits.maxRedirects) throw new RegistryRequestError('too many redirects');
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw new RegistryRequestError('redirect to an invalid address');
      }
      if (next.protocol !== target.protocol) throw new RegistryRequestError('redirect to another scheme refused');
      // Answers (the challenge above all) come only from the origin asked: an open redirect on a
      // registry must not choose the realm the login goes to, nor answer in the registry's name.
      if (next.origin !== target.origin) throw new RegistryRequestError('redirect to another host refused');
      target = next;
    }
  }

  private async once(url: URL, headers: Record<string, string>): Promise<RegistryReply> {
    const { allowHttp, allowAddress, deadline } = this.options;
    if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw new RegistryRequestError('registry must use https');
    if (url.username || url.password) throw new RegistryRequestError('address with user info refused');
    if (deadline.aborted) throw new RegistryRequestError('registry check took too long');
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    // Node connects to an IP literal without calling `lookup`: check it here, before any socket.
    if (isIP(hostname) && !allowAddress(hostname, hostname)) throw refused();
    const addresses = isIP(hostname) ? [{ address: hostname, family: isIP(hostname) }] : await this.resolveAllowed(hostname);
    return new Promise<RegistryReply>((resolve, reject) => {
      const fail = (error: RegistryRequestError) => {
        request.destroy();
        reject(error);
      };
      const lookup: LookupFunction = (_name, options, callback) => {
        const all = (options as { all?: boolean }).all;
        if (all) (callback as (e: null, a: typeof addresses) => void)(null, addresses);
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, {
        method: 'GET',
        headers: { 'user-agent': 'regcred', accept: 'application/json', ...headers },
        agent: false,
        lookup,
        ...(this.options.ca && { ca: this.options.ca }),
      });
      const step = setTimeout(() => fail(new RegistryRequestError('registry did not answer in time')), registryLimits.stepMs);
      const onAbort = () => fail(new RegistryRequestError('registry check took too long'));
      deadline.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(step);
        deadline.removeEventListener('abort', onAbort);
      };
      request.on('socket', (socket: Socket) => {
        socket.once('connect', () => {
          // The address actually connected to: DNS answers cannot switch it after the check.
          if (!allowAddress(socket.remoteAddress ?? '', hostname)) fail(refused());
        });
      });
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > registryLimits.maxBodyBytes) fail(new RegistryRequestError('registry answer too large'));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          done();
          resolve({ status: response.statusCode ?? 0, headers: flatten(response.headers), body: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', () => fail(new RegistryRequestError('registry connection failed')));
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        done();
        reject(error instanceof RegistryRequestError ? error : new RegistryRequestError(describeNetworkError(error)));
      });
      request.on('close', done);
      request.end();
    });
  }

  private async resolveAllowed(hostname: string): Promise<Array<{ address: string; family: number }>> {
    let found: ReadonlyArray<{ address: string; family: number }>;
    try {
      found = await (this.options.resolve ?? systemResolve)(hostname);
    } catch {
      throw new RegistryRequestError('registry name does not resolve');
    }
    if (found.length === 0) throw new RegistryRequestError('registry name does not resolve');
    // One refused answer refuses the name: a mixed answer is how rebinding attacks start.
    if (found.some(({ address }) => !this.options.allowAddress(address, hostname))) throw refused();
    return [...found];
  }
}

const refused = () => new RegistryRequestError('registry address is not public');

function describeNetworkError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ECONNRESET') return 'connection reset';
  if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH') return 'registry host unreachable';
  if (error.code?.startsWith('ERR_TLS') || /certificate|self.signed|SSL/i.test(error.message)) return 'TLS certificate not trusted';
  return 'registry connection failed';
}

function flatten(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
