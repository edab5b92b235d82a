// The console's client of the HTTP API: the contract's route table for paths and methods, its zod
// schemas for the answers. Locally requests go unsigned; deployed, `sign` adds SigV4 headers.
import { expandPath, routes, type Route } from '../functions/contract/routes.ts';
import { credential, credentialPage, dockerConfig, readError, verifyResult, type ErrorBody } from '../functions/contract/schemas.ts';
import type { OutgoingRequest, Signer } from '../common/outgoing-request.ts';

export type { OutgoingRequest, Signer };

/** An API refusal: its own message, the fields it names and, for 429, when to try again. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody | undefined;
  readonly retryAfter: number | undefined;
  constructor(status: number, body: ErrorBody | undefined, message: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

interface CallOptions {
  readonly query?: Record<string, string | undefined>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export type Api = ReturnType<typeof apiClient>;
export interface NewCredential {
  readonly server: string;
  readonly username: string | null;
  readonly email: string | null;
  readonly password: string;
}

export function apiClient(baseUrl: string, sign?: Signer) {
  async function call(route: Route, params: Record<string, string>, options: CallOptions = {}) {
    const url = new URL(expandPath(route.path, params).slice(1), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...(body && { 'content-type': 'application/json' }) };
    const request: OutgoingRequest = { method: route.method, url, headers, ...(body !== undefined && { body }) };
    const signed = sign ? await sign(request) : headers;
    let response: Response;
    try {
      response = await fetch(url, { method: route.method, headers: signed, body: body ?? null, cache: 'no-store', credentials: 'omit' });
    } catch {
      throw new ApiError(0, undefined, `The API at ${url.origin} could not be reached.`);
    }
    if (response.ok) return response;
    throw await refusal(response);
  }

  return {
    async list(project: string, limit: number, nextToken?: string) {
      const response = await call(routes.listCredentials, { project }, { query: { limit: String(limit), nextToken } });
      return credentialPage.parse(await response.json());
    },
    async add(project: string, body: NewCredential, verify: boolean) {
      const response = await call(routes.addCredential, { project }, { body, query: { verify: verify ? 'true' : undefined } });
      return credential.parse(await response.json());
    },
    async rotate(project: string, id: string, version: number, password: string) {
      const response = await call(routes.updateCredential, { project, id }, { body: { password }, headers: { 'if-match': `"${version}"` } });
      return credential.parse(await response.json());
    },
    async verify(project: string, id: string) {
      const response = await call(routes.verifyCredential, { project, id });
      return verifyResult.parse(await response.json());
    },
    async remove(project: string, id: string) {
      await call(routes.deleteCredential, { project, id });
    },
    /** Passwords included: only on the user's explicit reveal (audited by the API). */
    async dockerConfig(project: string) {
      const response = await call(routes.getDockerConfigJson, { project });
      return dockerConfig.parse(await response.json());
    },
  };
}

async function refusal(response: Response): Promise<ApiError> {
  const { body, gatewayMessage } = readError(await response.text());
  const retry = Number(response.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  return new ApiError(response.status, body, body?.message ?? gatewayMessage ?? `HTTP ${response.status}`, retryAfter);
}
