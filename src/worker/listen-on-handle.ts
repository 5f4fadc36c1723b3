/**
 * Listen on a socket handle received from the master.
 *
 * `server.listen(handle)` would do for TCP, but inside a node:cluster worker net routes a
 * unix-socket handle (or an fd) to the primary to be shared again, which is wrong here: the
 * master already shares it. So we take the same path node:cluster's own worker takes once it
 * has a handle: attach it and let `_listen2` call listen(2) on it.
 */
import type { Server } from 'node:net';

interface ListenInternals {
  _handle: unknown;
  _listen2(address: string | null, port: number, addressType: number, backlog: number): void;
}

export function listenOnHandle(server: Server, handle: unknown, backlog: number): void {
  const internals = server as unknown as ListenInternals;
  internals._handle = handle;
  internals._listen2(null, -1, -1, backlog);
}
