import { isIPv4, isIPv6 } from 'node:net';

/** The 16-bit groups of a part of an IPv6 address, an embedded IPv4 address as two. */
function groupsOfPart(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((piece) => {
    if (!isIPv4(piece)) return [parseInt(piece, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
}

/** The eight 16-bit groups of an IPv6 address, `::` expanded; null when it is not one. */
function groupsOf(address: string): number[] | null {
  if (!isIPv6(address)) return null;
  const [head = '', tail] = address.split('::');
  const left = groupsOfPart(head);
  if (tail === undefined) return left;
  const right = groupsOfPart(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * Whom an address's budgets count against: an IPv4 address itself (an IPv4-mapped IPv6
 * address as its IPv4 form), and for IPv6 its /64, the block one subscriber is given, so
 * that the 2^64 addresses of one network are one client, not as many budgets.
 */
export function addressKey(address: string): string {
  // Every IPv6 address has a colon; most clients are IPv4, and isIPv6 is a long regular expression.
  if (!address.includes(':')) return address;
  const groups = groupsOf(address);
  if (!groups) return address;
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff].join('.');
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}
