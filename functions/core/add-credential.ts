import { encryptionContext, toView, type CredentialView } from './credential.ts';
import { ValidationError } from './errors.ts';
import type { Clock, CredentialStore, IdGenerator, PasswordEncryptor } from './ports.ts';
import { parseServer } from './registry.ts';

export interface AddCredentialInput {
  readonly project: string;
  readonly server: string;
  readonly username: string | null;
  readonly email: string | null;
  readonly password: string;
}

export interface AddCredentialDeps {
  readonly store: CredentialStore;
  readonly encryptor: PasswordEncryptor;
  readonly clock: Clock;
  readonly newId: IdGenerator;
}

/** Encrypts the password first, then writes the record; if encryption fails nothing is written. */
export async function addCredential(deps: AddCredentialDeps, input: AddCredentialInput): Promise<CredentialView> {
  const server = input.server.trim();
  const parsed = parseServer(server);
  if (!parsed.ok) throw ValidationError.field('server', parsed.reason);
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
    ciphertext,
  };
  await deps.store.create(credential);
  return toView(credential);
}
