import { encryptionContext, type CredentialView } from './credential.ts';
import { googleKeyProblem, googleKeyUsernames } from './google-key.ts';
import type { Clock, CredentialStore, PasswordEncryptor } from './ports.ts';
import type { ResourceOwner } from './stack-grants.ts';

export interface UpdateCredentialInput {
  readonly project: string;
  readonly id: string;
  readonly password?: string | undefined;
  readonly username?: string | null | undefined;
  readonly email?: string | null | undefined;
  /** From If-Match: update only if the credential is still at this version. */
  readonly expectedVersion?: number | undefined;
  /** The IaC provider's stack and logical id: the update applies only to a credential it declared. */
  readonly owner?: ResourceOwner | undefined;
}

export interface UpdateCredentialDeps {
  readonly store: CredentialStore;
  readonly encryptor: PasswordEncryptor;
  readonly clock: Clock;
}

/**
 * Re-encrypts a new password under the same encryption context first, then changes the record in
 * one conditional write, so a reader sees the old or the new login, never a mix.
 */
export async function updateCredential(deps: UpdateCredentialDeps, input: UpdateCredentialInput): Promise<CredentialView> {
  const { project, id, password, username, email } = input;
  const ciphertext = password === undefined ? undefined : await deps.encryptor.encrypt(password, encryptionContext(project, id));
  // A new password alone must still fit a stored Google key username (checked in the same write).
  const refuseUsernames: Record<string, string> = {};
  if (password !== undefined && username === undefined) {
    for (const name of Object.values(googleKeyUsernames)) {
      const problem = googleKeyProblem(name, password);
      if (problem) refuseUsernames[name] = problem;
    }
  }
  return deps.store.update(
    project,
    id,
    {
      ...(ciphertext && { ciphertext }),
      ...(username !== undefined && { username }),
      ...(email !== undefined && { email }),
      updatedAt: deps.clock.now().toISOString(),
      resetStatus: password !== undefined || username !== undefined,
      refuseUsernames,
    },
    input.expectedVersion,
    input.owner,
  );
}
