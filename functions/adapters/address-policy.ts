// Which addresses a registry check may connect to. Deployed, only public unicast addresses: no
// loopback, link-local (incl. 169.254.169.254 metadata), private, CGNAT, unspecified, multicast,
// broadcast, reserved or documentation ranges, and no IPv6 form that embeds an IPv4 address.
import ipaddr from 'ipaddr.js';

export type AddressPolicy = (address: string, hostname: string) => boolean;

export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

export const publicOnly: AddressPolicy = (address) => isPublicAddress(address);

/** `npm start` only: loopback and private registries too. */
export const anyAddress: AddressPolicy = (address) => ipaddr.isValid(address);

export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  return ipaddr.isValid(bare) && ipaddr.process(bare).range() === 'loopback';
}
