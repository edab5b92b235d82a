// The kubelet image credential provider protocol (credentialprovider.kubelet.k8s.io/v1), spoken by
// `regcred-kubelet-credential-provider`: a CredentialProviderRequest on stdin, a
// CredentialProviderResponse on stdout. No credential is an answer (no `auth`, exit 0); anything
// else that goes wrong is a message on stderr and a non-zero exit, which the kubelet logs before
// pulling without credentials.
import { parseArgs } from 'node:util';
import { isNoCredential } from './client.ts';
import { UsageError } from './config.ts';
import { connect, describeError, type Connection, type ConnectionFlags } from './connect.ts';
import { goJson } from '../common/go-json.ts';
import type { Io } from './io.ts';
import { versionLine } from './version.ts';

const providerName = 'regcred-kubelet-credential-provider';
export const apiVersion = 'credentialprovider.kubelet.k8s.io/v1';
export const defaultCacheDuration = '5m';

const usage = `Usage: ${providerName} [--cache-duration 5m] [--project P] [--endpoint URL] [--region R] [--sigv4]
Reads a ${apiVersion} CredentialProviderRequest on stdin and writes a CredentialProviderResponse on stdout.
Settings as the regcred CLI's: flags, else REGCRED_PROJECT / REGCRED_ENDPOINT / REGCRED_REGION, else the config file.
`;

export type CacheKeyType = 'Image' | 'Registry';

export interface ProviderResponse {
  readonly apiVersion: typeof apiVersion;
  readonly kind: 'CredentialProviderResponse';
  readonly cacheKeyType: CacheKeyType;
  readonly cacheDuration: string;
  readonly auth?: Record<string, { username: string; password: string }>;
}

/** Runs one provider call; returns the exit code. */
export async function runProvider(
  argv: readonly string[],
  io: Io,
  version: () => string,
  open: (flags: ConnectionFlags) => Promise<Connection> = (flags) => connect(flags),
): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        'cache-duration': { type: 'string', default: defaultCacheDuration },
        project: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        sigv4: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(usage);
      return 0;
    }
    if (values.version) {
      io.out(`${versionLine('regcred-kubelet-credential-provider', version())}\n`);
      return 0;
    }
    const cacheDuration = goDuration(values['cache-duration'] ?? defaultCacheDuration);
    const image = parseRequest(await io.readStdin());
    const { client, project } = await open(values);
    let response: ProviderResponse = { apiVersion, kind: 'CredentialProviderResponse', cacheKeyType: 'Image', cacheDuration };
    try {
      const auth = await client.resolve(project, { image });
      response = {
        ...response,
        // The kubelet reuses a Registry answer for every image of the host, so only a host key with no
        // path-scoped siblings (ghcr.io without ghcr.io/org) may be one; otherwise it serves this image only.
        cacheKeyType: auth.pathScoped ? 'Image' : 'Registry',
        auth: { [auth.registry]: { username: auth.username ?? '', password: auth.password } },
      };
    } catch (error) {
      if (!isNoCredential(error)) throw error;
    }
    io.out(goJson(response));
    return 0;
  } catch (error) {
    const usageError = error instanceof UsageError || (error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'));
    io.err(`${providerName}: ${usageError ? (error as Error).message : describeError(error)}\n`);
    return usageError ? 2 : 1;
  }
}

/** The image of a CredentialProviderRequest; refuses any other apiVersion or kind. */
export function parseRequest(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`stdin is not a JSON CredentialProviderRequest (the kubelet sends one; ${apiVersion})`);
  }
  const request = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  if (request.apiVersion !== apiVersion) {
    throw new UsageError(
      `unsupported apiVersion ${JSON.stringify(request.apiVersion ?? null)}: this provider speaks ${apiVersion}; set apiVersion: ${apiVersion} for it in the kubelet's CredentialProviderConfig`,
    );
  }
  if (request.kind !== 'CredentialProviderRequest') {
    throw new UsageError(`unsupported kind ${JSON.stringify(request.kind ?? null)}: expected CredentialProviderRequest`);
  }
  if (typeof request.image !== 'string' || !request.image) throw new UsageError('the CredentialProviderRequest has no image');
  return request.image;
}

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Checks a Go duration ("5m", "1h30m", "300s", "0") and returns it as seconds, e.g. "300s". */
export function goDuration(text: string): string {
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let ms = 0;
  let consumed = 0;
  for (let match = part.exec(text); match; match = part.exec(text)) {
    ms += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
    consumed = part.lastIndex;
  }
  if (text === '0') return '0s';
  if (!text || consumed !== text.length || !Number.isFinite(ms)) {
    throw new UsageError(`--cache-duration "${text}" is not a duration such as 5m, 1h30m or 300s`);
  }
  return `${Math.round(ms) / 1000}s`;
}
