import { BlockList, isIPv6 } from 'node:net';
import type { Server } from 'node:http';

export interface ConnectionLimits {
  /** Open connections one client address may hold; 0 for no bound. @default 100 */
  maxPerClient: number;
  /** Addresses or CIDR ranges never bounded: trusted proxies carry many clients' connections. */
  exempt: readonly string[];
}

// Sent on a connection over the bound, then it is closed: the client learns why, at no cost to the server.
const TOO_MANY = 'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** Bounds the connections each client address holds open at once; the connection past the bound gets 429 and is closed. */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  if (limits.maxPerClient === 0) return;
  const exempt = blockListOf(limits.exempt);
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    if (exempt.check(address, isIPv6(address) ? 'ipv6' : 'ipv4')) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxPerClient) {
      socket.end(TOO_MANY, () => socket.destroy());
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
