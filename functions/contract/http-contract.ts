// What each route takes and answers, declared once per route: the OpenAPI document is generated from
// it and the tests check every response against that document. Typed over the route table's names,
// so a route without its contract does not compile. The handlers never import this module (it pulls
// in every schema); they import only their own request schemas.
import type * as z from 'zod/mini';
import type { ErrorCode } from './error-codes.ts';
import type { Route } from './routes.ts';
import {
  addCredentialQuery,
  addCredentialRequest,
  credential,
  credentialId,
  credentialPage,
  dockerConfig,
  listQuery,
  projectName,
  registryAuth,
  registryAuthQuery,
  updateCredentialRequest,
  verifyResult,
} from './schemas.ts';

export interface ResponseContract {
  readonly description: string;
  /** The JSON body; absent for an empty body. */
  readonly body?: z.ZodMiniType;
  /** Header name -> description. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteContract {
  /** The JSON request body (only for routes with `hasBody`). */
  readonly body?: z.ZodMiniType;
  /** The query string, as an object of its parameters. */
  readonly query?: z.ZodMiniType;
  /** Success responses by status. */
  readonly responses: Readonly<Record<number, ResponseContract>>;
  /** Errors of this route besides `sharedErrors`, which every route can answer. */
  readonly errors: readonly ErrorCode[];
}

/** The path parameters any route template may use, by name. */
export const pathParameters: Readonly<Record<string, z.ZodMiniType>> = { project: projectName, id: credentialId };

/** What the shared middy stack (functions/http/api-handler.ts) can answer on any route. */
export const sharedErrors = ['ValidationError', 'PayloadTooLarge', 'Unavailable', 'InternalError'] as const satisfies readonly ErrorCode[];

export const errorWhen: Readonly<Record<ErrorCode, string>> = {
  ValidationError: 'A path parameter, query parameter, header or body field is invalid; `issues` names each field.',
  NotFound: 'No such credential in this project.',
  MethodNotAllowed: 'The path exists with other methods (local server only; API Gateway answers 404).',
  Conflict: 'The project already has a credential for this registry; `existingId` names it.',
  PayloadTooLarge: 'The request body is over 16 KiB.',
  Unavailable: 'KMS or DynamoDB failed or timed out; nothing was written.',
  InternalError: 'An unexpected failure; nothing was returned.',
  NoCredential: 'No credential of this project matches the image or server.',
  PreconditionFailed: '`If-Match` names a version that is no longer current; nothing was changed.',
  InvalidCredential: 'With `?verify=true`: the registry refused the login; nothing was stored.',
  TooManyRequests: 'This version of the credential was checked less than 10 s ago, or the project made 10 registry checks of this host in the last minute; `Retry-After` says when to try again.',
};

const routeContracts = {
  'add-credential': {
    body: addCredentialRequest,
    query: addCredentialQuery,
    responses: {
      201: {
        description: 'The stored credential, without its password.',
        body: credential,
        headers: { location: 'The path of the new credential (its delete route).', etag: 'The credential\'s version, `"<version>"`.' },
      },
    },
    errors: ['Conflict', 'InvalidCredential', 'TooManyRequests'],
  },
  'list-credentials': {
    query: listQuery,
    responses: { 200: { description: 'One page of credentials, without passwords.', body: credentialPage } },
    errors: [],
  },
  'delete-credential': {
    responses: { 204: { description: 'Deleted; no body.' } },
    errors: ['NotFound'],
  },
  'update-credential': {
    body: updateCredentialRequest,
    responses: {
      200: {
        description: 'The updated credential (same id, next version), without its password.',
        body: credential,
        headers: { etag: 'The new version, `"<version>"`; send it as `If-Match` to update only that version.' },
      },
    },
    errors: ['NotFound', 'PreconditionFailed'],
  },
  'verify-credential': {
    responses: { 200: { description: 'The result of the registry check, also stored as the credential\'s status.', body: verifyResult } },
    errors: ['NotFound', 'TooManyRequests'],
  },
  'resolve-registry-auth': {
    query: registryAuthQuery,
    responses: {
      200: {
        description: 'The most specific matching credential, password included (audited; never cached).',
        body: registryAuth,
        headers: { 'cache-control': '`no-store`.' },
      },
    },
    errors: ['NoCredential'],
  },
  'get-dockerconfigjson': {
    responses: {
      200: {
        description: 'Every credential of the project as a docker config `{"auths": ...}`, passwords included (audited; never cached).',
        body: dockerConfig,
        headers: { 'cache-control': '`no-store`.' },
      },
    },
    errors: [],
  },
} as const satisfies Record<Route['name'], RouteContract>;

export function contractOf(route: Route): RouteContract {
  const contract: RouteContract | undefined = (routeContracts as Record<string, RouteContract>)[route.name];
  if (!contract || Object.keys(contract.responses).length === 0) throw new Error(`route ${route.name} declares no responses in contract/http-contract.ts`);
  return contract;
}
