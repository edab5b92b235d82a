import { encryptionContext, toView, type CheckResult, type CredentialView } from './credential.ts';
import { ValidationError } from './errors.ts';
import type { Clock, CredentialStore, IdGenerator, PasswordEncryptor, RegistryVerifier } from './ports.ts';
import { parseServer } from './registry.ts';
import { checkBeforeSaving, hostCheckLimit, registryHostOf } from './verify-credential.ts';
import type { ResourceOwner } from './stack-grants.ts';

export interface AddCredentialInput {
  readonly project: string;
  readonly server: string;
  readonly username: string | null;
  readonly email: string | null;
  readonly password: string;
  /** Check the login against the registry first; an invalid one is refused. */
  readonly verify?: boolean;
  /** The RegistryCredential resource that declares it (the IaC provider). */
  readonly owner?: ResourceOwner;
}

export interface AddCredentialDeps {
  readonly store: CredentialStore;
  readonly encryptor: PasswordEncryptor;
  readonly verifier: RegistryVerifier;
  readonly clock: Clock;
  readonly newId: IdGenerator;
}

/** Encrypts the password first, then writes the record; if encryption fails nothing is written. */
export async function addCredential(deps: AddCredentialDeps, input: AddCredentialInput): Promise<CredentialView> {
  const server = input.server.trim();
  const parsed = parseServer(server);
  if (!parsed.ok) throw ValidationError.field('server', parsed.reason);
  if (input.verify) await deps.store.claimHostCheck(input.project, registryHostOf(parsed.registry), deps.clock.now().getTime(), hostCheckLimit);
  const check: CheckResult | undefined = input.verify
    ? await checkBeforeSaving(deps.verifier, { server, username: input.username, password: input.password })
    : undefined;
  const now = deps.clock.now();
  const id = deps.newId(now.getTime());
  const ciphertext = await deps.encryptor.encrypt(input.password, encryptionContext(input.project, id));
  const credential = {
    project: input.project,
    id,
    server,
    registry: parsed.registry,
    username: input.username,
    email: input.email,
    createdAt: now.toISOString(),
    version: 1,
    updatedAt: null,
    status: check?.status ?? null,
    checkedAt: check ? now.toISOString() : null,
    ciphertext,
    owner: input.owner,
  };
  await deps.store.create(credential);
  return toView(credential);
}
