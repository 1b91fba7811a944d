/**
 * Entries of `trustedProxies` (HERALD_TRUSTED_PROXIES): what fastify's `trustProxy` (the
 * proxy-addr package) understands, checked at start-up so a typo is reported instead of
 * silently trusting nobody.
 */
import { isIP } from 'node:net';

/** proxy-addr's names for address ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** null when `entry` is an address, a CIDR range or a named range; otherwise what is wrong. */
export function trustedProxyProblem(entry: string): string | null {
  if (NAMED_RANGES.has(entry)) return null;
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `${JSON.stringify(entry)} is not an IP address, a CIDR range (10.0.0.0/8) or one of ${[...NAMED_RANGES].join(', ')}`;
  if (bits === undefined) return null;
  const maxBits = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bits) || Number(bits) > maxBits) return `${JSON.stringify(entry)}: the prefix length must be 0 to ${maxBits}`;
  return null;
}
