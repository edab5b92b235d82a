// What the use cases need from the outside world; adapters implement these.
import type { CredentialView, StoredCredential } from './credential.ts';

export interface PasswordEncryptor {
  encrypt(password: string, context: Record<string, string>): Promise<Uint8Array>;
}

export interface PasswordDecryptor {
  /** The password; UnavailableError if the key service fails or the context does not match. */
  decrypt(ciphertext: Uint8Array, context: Record<string, string>): Promise<string>;
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

/** The read side: what resolving needs, apart from the write side's store so their bundles stay apart. */
export interface CredentialReader {
  /**
   * The credential, with its ciphertext, of the first of these registry keys that the project
   * holds one for (callers list them most specific first); undefined when it holds none of them.
   */
  firstMatch(project: string, registries: readonly string[]): Promise<StoredCredential | undefined>;
  /** Every credential of the project with its ciphertext, one page at a time. */
  pages(project: string): AsyncIterable<readonly StoredCredential[]>;
}

export interface Clock {
  now(): Date;
}

export type IdGenerator = (nowMs: number) => string;
