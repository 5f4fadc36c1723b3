/**
 * An exported, non-listening `http.Server` as the app: its 'request' listeners handle requests,
 * its 'upgrade' listeners take upgraded sockets (what `new WebSocketServer({ server })`,
 * socket.io's `new Server(httpServer)` and @hono/node-ws's `injectWebSocket(server)` attach),
 * and its `close()` tells the app the worker is stopping. Events are emitted on the server
 * itself, so every listener keeps its `this`, and listeners added later are seen.
 */
import type { Server as NetServer } from 'node:net';
import type { RequestHandler } from '../http/types.js';
import type { UpgradeHandler } from '../http/upgrade.js';

const NOT_FOUND = 'Not Found\n';

export function serverRequests(server: NetServer): RequestHandler {
  return (req, res) => {
    if (server.emit('request', req, res)) return;
    // A server with only 'upgrade' listeners: node:http would leave the request hanging until
    // the client gives up; answering is kinder and costs nothing when a listener exists.
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': NOT_FOUND.length });
    res.end(NOT_FOUND);
  };
}

export function serverUpgrades(server: NetServer): UpgradeHandler {
  return {
    listening: () => server.listenerCount('upgrade') > 0,
    upgrade: (req, socket, head) => {
      server.emit('upgrade', req, socket, head);
    },
  };
}

/**
 * `server.close()` on a server that never listened emits 'close' on the next tick (its callback
 * would get ERR_SERVER_NOT_RUNNING, so none is passed): exactly what the app sees when it closes
 * its own server under node:http, including anything a library wrapped around `close`.
 */
export function serverStopping(server: NetServer): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    server.close();
  };
}
