import ipaddr from 'ipaddr.js';

/**
 * What a per-client limit counts under: an IPv4 address as it is, an IPv6 address as its /64 network
 * (one host is routinely given a whole /64, so counting single addresses would hand it 2^64 budgets).
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is its IPv4 address.
 */
export function clientKeyOf(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return ip ?? 'unknown';
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const network = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${network.join(':')}::/64`;
}
