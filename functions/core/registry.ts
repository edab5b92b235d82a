// Turns the server a user types into the canonical registry key credentials are matched by.
// Rules: ../shared/reference/registries.md (docker config keys, kubelet path prefixes).

export const dockerHubRegistry = 'docker.io';
const dockerHubAliases = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

const maxServerLength = 255;
const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv6 = /^\[[0-9a-f:.]+\]$/i;
// A distribution path component (lowercased first).
const pathComponent = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;

export type ServerParse = { readonly ok: true; readonly registry: string } | { readonly ok: false; readonly reason: string };

// add parses the same server twice (the request schema, then the use case): the last answer is kept.
let last: { readonly input: string; readonly result: ServerParse } | undefined;

/** Parses a registry server such as `us.gcr.io`, `https://index.docker.io/v1/` or `localhost:5000`. */
export function parseServer(input: string): ServerParse {
  if (last?.input === input) return last.result;
  const result = parseUncached(input);
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

  const host = dockerHubAliases.has(hostPort.registry) ? dockerHubRegistry : hostPort.registry;
  return { ok: true, registry: [host, ...lowered].join('/') };
}

function parseAuthority(authority: string): ServerParse {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  const host = (match?.[1] ?? '').toLowerCase();
  const port = match?.[2];
  if (!isHost(host)) return fail('has an invalid host name');
  if (port !== undefined && !isPort(port)) return fail('has an invalid port');
  return { ok: true, registry: port === undefined ? host : `${host}:${port}` };
}

function isHost(host: string): boolean {
  if (ipv6.test(host)) return true;
  if (/^[\d.]+$/.test(host)) return ipv4.test(host);
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => dnsLabel.test(label));
}

function isPort(port: string): boolean {
  return /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535;
}

function fail(reason: string): ServerParse {
  return { ok: false, reason };
}
