/**
 * A set of peer addresses from a settings list (`--forwarded-allow-ips`, `--proxy-allow-from`):
 * IPs, CIDR networks, or `*` for every peer. IPv4-mapped IPv6 peers (`::ffff:127.0.0.1`, what
 * a socket bound to `::` reports) match their IPv4 entries (net.BlockList does that).
 * A Unix-socket peer has no address; like gunicorn, tsgun trusts it (only local processes can
 * connect), see `peerAddress`.
 */
import { BlockList, isIP } from 'node:net';

/** Distinct peers remembered (a proxy tier is a handful; direct clients cycle through). */
const SEEN_LIMIT = 1024;

export class AddressList {
  readonly #all: boolean;
  readonly #list = new BlockList();
  readonly #empty: boolean;
  /** BlockList.check builds a SocketAddress per call (measured ~3% of a connection's CPU); peers repeat. */
  readonly #seen = new Map<string, boolean>();

  constructor(items: readonly string[]) {
    this.#all = items.includes('*');
    this.#empty = items.length === 0;
    for (const item of items) {
      if (item === '*') continue;
      const slash = item.indexOf('/');
      if (slash < 0) {
        const family = isIP(item);
        if (family !== 0) this.#list.addAddress(item, family === 4 ? 'ipv4' : 'ipv6');
        continue;
      }
      const net = item.slice(0, slash);
      const family = isIP(net);
      if (family !== 0) this.#list.addSubnet(net, Number(item.slice(slash + 1)), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** True when `address` (from `peerAddress`) is in the list; `UNIX_PEER` always is. */
  has(address: string): boolean {
    if (this.#all || address === UNIX_PEER) return true;
    if (this.#empty) return false;
    const known = this.#seen.get(address);
    if (known !== undefined) return known;
    const family = isIP(address);
    const trusted = family !== 0 && this.#list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    if (this.#seen.size >= SEEN_LIMIT) this.#seen.clear();
    this.#seen.set(address, trusted);
    return trusted;
  }
}

/** What `peerAddress` returns for a Unix-socket peer. */
export const UNIX_PEER = 'unix';

/** The socket fields `peerAddress` reads (a net.Socket has them all). */
export interface PeerFields {
  readonly remoteAddress?: string | undefined;
  readonly localAddress?: string | undefined;
  readonly destroyed?: boolean;
}

/**
 * The peer's IP, `UNIX_PEER` for a Unix-socket connection, or '' when a TCP peer's address is
 * unknown (reset before we asked, or the socket is already destroyed): never trusted. A live
 * Unix socket has neither a remote nor a local address; a live TCP socket always has a local
 * one. A destroyed socket has neither either, so it must not be taken for a Unix peer.
 */
export function peerAddress(socket: PeerFields): string {
  const remote = socket.remoteAddress;
  if (remote !== undefined) return remote;
  return socket.localAddress === undefined && socket.destroyed !== true ? UNIX_PEER : '';
}
