import { encryptionContext, type CheckResult } from './credential.ts';
import { InvalidCredentialError } from './errors.ts';
import type { Clock, CredentialStore, HostCheckLimit, PasswordDecryptor, RegistryVerifier } from './ports.ts';

/** Registries are not hammered: one check per credential version per interval (a new password or username resets it). */
const checkIntervalMs = 10_000;

/**
 * Nor used as a password oracle: at most this many checks per project and registry host per window,
 * whatever starts them (add with verify, verify, the queue worker).
 */
export const hostCheckLimit: HostCheckLimit = { max: 10, windowMs: 60_000 };

/** The host (and port) of a registry key: `ghcr.io/org` is checked at `ghcr.io`. */
export const registryHostOf = (registry: string) => registry.split('/')[0]!;

export interface VerifyCredentialDeps {
  readonly store: CredentialStore;
  readonly decryptor: PasswordDecryptor;
  readonly verifier: RegistryVerifier;
  readonly clock: Clock;
}

export interface VerifyOutcome extends CheckResult {
  readonly checkedAt: string;
}

/** Checks the stored login against its registry and stores the result on the credential. */
export async function verifyCredential(
  deps: VerifyCredentialDeps,
  { project, id }: { readonly project: string; readonly id: string },
): Promise<VerifyOutcome> {
  const claim = await deps.store.claimCheck(project, id, deps.clock.now().getTime(), checkIntervalMs);
  const { credential } = claim;
  await deps.store.claimHostCheck(project, registryHostOf(credential.registry), deps.clock.now().getTime(), hostCheckLimit);
  const password = await deps.decryptor.decrypt(credential.ciphertext, encryptionContext(project, id));
  const result = await deps.verifier.verify({ server: credential.server, username: credential.username, password });
  const checkedAt = deps.clock.now().toISOString();
  await deps.store.recordCheck(project, id, claim, { status: result.status, checkedAt });
  return { ...result, checkedAt };
}

/** For add with verify: refuses a login the registry rejects; any other outcome is stored with it. */
export async function checkBeforeSaving(
  verifier: RegistryVerifier,
  login: { server: string; username: string | null; password: string },
): Promise<CheckResult> {
  const result = await verifier.verify(login);
  if (result.status === 'invalid') {
    throw new InvalidCredentialError(`The registry refused this login (${result.detail}); nothing was stored.`, result.detail);
  }
  return result;
}
