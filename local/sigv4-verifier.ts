// What API Gateway's IAM authorisation does before a handler runs, for `npm start`: a request that
// carries a SigV4 `Authorization` header is verified with the one local identity (the credentials
// the handlers' SDK clients use), and refused with API Gateway's 403 `{"message": ...}` when the
// key is unknown, the scope is wrong, the clock is more than 5 minutes off or the signature does
// not match. Unsigned requests pass (a local convenience) as the caller `local`. The signature is
// recomputed with the AWS SDK's own signer over the headers the client says it signed.
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { localCaller, type IamCaller } from './lambda-event.ts';

const apiService = 'execute-api';

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 and HMAC-SHA256 from node:crypto for the SDK's signer (the pure-JS one costs every gated call more CPU). */
class Sha256 {
  private readonly secret: string | Uint8Array | undefined;
  private hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' ? secret : bytes(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}
const algorithm = 'AWS4-HMAC-SHA256';
const maxSkewMs = 5 * 60_000;

/** The local credentials, localCaller's (DynamoDB Local accepts only letters and digits in access key ids). */
export const localCredentials = { accessKeyId: localCaller.accessKey, secretAccessKey: 'regcredlocal' } as const;

/** The region `npm start` plays. */
export const localRegion = 'us-east-1';

export interface ReceivedRequest {
  readonly method: string;
  /** The request target as received: path and query, still percent-encoded. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A 403 as API Gateway words it: `{"message": ...}` and the x-amzn-ErrorType header. */
export interface Refusal {
  readonly ok: false;
  readonly errorType: string;
  readonly message: string;
}
export type Verdict = { readonly ok: true; readonly caller: IamCaller | undefined } | Refusal;

export type VerifySignature = (request: ReceivedRequest) => Promise<Verdict>;

const refuse = (errorType: string, message: string): Refusal => ({ ok: false, errorType, message });
const incomplete = (message: string) => refuse('IncompleteSignatureException', message);
const invalid = (message: string) => refuse('InvalidSignatureException', message);
const mismatch = () =>
  invalid(
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
      'and signing method. Consult the service documentation for details.',
  );

/** Who holds an access key: its secret, and the caller it stands for. */
export interface SigningIdentity {
  readonly secretAccessKey: string;
  readonly caller: IamCaller;
}
export type IdentityLookup = (accessKeyId: string) => SigningIdentity | undefined;

/** The local administrator only: the credentials `localCredentials` names. */
export const localAdministrator: IdentityLookup = (accessKeyId) =>
  accessKeyId === localCredentials.accessKeyId ? { secretAccessKey: localCredentials.secretAccessKey, caller: localCaller } : undefined;

export interface VerifierOptions {
  readonly region: string;
  readonly now?: () => number;
  /** The service the credential scope must name. @default 'execute-api' */
  readonly service?: string;
  /** Which access keys exist. @default the local administrator's only */
  readonly identities?: IdentityLookup;
  /** Whether a request without a signature passes (as the caller `undefined`). @default true */
  readonly allowUnsigned?: boolean;
}

export function sigV4Verifier(options: VerifierOptions): VerifySignature {
  const { region, now = Date.now, service = apiService, identities = localAdministrator, allowUnsigned = true } = options;
  const signers = new Map<string, SignatureV4>();
  const signerFor = (accessKeyId: string, secretAccessKey: string) => {
    let signer = signers.get(accessKeyId);
    if (!signer) {
      signer = new SignatureV4({ service, region, credentials: { accessKeyId, secretAccessKey }, sha256: Sha256, applyChecksum: false });
      signers.set(accessKeyId, signer);
    }
    return signer;
  };

  return async (request) => {
    const authorization = header(request.headers, 'authorization');
    if (!authorization || !/^AWS4-/i.test(authorization)) {
      return allowUnsigned ? { ok: true, caller: undefined } : refuse('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
    }
    const parsed = parseAuthorization(authorization);
    if ('errorType' in parsed) return parsed;
    const { accessKey, date, scopeRegion, scopeService, terminator, signedHeaders, signature } = parsed;
    if (terminator !== 'aws4_request') return invalid(`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`);
    if (scopeService !== service) return invalid(`Credential should be scoped to correct service: '${service}'.`);
    if (scopeRegion !== region) return invalid(`Credential should be scoped to a valid region, not '${scopeRegion}'.`);
    const identity = identities(accessKey);
    if (!identity) return refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (!signedHeaders.includes('host')) return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

    const amzDate = header(request.headers, 'x-amz-date');
    if (!amzDate) return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    const signedAt = parseAmzDate(amzDate);
    if (signedAt === undefined) return incomplete(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
    if (date !== amzDate.slice(0, 8)) {
      return invalid(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
    }
    const at = now();
    if (signedAt.getTime() < at - maxSkewMs) {
      return invalid(`Signature expired: ${amzDate} is now earlier than ${longDate(at - maxSkewMs)} (${longDate(at)} - 5 min.)`);
    }
    if (signedAt.getTime() > at + maxSkewMs) {
      return invalid(`Signature not yet current: ${amzDate} is still later than ${longDate(at + maxSkewMs)} (${longDate(at)} + 5 min.)`);
    }

    // The SDK's signer trusts x-amz-content-sha256 as the body's hash, so check it against the body.
    const claimedHash = header(request.headers, 'x-amz-content-sha256');
    if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex')) return mismatch();
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = header(request.headers, name);
      if (value === undefined) return mismatch();
      headers[name] = value;
    }
    const [path = '/', search = ''] = request.target.split(/\?(.*)/s);
    // A request the signer cannot even canonicalise (e.g. a path that does not encode) cannot match.
    const expected = await signerFor(accessKey, identity.secretAccessKey)
      .sign(new HttpRequest({ method: request.method, hostname: 'local', path, query: queryOf(search), headers, body: request.body }), {
        signingDate: signedAt,
        signableHeaders: new Set(signedHeaders),
      })
      .catch(() => undefined);
    const recomputed = /Signature=([0-9a-f]{64})$/.exec(String(expected?.headers['authorization']))?.[1] ?? '';
    return sameText(recomputed, signature) ? { ok: true, caller: identity.caller } : mismatch();
  };
}

interface Authorization {
  readonly accessKey: string;
  readonly date: string;
  readonly scopeRegion: string;
  readonly scopeService: string;
  readonly terminator: string;
  readonly signedHeaders: string[];
  readonly signature: string;
}

function parseAuthorization(value: string): Authorization | Refusal {
  const [scheme = '', ...rest] = value.trim().split(/\s+/);
  if (scheme !== algorithm) return incomplete(`Unsupported AWS 'algorithm': '${scheme}'.`);
  const parts = new Map<string, string>();
  for (const part of rest.join(' ').split(',')) {
    const [name = '', ...text] = part.trim().split('=');
    parts.set(name, text.join('='));
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !parts.get(name));
  if (missing.length > 0) return incomplete(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  const [accessKey = '', date = '', scopeRegion = '', scopeService = '', terminator = '', ...extra] = parts.get('Credential')!.split('/');
  if (extra.length > 0) return incomplete('Credential must have exactly 5 slash-delimited elements.');
  const signedHeaders = parts.get('SignedHeaders')!.split(';');
  return { accessKey, date, scopeRegion, scopeService, terminator, signedHeaders, signature: parts.get('Signature')! };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function longDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

function queryOf(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(search)) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

function sameText(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** What `npm start` checks: the local credentials in the local region, against the real clock. */
export const verifyLocalSignature = sigV4Verifier({ region: localRegion });
