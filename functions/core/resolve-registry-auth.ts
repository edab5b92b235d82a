// Resolve: the one credential an image (or a credential helper's server) needs, password included.
// Cost does not grow with the project: one batch read of the candidate registry guards, one read of
// the credential, one KMS Decrypt.
import { encryptionContext } from './credential.ts';
import { NoCredentialError, ValidationError } from './errors.ts';
import { candidateRegistries, normaliseImage } from './image-reference.ts';
import type { CredentialReader, PasswordDecryptor } from './ports.ts';
import { parseServer } from './registry.ts';

export interface RegistryLookup {
  /** The normalised repository, or null when a credential helper asked for a server. */
  readonly image: string | null;
  /** Registry keys to try, most specific first. */
  readonly registries: readonly string[];
}

export interface RegistryAuth {
  readonly credentialId: string;
  /** The registry key that matched. */
  readonly registry: string;
  readonly image: string | null;
  /** The server as the credential was stored. */
  readonly server: string;
  readonly username: string | null;
  readonly email: string | null;
  readonly password: string;
}

export interface ResolveDeps {
  readonly reader: CredentialReader;
  readonly decryptor: PasswordDecryptor;
}

/**
 * An image matches its repository path, then each parent path, then its host (component-wise, so
 * `ghcr.io/org` never matches `ghcr.io/org2/app`). A server is what a credential helper receives:
 * helpers only ever see a host, so only the credential stored for exactly that key matches, never a
 * guess among path-scoped ones.
 */
export function registryLookup(query: { readonly image?: string | undefined; readonly server?: string | undefined }): RegistryLookup {
  if (query.server !== undefined) {
    const parsed = parseServer(query.server);
    if (!parsed.ok) throw ValidationError.field('server', parsed.reason);
    return { image: null, registries: [parsed.registry] };
  }
  const parsed = normaliseImage(query.image ?? '');
  if (!parsed.ok) throw ValidationError.field('image', parsed.reason);
  return { image: parsed.image, registries: candidateRegistries(parsed.image) };
}

export async function resolveRegistryAuth(deps: ResolveDeps, project: string, lookup: RegistryLookup): Promise<RegistryAuth> {
  const guards = await deps.reader.guards(project, lookup.registries);
  for (const registry of lookup.registries) {
    const id = guards.get(registry);
    if (id === undefined) continue;
    const credential = await deps.reader.get(project, id);
    // Deleted since its guard was read: the next less specific credential, if any, is the answer.
    if (credential?.registry !== registry) continue;
    const password = await deps.decryptor.decrypt(credential.ciphertext, encryptionContext(project, credential.id));
    const { server, username, email } = credential;
    return { credentialId: credential.id, registry, image: lookup.image, server, username, email, password };
  }
  throw new NoCredentialError(noCredentialMessage(lookup));
}

function noCredentialMessage({ image, registries }: RegistryLookup): string {
  if (image !== null) return `No credential in this project matches ${image} (tried ${registries.join(', ')}).`;
  return (
    `No credential in this project is stored for ${registries[0]} itself. A credential helper sees only the host, ` +
    'so credentials stored for a path on it (such as host/org) are not used: resolve by ?image= instead.'
  );
}
