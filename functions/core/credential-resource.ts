// The IaC side: a CloudFormation custom resource (RegistryCredential) mapped onto the use cases.
// Create adds, Update rotates in place or (a new project or server) adds a replacement, Delete
// deletes. The password is read from a secret here, never carried in the template.
import { addCredential, type AddCredentialDeps } from './add-credential.ts';
import { deleteCredential } from './delete-credential.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import type { SecretSource } from './ports.ts';
import { updateCredential } from './update-credential.ts';
import type { CredentialView } from './credential.ts';

export interface CredentialResourceProperties {
  readonly project: string;
  readonly server: string;
  readonly username: string | null;
  readonly email: string | null;
  readonly passwordSecretId: string;
  readonly passwordVersion: string | null;
}

export type CredentialResourceRequest =
  | { readonly type: 'Create'; readonly properties: CredentialResourceProperties }
  | { readonly type: 'Update'; readonly id: string; readonly properties: CredentialResourceProperties; readonly old: CredentialResourceProperties }
  | { readonly type: 'Delete'; readonly id: string; readonly properties: CredentialResourceProperties };

export interface CredentialResourceResult {
  /** The credential id: CloudFormation's physical id. */
  readonly id: string;
  readonly registry?: string;
  readonly version?: number;
}

export type CredentialResourceDeps = AddCredentialDeps & { readonly secrets: SecretSource };

export async function applyCredentialResource(deps: CredentialResourceDeps, request: CredentialResourceRequest): Promise<CredentialResourceResult> {
  const p = request.properties;
  switch (request.type) {
    case 'Create':
      return created(await add(deps, p));
    case 'Update': {
      // A credential belongs to one project and one registry: changing either is a replacement
      // (a new id; CloudFormation then sends a Delete for the old one).
      if (p.project !== request.old.project || p.server.trim() !== request.old.server.trim()) return created(await add(deps, p));
      const rotate = p.passwordSecretId !== request.old.passwordSecretId || p.passwordVersion !== request.old.passwordVersion;
      const view = await updateCredential(deps, {
        project: p.project,
        id: request.id,
        username: p.username,
        email: p.email,
        ...(rotate && { password: await password(deps.secrets, p.passwordSecretId) }),
      });
      return created(view);
    }
    case 'Delete':
      try {
        await deleteCredential(deps, { project: p.project, id: request.id });
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
      return { id: request.id };
  }
}

async function add(deps: CredentialResourceDeps, p: CredentialResourceProperties): Promise<CredentialView> {
  return addCredential(deps, {
    project: p.project,
    server: p.server,
    username: p.username,
    email: p.email,
    password: await password(deps.secrets, p.passwordSecretId),
  });
}

const created = (view: CredentialView): CredentialResourceResult => ({ id: view.id, registry: view.registry, version: view.version });

/** A secret holds the password itself, or a JSON object with a string `password` (as generated secrets do). */
async function password(secrets: SecretSource, secretId: string): Promise<string> {
  const value = await secrets.read(secretId);
  if (!value.trimStart().startsWith('{')) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value;
  }
  const field = (parsed as { password?: unknown } | null)?.password;
  if (typeof field !== 'string' || field === '') throw new ValidationError(`Secret ${secretId} is a JSON object without a string "password" key.`);
  return field;
}
