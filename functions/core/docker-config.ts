// A project's credentials as a docker config.json `{"auths": ...}` object, byte for byte what
// `kubectl create secret docker-registry` writes into `.dockerconfigjson` (Go's encoding/json).
import { mapConcurrently } from './concurrency.ts';
import { encryptionContext, type StoredCredential } from './credential.ts';
import type { CredentialReader, PasswordDecryptor } from './ports.ts';
import { dockerHubRegistry } from './registry.ts';

const dockerHubConfigKey = 'https://index.docker.io/v1/';
/** KMS Decrypt calls in flight at once for one request. */
export const decryptConcurrency = 8;

export interface DockerConfigEntry {
  readonly username?: string;
  readonly password: string;
  readonly email?: string;
  readonly auth: string;
}

export interface DockerConfig {
  readonly auths: Record<string, DockerConfigEntry>;
}

export interface DockerConfigResult {
  readonly config: DockerConfig;
  /** What went in, for the audit line. */
  readonly credentials: ReadonlyArray<{ readonly id: string; readonly registry: string }>;
}

/** The key a registry gets in `auths`: docker's own for Docker Hub, `host[:port][/path]` otherwise. */
function dockerConfigKey(registry: string): string {
  return registry === dockerHubRegistry ? dockerHubConfigKey : registry;
}

export async function dockerConfigJson(
  deps: { readonly reader: CredentialReader; readonly decryptor: PasswordDecryptor },
  project: string,
): Promise<DockerConfigResult> {
  const credentials: StoredCredential[] = [];
  for await (const page of deps.reader.pages(project)) credentials.push(...page);
  // Go marshals map keys sorted; the keys are ASCII, so code-unit order is byte order.
  credentials.sort((a, b) => compare(dockerConfigKey(a.registry), dockerConfigKey(b.registry)));
  const entries = await mapConcurrently(credentials, decryptConcurrency, async (c) => {
    const password = await deps.decryptor.decrypt(c.ciphertext, encryptionContext(project, c.id));
    return [dockerConfigKey(c.registry), entry(c.username, password, c.email)] as const;
  });
  return { config: { auths: Object.fromEntries(entries) }, credentials: credentials.map(({ id, registry }) => ({ id, registry })) };
}

// kubectl's DockerConfigEntry: every field `omitempty`, in this order; auth is base64 of user:password.
function entry(username: string | null, password: string, email: string | null): DockerConfigEntry {
  const auth = Buffer.from(`${username ?? ''}:${password}`, 'utf8').toString('base64');
  return { ...(username && { username }), password, ...(email && { email }), auth };
}

/** JSON as Go's json.Marshal writes it: like JSON.stringify, but `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
