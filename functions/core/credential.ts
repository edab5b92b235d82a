// What a stored credential is, and what the outside world may see of it.

export interface CredentialView {
  readonly id: string;
  readonly server: string;
  readonly registry: string;
  readonly username: string | null;
  readonly email: string | null;
  readonly createdAt: string;
}

export interface StoredCredential extends CredentialView {
  readonly project: string;
  /** KMS ciphertext of the password, bound to { project, credentialId }. */
  readonly ciphertext: Uint8Array;
}

export function toView({ id, server, registry, username, email, createdAt }: CredentialView): CredentialView {
  return { id, server, registry, username, email, createdAt };
}

/** The KMS encryption context: a ciphertext decrypts only for the record it was made for. */
export function encryptionContext(project: string, credentialId: string): Record<string, string> {
  return { project, credentialId };
}
