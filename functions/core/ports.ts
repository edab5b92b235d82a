// What the use cases need from the outside world; adapters implement these.
import type { CredentialView, StoredCredential } from './credential.ts';

export interface PasswordEncryptor {
  encrypt(password: string, context: Record<string, string>): Promise<Uint8Array>;
}

export interface CredentialPage {
  readonly items: readonly CredentialView[];
  /** Id of the last item when more may follow. */
  readonly lastId: string | null;
}

export interface CredentialStore {
  /** Writes the credential and its registry guard atomically; ConflictError if the registry is taken. */
  create(credential: StoredCredential): Promise<void>;
  list(project: string, limit: number, afterId: string | null): Promise<CredentialPage>;
  /** NotFoundError when the id is not in the project. */
  delete(project: string, id: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export type IdGenerator = (nowMs: number) => string;
