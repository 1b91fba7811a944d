/**
 * The key per-address connection limits count under. An IPv4 client is its address; an
 * IPv6 client is its /64, the block one subscriber (one home, one phone) is handed, so a
 * flood cannot dodge the limit by walking through its own addresses.
 */
import { isIPv4, isIPv6 } from 'node:net';

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export function clientAddressKey(address: string): string {
  const mapped = V4_MAPPED.exec(address);
  if (mapped) return mapped[1];
  if (isIPv4(address) || !isIPv6(address)) return address;
  return `${ipv6Groups(address.split('%')[0]).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  // A trailing dotted IPv4 part (::ffff:0:1.2.3.4) fills two groups.
  const tailWidth = tailGroups.length + (tailGroups.at(-1)?.includes('.') ? 1 : 0);
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailWidth;
  return [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups].map((group) => (group.includes('.') ? group : Number.parseInt(group, 16).toString(16)));
}
