// Request and response schemas: the handlers validate with them, the CLI and tests type with them.
// zod/mini keeps the Lambda bundles small (the classic API pulls in every locale). The request schemas
// live in one module per route so a bundle carries only the schemas its handler uses; this module
// re-exports them beside the response schemas for the CLI and tests.
import * as z from 'zod/mini';
import { errorCodes, type ErrorCode } from './error-codes.ts';
import { checkStatuses } from '../core/credential.ts';

export { projectName, credentialId } from './fields.ts';
export { addCredentialRequest, addCredentialQuery, type AddCredentialRequest } from './add-request.ts';
export { updateCredentialRequest, type UpdateCredentialRequest } from './update-request.ts';
export { listQuery } from './list-query.ts';
export { registryAuthQuery, type RegistryAuthQuery } from './registry-auth-query.ts';
export { errorCodes, type ErrorCode } from './error-codes.ts';

export const credential = z.object({
  id: z.uuid(),
  server: z.string(),
  registry: z.string(),
  username: z.nullable(z.string()),
  email: z.nullable(z.string()),
  createdAt: z.iso.datetime(),
  /** Starts at 1 and grows with every update; the ETag is `"<version>"`. */
  version: z.number().check(z.int(), z.gte(1)),
  updatedAt: z.nullable(z.iso.datetime()),
  /** The last registry check of this version's login, null when never checked. */
  status: z.nullable(z.enum(checkStatuses)),
  checkedAt: z.nullable(z.iso.datetime()),
});
export type Credential = z.infer<typeof credential>;

export const credentialPage = z.object({
  items: z.array(credential),
  nextToken: z.nullable(z.string()),
});
export type CredentialPage = z.infer<typeof credentialPage>;

export const verifyResult = z.object({
  status: z.enum(checkStatuses),
  checkedAt: z.iso.datetime(),
  detail: z.string(),
});
export type VerifyResult = z.infer<typeof verifyResult>;

/** GET /projects/{project}/registry-auth: the matched credential, password included. */
export const registryAuth = z.object({
  credentialId: z.uuid(),
  registry: z.string(),
  image: z.nullable(z.string()),
  server: z.string(),
  username: z.nullable(z.string()),
  email: z.nullable(z.string()),
  password: z.string(),
  /**
   * True when the project also holds credentials for paths on this host (keys `<host>/...`), so this
   * answer holds for this image only, not for every image on the host (the kubelet provider then
   * answers cacheKeyType Image). Always true when the matched key is itself a path.
   */
  pathScoped: z.boolean(),
});
export type RegistryAuth = z.infer<typeof registryAuth>;

/** GET /projects/{project}/dockerconfigjson: kubectl's `.dockerconfigjson` content. */
export const dockerConfig = z.object({
  auths: z.record(
    z.string(),
    z.object({ username: z.optional(z.string()), password: z.string(), email: z.optional(z.string()), auth: z.string() }),
  ),
});
export type DockerConfig = z.infer<typeof dockerConfig>;

export const errorBody = z.object({
  error: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  issues: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  existingId: z.optional(z.uuid()),
  /** With InvalidCredential: what the registry check found. */
  detail: z.optional(z.string()),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** API Gateway's own refusals when deployed (IAM 403, throttling 429, unknown routes 404). */
export const gatewayError = z.object({ message: z.string() });

/**
 * An error response's text, read as the API's error body or else API Gateway's `{ message }`
 * (either may be absent: the body may not even be JSON). The CLI and the console both read errors so.
 */
export function readError(text: string): { body?: ErrorBody; gatewayMessage?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = errorBody.safeParse(json);
  if (parsed.success) return { body: parsed.data };
  const message = gatewayError.safeParse(json);
  return message.success ? { gatewayMessage: message.data.message } : {};
}
