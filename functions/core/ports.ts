// What the use cases need from the outside world; adapters implement these.
import type { CheckResult, CheckStatus, CredentialView, StoredCredential } from './credential.ts';
import type { CredentialEvent } from './credential-events.ts';
import type { ResourceOwner } from './stack-grants.ts';

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

/** What an update changes; an absent field stays as it is, null clears username or email. */
export interface CredentialChanges {
  readonly ciphertext?: Uint8Array;
  readonly username?: string | null;
  readonly email?: string | null;
  readonly updatedAt: string;
  /** The login changed: the stored check result no longer applies. */
  readonly resetStatus: boolean;
  /** Stored usernames the new password does not fit, each with why (a ValidationError on password). */
  readonly refuseUsernames: Readonly<Record<string, string>>;
}

export interface HostCheckLimit {
  readonly max: number;
  readonly windowMs: number;
}

export interface CheckClaim {
  readonly credential: StoredCredential;
  /** Identifies this check; recording its result needs it (an update in between voids it). */
  readonly claimedAt: number;
}

/** One page of a project's credentials, in id order. */
export interface CredentialLister {
  list(project: string, limit: number, afterId: string | null): Promise<CredentialPage>;
}

export interface CredentialStore extends CredentialLister {
  /** Writes the credential and its registry guard atomically; ConflictError if the registry is taken. */
  create(credential: StoredCredential): Promise<void>;
  /** NotFoundError when the id is not in the project; ForbiddenError when `owner` is given and did not declare it. */
  delete(project: string, id: string, owner?: ResourceOwner): Promise<void>;
  /**
   * One atomic write that increments the version. NotFoundError for an unknown id,
   * PreconditionFailedError when `expectedVersion` is given and differs, ForbiddenError when
   * `owner` is given and did not declare it.
   */
  update(project: string, id: string, changes: CredentialChanges, expectedVersion?: number, owner?: ResourceOwner): Promise<CredentialView>;
  /**
   * Reserves a registry check of the credential's current version: at most one per `intervalMs`.
   * NotFoundError, or RateLimitedError naming when the next check is allowed.
   */
  claimCheck(project: string, id: string, nowMs: number, intervalMs: number): Promise<CheckClaim>;
  /**
   * Counts one registry check of the project against a host: at most `limit.max` per `limit.windowMs`
   * (add with verify, verify and the queue worker share it). RateLimitedError (scope host) when spent.
   */
  claimHostCheck(project: string, host: string, nowMs: number, limit: HostCheckLimit): Promise<void>;
  /** Stores a check result unless the credential changed since the claim; returns whether it did. */
  recordCheck(project: string, id: string, claim: CheckClaim, result: { status: CheckStatus; checkedAt: string }): Promise<boolean>;
}

/** Checks a login against a registry the way `docker login` does. */
export interface RegistryVerifier {
  verify(login: { server: string; username: string | null; password: string }): Promise<CheckResult>;
}

/** The read side: what resolving needs, apart from the write side's store so their bundles stay apart. */
export interface CredentialReader {
  /**
   * The credential, with its ciphertext, of the first of these registry keys that the project
   * holds one for (callers list them most specific first); undefined when it holds none of them.
   */
  firstMatch(project: string, registries: readonly string[]): Promise<StoredCredential | undefined>;
  /** Whether the project holds a credential for a path on this host (a key starting with `<host>/`). */
  holdsPathsOn(project: string, host: string): Promise<boolean>;
  /** Every credential of the project with its ciphertext, one page at a time. */
  pages(project: string): AsyncIterable<readonly StoredCredential[]>;
}

export interface Clock {
  now(): Date;
}

export type IdGenerator = (nowMs: number) => string;

/** Where credential events go (EventBridge, or a local file). */
export interface EventSink {
  /** Publishes the events, retrying failed entries a bounded number of times; returns the indexes that still failed. */
  publish(events: readonly CredentialEvent[]): Promise<number[]>;
}

/** Reads a secret's value (the IaC provider's password source). */
export interface SecretSource {
  read(secretId: string): Promise<string>;
}

/** Asks for a registry check of each credential, to be run elsewhere (the re-verify fan-out). */
export interface VerifyRequests {
  enqueue(credentials: readonly { readonly project: string; readonly id: string }[]): Promise<void>;
}
