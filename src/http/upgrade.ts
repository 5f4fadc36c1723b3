/**
 * HTTP Upgrade (WebSocket, and whatever else an app's 'upgrade' listeners take), matching what
 * node:http does. Measured on Node 20.20 and 24 (llhttp), the rules the engine follows:
 * - A request is an upgrade when it has an `Upgrade` field (any value) and `Connection` carries
 *   the `upgrade` token; `Upgrade` alone is an ordinary request. HTTP/1.0 counts too.
 * - With an 'upgrade' listener, node:http stops parsing at the end of the head (a body, pipelined
 *   requests, the first WebSocket frames: everything after it is `head`), detaches the socket
 *   from the server (no parser listeners left, `readableFlowing = null`, `allowHalfOpen` true)
 *   and emits `(req, socket, head)` with `req.upgrade === true`. `Upgrade: h2c` is no exception:
 *   node:http hands it to the listeners like any other protocol (ws then answers 400).
 * - With no listener, the request is served as an ordinary one and node:http reads nothing more
 *   on that connection (pipelined requests behind it are never answered; it idles until the
 *   keep-alive timeout). tsgun serves it with `Connection: close` and closes: the same outcome
 *   for the client, stated.
 * - A listener that ignores the socket leaves it open: it is the app's now.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { ClientError } from './client-error.js';

/** Where upgrade requests go; the engine asks `listening()` per request, as node:http asks `listenerCount('upgrade')`. */
export interface UpgradeHandler {
  listening(): boolean;
  /** node:http's 'upgrade' event: the socket is the app's from here on. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  /**
   * Set when this worker class cannot hold upgraded sockets (sync): the request is refused
   * with this error (counted and logged like any refusal) instead of being handed over.
   */
  readonly refusal?: ClientError | undefined;
}

/** The sync class's answer to an upgrade: it cannot hold long-lived sockets (see worker/worker.ts). */
export const UPGRADE_NEEDS_ASYNC = new ClientError(501, 'upgrade-needs-async');

/** Does `Connection` carry the `upgrade` token (comma-separated, case-insensitive, OWS around)? */
function hasUpgradeToken(value: string): boolean {
  const lower = value.toLowerCase();
  let at = lower.indexOf('upgrade');
  while (at !== -1) {
    const before = lower.slice(0, at).trimEnd();
    const after = lower.slice(at + 7).trimStart();
    if ((before === '' || before.endsWith(',')) && (after === '' || after.startsWith(','))) return true;
    at = lower.indexOf('upgrade', at + 7);
  }
  return false;
}

/**
 * True when the head asks for an upgrade (llhttp's F_UPGRADE + F_CONNECTION_UPGRADE). One pass
 * over the raw list comparing name lengths first: most requests cost a few integer compares.
 */
export function isUpgradeRequest(raw: readonly string[]): boolean {
  let upgrade = false;
  let token = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 7) {
      if (name.toLowerCase() === 'upgrade') upgrade = true;
    } else if (name.length === 10 && !token && name.toLowerCase() === 'connection') {
      token = hasUpgradeToken(raw[i + 1] as string);
    }
  }
  return upgrade && token;
}
