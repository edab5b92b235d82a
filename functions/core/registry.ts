// Turns the server a user types into the canonical registry key credentials are matched by.
// Rules: ../shared/reference/registries.md (docker config keys, kubelet path prefixes). Two
// spellings of one registry give one key: IPv6 literals in RFC 5952 form (`[::1]`), ports without
// leading zeros, and no `:443`, the HTTPS port docker and containerd use when none is given (so
// `docker.io:443` is `docker.io`). `:80` stays: docker reaches a registry on 80 only as an
// insecure (plain HTTP) fallback, so `host:80` need not be the registry `host` names.

export const dockerHubRegistry = 'docker.io';
const dockerHubAliases: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** A lowercased host as a registry key: Docker Hub's aliases are all `docker.io`. */
export function registryHost(host: string): string {
  return dockerHubAliases.has(host) ? dockerHubRegistry : host;
}

const maxServerLength = 255;
const maxHostLength = 253;
const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const defaultHttpsPort = 443;
// A distribution path component (lowercased first).
const pathComponent = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;

// Checked before any case mapping: `toLowerCase` maps some non-ASCII letters to ASCII ones (the
// Kelvin sign to `k`), so `\u212A8s.example.com` would name k8s.example.com. Internationalised
// names are written in their `xn--` form.
const nonAscii = /[^\x00-\x7f]/;
export const asciiOnly = 'must contain only ASCII characters (write an international name in its xn-- form)';

export type ServerParse = { readonly ok: true; readonly registry: string } | { readonly ok: false; readonly reason: string };

// add parses the same server twice (the request schema, then the use case): the last answer is kept.
let last: { readonly input: string; readonly result: ServerParse } | undefined;

// Most servers are a bare host name (`ghcr.io`, `myreg.azurecr.io`): one pattern settles those, where
// the full parse runs a dozen (add's warm bench measured it as a third of its validation). Dotted
// digits take the full parse: they must be a valid IPv4 address.
const bareHostName = /^(?=.*[a-z-])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Parses a registry server such as `us.gcr.io`, `https://index.docker.io/v1/` or `localhost:5000`. */
export function parseServer(input: string): ServerParse {
  if (last?.input === input) return last.result;
  if (nonAscii.test(input)) return fail(asciiOnly);
  const bare = input.length <= maxHostLength && bareHostName.test(input);
  const result: ServerParse = bare ? { ok: true, registry: registryHost(input.toLowerCase()) } : parseUncached(input);
  last = { input, result };
  return result;
}

function parseUncached(input: string): ServerParse {
  const server = input.trim();
  if (server.length === 0) return fail('must not be empty');
  if (server.length > maxServerLength) return fail(`must be at most ${maxServerLength} characters`);
  if (/\s/.test(server)) return fail('must not contain whitespace');
  if (/[?#]/.test(server)) return fail('must not contain a query or fragment');

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(server);
  if (scheme && !/^https?$/i.test(scheme[1] ?? '')) return fail('scheme must be http or https');
  const rest = scheme ? server.slice(scheme[0].length) : server;

  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  if (authority.includes('@')) return fail('must not contain a user name or password');

  const hostPort = parseAuthority(authority);
  if (!hostPort.ok) return hostPort;

  const components = path.split('/');
  while (components.length > 0 && components.at(-1) === '') components.pop();
  if (/^v[12]$/i.test(components.at(-1) ?? '')) components.pop();
  const lowered = components.map((c) => c.toLowerCase());
  if (lowered.some((c) => !pathComponent.test(c))) return fail('has an invalid path');

  return { ok: true, registry: [registryHost(hostPort.registry), ...lowered].join('/') };
}

function parseAuthority(authority: string): ServerParse {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  const written = (match?.[1] ?? '').toLowerCase();
  const host = written.startsWith('[') ? canonicalIpv6(written) : written;
  const port = match?.[2];
  if (host === undefined) return fail('has an invalid IPv6 address');
  if (!isHost(host)) return fail('has an invalid host name');
  if (port === undefined) return { ok: true, registry: host };
  if (!/^\d{1,8}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return fail('has an invalid port');
  return { ok: true, registry: Number(port) === defaultHttpsPort ? host : `${host}:${Number(port)}` };
}

/** `[0:0::1]` -> `[::1]` (RFC 5952, as the WHATWG URL parser serialises it); undefined if invalid. */
function canonicalIpv6(literal: string): string | undefined {
  if (!/^\[[0-9a-f:.]+\]$/.test(literal)) return undefined;
  try {
    return new URL(`http://${literal}/`).hostname;
  } catch {
    return undefined;
  }
}

function isHost(host: string): boolean {
  if (host.startsWith('[')) return true;
  if (/^[\d.]+$/.test(host)) return ipv4.test(host);
  if (host.length === 0 || host.length > maxHostLength) return false;
  return host.split('.').every((label) => dnsLabel.test(label));
}

function fail(reason: string): ServerParse {
  return { ok: false, reason };
}
