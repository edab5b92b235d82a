// Resolve: the one credential an image (or a credential helper's server) needs, password included.
// Cost does not grow with the project: the reader looks the candidate registry keys up directly
// (one batch read of their guards, one read of the credential, and beside them one keys-only read
// of whether paths on the host hold credentials), then one KMS Decrypt.
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
  /**
   * The project holds credentials for paths on the matched key's host (`<host>/...`): this answer is
   * right for this image, not for every image on the host (a kubelet provider must not cache it per registry).
   */
  readonly pathScoped: boolean;
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
  const host = (lookup.registries.at(-1) ?? '').split('/')[0] ?? '';
  const [credential, pathScoped] = await Promise.all([deps.reader.firstMatch(project, lookup.registries), deps.reader.holdsPathsOn(project, host)]);
  if (!credential) throw new NoCredentialError(noCredentialMessage(lookup));
  const password = await deps.decryptor.decrypt(credential.ciphertext, encryptionContext(project, credential.id));
  const { id, registry, server, username, email } = credential;
  return { credentialId: id, registry, image: lookup.image, server, username, email, password, pathScoped };
}

function noCredentialMessage({ image, registries }: RegistryLookup): string {
  if (image !== null) return `No credential in this project matches ${image} (tried ${registries.join(', ')}).`;
  return (
    `No credential in this project is stored for ${registries[0]} itself. A credential helper sees only the host, ` +
    'so credentials stored for a path on it (such as host/org) are not used: resolve by ?image= instead.'
  );
}
