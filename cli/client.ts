// A small typed client for the regcred HTTP API. URLs come from the route table, request and
// response types from the contract's zod schemas.
import { limits } from '../functions/contract/config.ts';
import { expandPath, routes, type Route } from '../functions/contract/routes.ts';
import {
  credential,
  credentialPage,
  dockerConfig,
  readError,
  verifyResult,
  registryAuth,
  type AddCredentialRequest,
  type UpdateCredentialRequest,
  type VerifyResult,
  type Credential,
  type CredentialPage,
  type DockerConfig,
  type ErrorBody,
  type RegistryAuth,
} from '../functions/contract/schemas.ts';
import type { OutgoingRequest, Signer } from '../common/outgoing-request.ts';
import { nodeTransport, ResponseTooLargeError, type Transport, type TransportResponse } from './transport.ts';

/** The API answered with an error status; `body` is its JSON error when it sent one. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly body: ErrorBody | undefined;
  constructor(status: number, message: string, body?: ErrorBody) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** The vault answered that it holds no credential for the image or server (not a failure to ask). */
export function isNoCredential(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.body?.error === 'NoCredential';
}

/** No HTTP answer at all: connection refused, unknown host, timeout. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  readonly endpoint: string;
  constructor(endpoint: string, reason: string) {
    super(
      `Cannot reach the regcred API at ${endpoint} (${reason}); ` +
        'start the local one with `npm start`, or pass --endpoint with the URL of a running API.',
    );
    this.endpoint = endpoint;
  }
}

/** The API answered 2xx with something that is not what the contract says. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}


export interface ClientOptions {
  readonly endpoint: string;
  /** Signs each request (SigV4 for the deployed API); unsigned when absent. */
  readonly sign?: Signer;
  readonly timeoutMs?: number;
  /** How requests are sent; node:http(s) when absent. */
  readonly transport?: Transport;
}

export interface RegcredClient {
  /** With `verify`, the API checks the login against the registry first (422 when it is refused). */
  add(project: string, request: AddCredentialRequest, options?: { verify?: boolean }): Promise<Credential>;
  /** `ifMatch` is a version: the update is refused (412) if the credential has changed since. */
  update(project: string, id: string, request: UpdateCredentialRequest, options?: { ifMatch?: number }): Promise<Credential>;
  verify(project: string, id: string): Promise<VerifyResult>;
  listPage(project: string, page?: { limit?: number; nextToken?: string }): Promise<CredentialPage>;
  /** Every credential of the project, following nextToken to the end. */
  listAll(project: string): Promise<Credential[]>;
  remove(project: string, id: string): Promise<void>;
  /** The project's most specific credential for an image, or (helper semantics) a server's host-level one. */
  resolve(project: string, query: { image: string } | { server: string }): Promise<RegistryAuth>;
  /** Every credential of the project as a docker config `{"auths": ...}` object. */
  dockerConfigJson(project: string): Promise<DockerConfig>;
}

export function createClient(options: ClientOptions): RegcredClient {
  const base = options.endpoint.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const send: Transport = options.transport ?? nodeTransport;

  async function call(
    route: Route,
    params: Record<string, string>,
    init: { query?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ) {
    const url = new URL(`${base}${expandPath(route.path, params)}`);
    for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, value);
    const body = init.json === undefined ? undefined : JSON.stringify(init.json);
    const request: OutgoingRequest = {
      method: route.method,
      url,
      headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
      ...(body !== undefined && { body }),
    };
    const { host: _host, ...headers } = options.sign ? await options.sign(request) : request.headers;
    let response: TransportResponse;
    let text: string;
    try {
      // Never follows a redirect (nodeTransport): it would re-send the body (a password) and the signature
      // headers (with a session token) to wherever the Location says, even from https to http.
      response = await send(url, { method: route.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      text = await response.text();
    } catch (error) {
      if (error instanceof ResponseTooLargeError) throw new ProtocolError(`The API at ${base} answered too much: ${error.message}`);
      throw new UnreachableError(base, reasonOf(error, timeoutMs));
    }
    if (response.status >= 300 && response.status < 400) throw redirected(response, base);
    if (!response.ok) throw apiError(response, text);
    return text;
  }

  async function listPage(project: string, page: { limit?: number; nextToken?: string } = {}): Promise<CredentialPage> {
    const query: Record<string, string> = { limit: String(page.limit ?? limits.maxPageSize) };
    if (page.nextToken) query.nextToken = page.nextToken;
    return parse(credentialPage, await call(routes.listCredentials, { project }, { query }));
  }

  return {
    async add(project, request, options = {}) {
      const query = options.verify ? { verify: 'true' } : undefined;
      return parse(credential, await call(routes.addCredential, { project }, { json: request, ...(query && { query }) }));
    },
    async update(project, id, request, options = {}) {
      const headers = options.ifMatch === undefined ? undefined : { 'if-match': `"${options.ifMatch}"` };
      return parse(credential, await call(routes.updateCredential, { project, id }, { json: request, ...(headers && { headers }) }));
    },
    async verify(project, id) {
      return parse(verifyResult, await call(routes.verifyCredential, { project, id }));
    },
    listPage,
    async listAll(project) {
      const items: Credential[] = [];
      const seen = new Set<string>();
      let nextToken: string | null = null;
      do {
        const page: CredentialPage = await listPage(project, nextToken ? { nextToken } : {});
        items.push(...page.items);
        nextToken = page.nextToken;
        if (nextToken && seen.has(nextToken)) throw new ProtocolError('The API returned the same nextToken twice.');
        if (nextToken) seen.add(nextToken);
      } while (nextToken);
      return items;
    },
    async remove(project, id) {
      await call(routes.deleteCredential, { project, id });
    },
    async resolve(project, query) {
      return parse(registryAuth, await call(routes.resolveRegistryAuth, { project }, { query }));
    },
    async dockerConfigJson(project) {
      return parse(dockerConfig, await call(routes.getDockerConfigJson, { project }));
    },
  };
}

function parse<T>(schema: { safeParse(input: unknown): { success: true; data: T } | { success: false } }, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError('The API answered with something that is not JSON.');
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new ProtocolError('The API answered with JSON that does not match the regcred contract.');
  return result.data;
}

function apiError(response: TransportResponse, text: string): ApiError {
  const { body, gatewayMessage } = readError(text);
  if (body) return new ApiError(response.status, body.message, body);
  // API Gateway's own refusals (403 from IAM auth, 429 throttling) are {"message": "..."}.
  const message = gatewayMessage ?? (response.statusText || 'no message');
  const hint = response.status === 403 ? refusalHint(message) : undefined;
  return new ApiError(response.status, `HTTP ${response.status}: ${message}${hint ? `; ${hint}` : ''}`);
}

/**
 * What to do about API Gateway's 403, by its message: only an IAM denial is about grants (an HTTP
 * API says just `Forbidden`; the REST form, and npm start, name the caller and the action).
 */
const refusalHints: [RegExp, string][] = [
  [/is not authorized to perform|^Forbidden$/, 'the AWS identity signing the request needs execute-api:Invoke on this project for this capability (a grant, see grantProjectAccess)'],
  [/should be scoped to a valid region/, "the request was signed for another region: set --region (or REGCRED_REGION) to the API's region"],
  [/signature we calculated does not match/, 'the signature is wrong: check the secret access key, and that nothing between here and the API rewrites the request'],
  [/security token included in the request is invalid|token included in the request is expired/, 'the AWS credentials are not valid here (unknown key, or an expired session): refresh them'],
  [/Signature expired|Signature not yet current/, "this machine's clock is off by more than 5 minutes: correct it"],
  [/Missing Authentication Token/, 'the request was not signed, or no route has this path: check --endpoint and --sigv4'],
];

export function refusalHint(message: string): string | undefined {
  return refusalHints.find(([pattern]) => pattern.test(message))?.[1];
}

function redirected(response: TransportResponse, base: string): ApiError {
  const location = response.header('location');
  const where = location ? ` to ${location}` : '';
  return new ApiError(
    response.status,
    `HTTP ${response.status}: the API at ${base} answered with a redirect${where}. regcred never follows redirects ` +
      '(that would send the request, password and signature included, to another address); set --endpoint to the URL of the API itself.',
  );
}

function reasonOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
