// Which addresses a registry check may connect to. Deployed, only public unicast addresses: IPv6 only
// in global unicast (2000::/3), so no IPv4-compatible (::/96), NAT64, ULA or link-local form; and no
// loopback, link-local (incl. 169.254.169.254 metadata), private, CGNAT, unspecified, multicast,
// broadcast, reserved or documentation ranges. `npm start` (insecure) also allows loopback and
// private (RFC 1918, fc00::/7) registries, never link-local.
import ipaddr from 'ipaddr.js';

export type AddressPolicy = (address: string, hostname: string) => boolean;

const globalUnicast6 = ipaddr.parseCIDR('2000::/3');

/** The address's range as ipaddr.js names it, IPv4-mapped IPv6 unwrapped; undefined when invalid or outside 2000::/3. */
function rangeOf(address: string, allowed6: ReadonlySet<string>): string | undefined {
  const canonical = address.includes(':') ? canonicalIpv6(address) : address;
  if (canonical === undefined || !ipaddr.isValid(canonical)) return undefined;
  const parsed = ipaddr.parse(canonical);
  if (parsed.kind() === 'ipv4') return parsed.range();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range();
  // Allow-list first: 2000::/3, or an exact local range; everything else (::/96 included) is out.
  if (!v6.match(globalUnicast6) && !allowed6.has(v6.range())) return undefined;
  return v6.range();
}

/**
 * RFC 5952 form by the WHATWG URL parser (as Node's sockets read it): ipaddr.js parses a dotted tail
 * as IPv4-mapped whatever precedes it (`::8.8.8.8` is `::808:808`, not `::ffff:8.8.8.8`).
 */
function canonicalIpv6(address: string): string | undefined {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

const none: ReadonlySet<string> = new Set();
const local6: ReadonlySet<string> = new Set(['loopback', 'uniqueLocal']);

export function isPublicAddress(address: string): boolean {
  return rangeOf(address, none) === 'unicast';
}

export const publicOnly: AddressPolicy = (address) => isPublicAddress(address);

const localRanges: ReadonlySet<string> = new Set(['unicast', 'loopback', 'private', 'uniqueLocal']);

/** `npm start` only: public, loopback and private addresses; never link-local, unspecified or multicast. */
export function isLocalOrPublicAddress(address: string): boolean {
  const range = rangeOf(address, local6);
  return range !== undefined && localRanges.has(range);
}

export const localOrPublic: AddressPolicy = (address) => isLocalOrPublicAddress(address);

export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  return rangeOf(bare, local6) === 'loopback';
}
