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
  readonly name: 'add-credential' | 'list-credentials' | 'delete-credential';
  readonly method: HttpMethod;
  readonly capability: Capability;
  /** API Gateway path template. */
  readonly path: string;
  /** Lambda entry file, relative to the repository root. */
  readonly entry: string;
  /** Whether the route takes a JSON body. */
  readonly hasBody: boolean;
  readonly summary: string;
}

export const credentialsPath = '/projects/{project}/docker-credentials';
export const credentialPath = `${credentialsPath}/{id}`;

export const routes = {
  addCredential: {
    name: 'add-credential',
    method: 'POST',
    capability: 'write',
    path: credentialsPath,
    entry: 'functions/add-credential.ts',
    hasBody: true,
    summary: 'Store a registry credential; the password is KMS-encrypted and never returned.',
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
