import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key an HTTP client's failures are counted under: its IPv4 address (also when it arrives
 * IPv4-mapped, `::ffff:a.b.c.d`), or the /64 of its IPv6 address, since one host commonly holds a
 * whole /64 and could otherwise take a fresh address for every few guesses.
 */
export function clientAddressKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped?.[1] !== undefined && isIPv4(mapped[1])) return mapped[1];
  const groups = ipv6Groups(remoteAddress);
  return groups === undefined ? remoteAddress : `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in hexadecimal without leading zeros. */
function ipv6Groups(address: string): string[] | undefined {
  const plain = address.replace(/%.*$/, '');
  if (!isIPv6(plain)) return undefined;
  const halves = plain.split('::');
  const [head, tail] = [halves[0] ?? '', halves[1] ?? ''].map((half) =>
    half === '' ? [] : half.split(':').flatMap(toGroups),
  );
  const missing = 8 - (head?.length ?? 0) - (tail?.length ?? 0);
  return [...(head ?? []), ...Array<string>(halves.length > 1 ? missing : 0).fill('0'), ...(tail ?? [])];
}

/** One group, or the two an embedded IPv4 address (`::ffff:1.2.3.4`) stands for. */
function toGroups(part: string): string[] {
  if (!part.includes('.')) return [parseInt(part, 16).toString(16)];
  const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
