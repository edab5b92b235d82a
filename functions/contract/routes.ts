// The one route table: the handlers, the CDK stack, the local server, the CLI and the docs all read it.

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * What a caller may do, granted per project: `read` lists metadata, `write` changes credentials,
 * `resolve` returns a password. Grants are by capability, never by HTTP method, so a new GET route
 * that returns secrets cannot slip into a list-only grant.
 */
export type Capability = 'read' | 'write' | 'resolve';

export interface Route {
  /** Stable name, used for the Lambda function and its log group. */
  readonly name:
    | 'add-credential'
    | 'list-credentials'
    | 'delete-credential'
    | 'update-credential'
    | 'verify-credential'
    | 'resolve-registry-auth'
    | 'get-dockerconfigjson';
  readonly method: HttpMethod;
  readonly capability: Capability;
  /** API Gateway path template. */
  readonly path: string;
  /** Lambda entry file, relative to the repository root. */
  readonly entry: string;
  /** Whether the route takes a JSON body. */
  readonly hasBody: boolean;
  readonly summary: string;
  /** Lambda timeout when the route needs more than the shared default (infra/constructs/api-function.ts). */
  readonly timeoutSeconds?: number;
}

export const credentialsPath = '/projects/{project}/docker-credentials';
export const credentialPath = `${credentialsPath}/{id}`;
export const registryAuthPath = '/projects/{project}/registry-auth';
export const dockerConfigJsonPath = '/projects/{project}/dockerconfigjson';

// A registry check takes at most 8 s (adapters/registry-http.ts) on top of the KMS and DynamoDB calls
// (4 s each at worst, adapters/aws-clients.ts): add = Encrypt + check + write = 16 s, verify =
// claim + Decrypt + check + record = 20 s. API Gateway waits up to 30 s for an integration.
const registryCheckTimeoutSeconds = { add: 20, verify: 25 } as const;

export const routes = {
  addCredential: {
    name: 'add-credential',
    method: 'POST',
    capability: 'write',
    path: credentialsPath,
    entry: 'functions/add-credential.ts',
    hasBody: true,
    summary: 'Store a registry credential; the password is KMS-encrypted and never returned. `?verify=true` checks the login first.',
    timeoutSeconds: registryCheckTimeoutSeconds.add,
  },
  listCredentials: {
    name: 'list-credentials',
    method: 'GET',
    capability: 'read',
    path: credentialsPath,
    entry: 'functions/list-credentials.ts',
    hasBody: false,
    summary: 'List a project’s credentials, without passwords, one page at a time.',
  },
  deleteCredential: {
    name: 'delete-credential',
    method: 'DELETE',
    capability: 'write',
    path: credentialPath,
    entry: 'functions/delete-credential.ts',
    hasBody: false,
    summary: 'Delete one credential by id.',
  },
  updateCredential: {
    name: 'update-credential',
    method: 'PATCH',
    capability: 'write',
    path: credentialPath,
    entry: 'functions/update-credential.ts',
    hasBody: true,
    summary: 'Change the password, username or email of a credential in place (same id, new version; If-Match for optimistic locking).',
  },
  verifyCredential: {
    name: 'verify-credential',
    method: 'POST',
    capability: 'write',
    path: `${credentialPath}/verify`,
    entry: 'functions/verify-credential.ts',
    hasBody: false,
    summary: 'Check the login against the registry as `docker login` does, and store the result as the credential’s status.',
    timeoutSeconds: registryCheckTimeoutSeconds.verify,
  },
  resolveRegistryAuth: {
    name: 'resolve-registry-auth',
    method: 'GET',
    capability: 'resolve',
    path: registryAuthPath,
    entry: 'functions/resolve-registry-auth.ts',
    hasBody: false,
    summary: 'The credential, password included, that pulls an image (?image=) or that a credential helper gets for a host (?server=).',
  },
  getDockerConfigJson: {
    name: 'get-dockerconfigjson',
    method: 'GET',
    capability: 'resolve',
    path: dockerConfigJsonPath,
    entry: 'functions/get-dockerconfigjson.ts',
    hasBody: false,
    summary: 'Every credential of the project, passwords included, as a docker config.json {"auths"} object.',
  },
} as const satisfies Record<string, Route>;

export const routeList: readonly Route[] = Object.values(routes);

// Templates are the route table's paths: split once into literals and parameter names.
const splitTemplates = new Map<string, readonly string[]>();

/** Fills a path template: expand('/p/{project}', { project: 'x' }) === '/p/x'. */
export function expandPath(template: string, params: Record<string, string>): string {
  let parts = splitTemplates.get(template);
  if (!parts) {
    parts = template.split(/\{(\w+)\}/);
    splitTemplates.set(template, parts);
  }
  let path = parts[0] ?? '';
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i] ?? '';
    const value = params[key];
    if (value === undefined) throw new Error(`missing path parameter ${key}`);
    path += encodeURIComponent(value) + (parts[i + 1] ?? '');
  }
  return path;
}

/** Why a path parameter sent percent-encoded is refused (see functions/http/api-handler.ts). */
export const notPercentEncoded = 'must be written as is in the path, not percent-encoded';

const compiled = new Map<string, { readonly exact: RegExp; readonly prefixed: RegExp; readonly names: readonly string[] }>();

/**
 * Why a raw request path cannot be matched literally, or undefined when it can. IAM authorises the
 * path as sent and the function acts on its parameters, so nothing in it may be resolved or decoded
 * into another path: no `.` or `..` segment, no empty segment (`//`), no encoded dot, slash or
 * backslash, no backslash.
 */
export function unsafePathReason(path: string): string | undefined {
  if (!path.startsWith('/') || path.startsWith('//')) return 'must start with a single /';
  if (path.includes('//')) return 'must not contain an empty segment (//)';
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return 'must not contain a . or .. segment';
  if (/%2e|%2f|%5c|\\/i.test(path)) return 'must not contain %2e, %2f, %5c or a backslash';
  return undefined;
}

/**
 * The raw values, still percent-encoded, of a template's parameters in a request path, or undefined
 * when the path does not match or is unsafe (unsafePathReason). `prefixed` lets the path start with
 * one more segment (a named stage or an API mapping key, as API Gateway's rawPath may carry); the
 * match is anchored at both ends either way.
 */
export function rawPathParameters(template: string, path: string, prefixed = false): Record<string, string> | undefined {
  if (unsafePathReason(path)) return undefined;
  let entry = compiled.get(template);
  if (!entry) {
    const names: string[] = [];
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    entry = { exact: new RegExp(`^${pattern}$`), prefixed: new RegExp(`^(?:/[^/]+)?${pattern}$`), names };
    compiled.set(template, entry);
  }
  const found = (prefixed ? entry.prefixed : entry.exact).exec(path);
  return found ? Object.fromEntries(entry.names.map((name, i) => [name, found[i + 1] ?? ''])) : undefined;
}
