// The IaC side: a CloudFormation custom resource (RegistryCredential) mapped onto the use cases.
// Create adds, Update rotates in place or (a new project or server) adds a replacement, Delete
// deletes. The password is read from a secret here, never carried in the template.
// The provider is an authorisation point: a stack acts only in the projects the grants file gives
// it, reads only its project's secrets (regcred/<project>/...), and changes only what it declared.
import { credentialResourceLogin } from '../contract/credential-resource.ts';
import { addCredential, type AddCredentialDeps } from './add-credential.ts';
import type { CredentialView } from './credential.ts';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { googleKeyUsernames } from './google-key.ts';
import type { SecretSource } from './ports.ts';
import { secretProblem, stackAccount, stackMayDeclare, type ResourceOwner, type StackGrant } from './stack-grants.ts';
import { updateCredential } from './update-credential.ts';

export interface CredentialResourceProperties {
  readonly project: string;
  readonly server: string;
  readonly username: string | null;
  readonly email: string | null;
  readonly passwordSecretId: string;
  readonly passwordVersion: string | null;
}

export type CredentialResourceRequest = { readonly owner: ResourceOwner } & (
  | { readonly type: 'Create'; readonly properties: CredentialResourceProperties }
  | { readonly type: 'Update'; readonly id: string; readonly properties: CredentialResourceProperties; readonly old: CredentialResourceProperties }
  | { readonly type: 'Delete'; readonly id: string; readonly properties: CredentialResourceProperties }
);

export interface CredentialResourceResult {
  /** The credential id: CloudFormation's physical id. */
  readonly id: string;
  readonly registry?: string;
  readonly version?: number;
}

export type CredentialResourceDeps = AddCredentialDeps & {
  readonly secrets: SecretSource;
  /** Which stacks may declare credentials in which project (the grants file's `stacks`). */
  readonly stackGrants: readonly StackGrant[];
};

export async function applyCredentialResource(deps: CredentialResourceDeps, request: CredentialResourceRequest): Promise<CredentialResourceResult> {
  const p = request.properties;
  const { owner } = request;
  if (!stackMayDeclare(deps.stackGrants, owner.stackId, p.project)) {
    throw new ForbiddenError(`stack ${owner.stackId} may not declare credentials in project ${p.project} (no grant in the grants file's "stacks"); nothing was changed.`);
  }
  switch (request.type) {
    case 'Create':
      return created(await add(deps, p, owner));
    case 'Update': {
      // A credential belongs to one project and one registry: changing either is a replacement
      // (a new id; CloudFormation then sends a Delete for the old one).
      if (p.project !== request.old.project || p.server.trim() !== request.old.server.trim()) return created(await add(deps, p, owner));
      // A new Google key username needs the password checked against it: read the secret again.
      const newKeyUsername = p.username !== request.old.username && Object.values(googleKeyUsernames).includes(p.username as never);
      const rotate = newKeyUsername || p.passwordSecretId !== request.old.passwordSecretId || p.passwordVersion !== request.old.passwordVersion;
      const view = await updateCredential(deps, {
        project: p.project,
        id: request.id,
        username: p.username,
        email: p.email,
        ...(rotate && { password: await password(deps.secrets, p, owner) }),
        owner,
      });
      return created(view);
    }
    case 'Delete':
      try {
        await deps.store.delete(p.project, request.id, owner);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
      return { id: request.id };
  }
}

async function add(deps: CredentialResourceDeps, p: CredentialResourceProperties, owner: ResourceOwner): Promise<CredentialView> {
  return addCredential(deps, {
    project: p.project,
    server: p.server,
    username: p.username,
    email: p.email,
    password: await password(deps.secrets, p, owner),
    owner,
  });
}

const created = (view: CredentialView): CredentialResourceResult => ({ id: view.id, registry: view.registry, version: view.version });

/**
 * The password from the project's own secret, checked with the API's field rules. A secret holds
 * the password itself, or a JSON object with a string `password` (as generated secrets do).
 */
async function password(secrets: SecretSource, p: CredentialResourceProperties, owner: ResourceOwner): Promise<string> {
  const problem = secretProblem(p.passwordSecretId, p.project, stackAccount(owner.stackId));
  if (problem) throw ValidationError.field('PasswordSecretArn', problem);
  const value = await secrets.read(p.passwordSecretId);
  let result = value;
  if (value.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) {
      const field = (parsed as { password?: unknown } | null)?.password;
      if (typeof field !== 'string' || field === '') throw new ValidationError(`Secret ${p.passwordSecretId} is a JSON object without a string "password" key.`);
      result = field;
    }
  }
  // The API's own rules (size, Google key); messages name the field, never the value.
  const login = credentialResourceLogin.safeParse({ username: p.username, password: result });
  if (!login.success) {
    const issue = login.error.issues[0]!;
    const field = issue.path[0] === 'password' ? "PasswordSecretArn (the secret's password)" : 'Username';
    throw ValidationError.field(field, issue.message);
  }
  return result;
}
