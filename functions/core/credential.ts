// What a stored credential is, and what the outside world may see of it.

/** Results of a registry check: coarse on purpose (see core/registry-login.ts). */
export const checkStatuses = ['valid', 'invalid', 'unreachable', 'unsupported'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

export interface CheckResult {
  readonly status: CheckStatus;
  /** A short fixed phrase, never a registry's body or a password. */
  readonly detail: string;
}

export interface CredentialView {
  readonly id: string;
  readonly server: string;
  readonly registry: string;
  readonly username: string | null;
  readonly email: string | null;
  readonly createdAt: string;
  readonly version: number;
  readonly updatedAt: string | null;
  readonly status: CheckStatus | null;
  readonly checkedAt: string | null;
}

export interface StoredCredential extends CredentialView {
  readonly project: string;
  /** The CloudFormation stack and logical id that declared it (RegistryCredential); absent for API adds. */
  readonly owner?: { readonly stackId: string; readonly logicalId: string } | undefined;
  /** KMS ciphertext of the password, bound to { project, credentialId }. */
  readonly ciphertext: Uint8Array;
}

export function toView(c: CredentialView): CredentialView {
  const { id, server, registry, username, email, createdAt, version, updatedAt, status, checkedAt } = c;
  return { id, server, registry, username, email, createdAt, version, updatedAt, status, checkedAt };
}

/** The KMS encryption context: a ciphertext decrypts only for the record it was made for. */
export function encryptionContext(project: string, credentialId: string): Record<string, string> {
  return { project, credentialId };
}
