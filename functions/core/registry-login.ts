// The check `docker login` makes (docker/cli loginV2, distribution token spec): GET /v2/, then Basic
// auth, or a token from the realm the registry names (Basic auth to the realm), then /v2/ with that
// token. Results are coarse and details are fixed phrases: never a registry's body or a password.
import type { CheckResult } from './credential.ts';
import { dockerHubRegistry } from './registry.ts';

export interface RegistryReply {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** Why a request got no answer; `detail` is a fixed phrase. */
export class RegistryRequestError extends Error {
  override name = 'RegistryRequestError';
  readonly detail: string;
  constructor(detail: string) {
    super(detail);
    this.detail = detail;
  }
}

/** One GET; implementations enforce the address, scheme, redirect, time and size rules. */
export interface RegistryHttp {
  get(url: URL, headers: Record<string, string>): Promise<RegistryReply>;
}

export interface Login {
  readonly server: string;
  readonly username: string | null;
  readonly password: string;
}

const loginClientId = 'regcred';

/**
 * Token hosts named for a registry host (../shared/reference/registries.md). GHCR, Quay, ACR, GCR and
 * Artifact Registry name a realm on their own host; these two are also covered by the parent rule.
 */
export const knownRealmHosts: Readonly<Record<string, readonly string[]>> = {
  'registry-1.docker.io': ['auth.docker.io'],
  'registry.gitlab.com': ['gitlab.com'],
};

// Parents shared by many tenants (cloud registries and hosting): a sibling there is someone else's.
const sharedParents = /(^|\.)(azurecr\.io|pkg\.dev|amazonaws\.com|cloudfront\.net|azurewebsites\.net|herokuapp\.com|github\.io|appspot\.com|ngrok\.io|ngrok-free\.app|nip\.io|sslip\.io)$/;
// A two-label parent that is a country's second level (`co.uk`, `com.au`) is a public suffix too.
const secondLevelSuffix = /^(ac|co|com|edu|gov|ne|net|or|org)\.[a-z]{2}$/;
const ipLiteral = /^(\[.*\]|[\d.]+)$/;

/**
 * Whether the login may be sent to a token realm the registry named. The realm must use https and be
 * on the registry's host (any port) or below it, a host `knownRealmHosts` lists for it, or on or below the
 * registry host's parent (`auth.example.com` for `registry.example.com`) when that parent has two
 * labels or more and is no shared suffix. Only `npm start` passes `isLoopback`: a loopback registry
 * may then name a loopback realm over http.
 */
export function realmAllowed(base: URL, realm: URL, isLoopback?: (host: string) => boolean): boolean {
  const own = base.hostname;
  const host = realm.hostname;
  if (isLoopback?.(own) && isLoopback(host)) return realm.protocol === 'https:' || realm.protocol === 'http:';
  if (realm.protocol !== 'https:') return false;
  if (host === own || knownRealmHosts[own]?.includes(host)) return true;
  if (ipLiteral.test(own) || ipLiteral.test(host)) return false;
  if (host.endsWith(`.${own}`)) return true;
  const parent = own.slice(own.indexOf('.') + 1);
  if (!own.includes('.') || !parent.includes('.') || sharedParents.test(parent) || secondLevelSuffix.test(parent)) return false;
  return host === parent || host.endsWith(`.${parent}`);
}

/** Where a server's /v2/ lives: its host and port (paths only scope credentials). */
export function registryBaseUrl(server: string, insecureDefault: (host: string) => boolean): URL {
  const scheme = /^(https?):\/\//i.exec(server)?.[1]?.toLowerCase();
  const withScheme = scheme ? server : `https://${server}`;
  const url = new URL(withScheme);
  if (url.host === dockerHubRegistry || url.host === 'index.docker.io') url.host = 'registry-1.docker.io';
  if (!scheme && insecureDefault(url.hostname)) url.protocol = 'http:';
  return new URL('/v2/', url.origin);
}

/** `isLoopback` only in `npm start`'s insecure mode (see realmAllowed). */
export async function dockerLogin(http: RegistryHttp, base: URL, login: Login, isLoopback?: (host: string) => boolean): Promise<CheckResult> {
  if (login.username === '<token>') return result('unsupported', 'identity tokens are not checked');
  const basic = `Basic ${Buffer.from(`${login.username ?? ''}:${login.password}`, 'utf8').toString('base64')}`;
  try {
    const first = await http.get(base, {});
    if (first.status === 200) return result('unsupported', 'registry asks for no login');
    if (first.status !== 401) return unexpected('registry', first.status);
    const challenge = parseChallenge(first.headers['www-authenticate'] ?? '');
    if (challenge?.scheme === 'basic') return answer(await http.get(base, { authorization: basic }), 'registry');
    if (challenge?.scheme !== 'bearer' || !challenge.params['realm']) return result('unsupported', 'registry asks for an unknown login scheme');
    let realm: URL;
    try {
      realm = new URL(challenge.params['realm']);
    } catch {
      return result('unsupported', 'registry names an invalid token realm');
    }
    if (!realmAllowed(base, realm, isLoopback)) {
      return result('unsupported', realm.protocol === 'https:' ? 'registry names a token realm off its own domain' : 'registry names a token realm without https');
    }
    if (challenge.params['service']) realm.searchParams.set('service', challenge.params['service']);
    realm.searchParams.set('offline_token', 'true');
    realm.searchParams.set('client_id', loginClientId);
    const issued = await http.get(realm, { authorization: basic });
    if (issued.status !== 200) return answer(issued, 'token service');
    const token = tokenOf(issued.body);
    if (!token) return result('unsupported', 'token service answered without a token');
    return answer(await http.get(base, { authorization: `Bearer ${token}` }), 'registry with the token');
  } catch (error) {
    if (error instanceof RegistryRequestError) return result('unreachable', error.detail);
    throw error;
  }
}

function answer(reply: RegistryReply, who: string): CheckResult {
  if (reply.status === 200) return result('valid', `${who} accepted the login`);
  if (reply.status === 401 || reply.status === 403) return result('invalid', `${who} answered ${reply.status}`);
  return unexpected(who, reply.status);
}

function unexpected(who: string, status: number): CheckResult {
  return result(status >= 500 ? 'unreachable' : 'unsupported', `${who} answered ${status}`);
}

const result = (status: CheckResult['status'], detail: string): CheckResult => ({ status, detail });

/** `Bearer realm="https://auth.example/token",service="registry.example"` -> scheme and params. */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of (match[2] ?? '').matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    if (key) params[key.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
  }
  return { scheme: (match[1] ?? '').toLowerCase(), params };
}

function tokenOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { token?: unknown; access_token?: unknown };
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    return typeof token === 'string' && token && !/[\s\u0000-\u001f]/.test(token) ? token : undefined;
  } catch {
    return undefined;
  }
}
