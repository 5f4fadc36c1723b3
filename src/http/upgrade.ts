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

const UPGRADE = 'upgrade';

/** `text[at, at + 7)` is `upgrade` in any case, with no allocation (names and values are latin1). */
function upgradeAt(text: string, at: number): boolean {
  for (let i = 0; i < 7; i++) if ((text.charCodeAt(at + i) | 0x20) !== UPGRADE.charCodeAt(i)) return false;
  return true;
}

/** Is `name` `lower` (all lower-case letters and `-`) in any case? */
function nameIs(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Does `Connection` carry the `upgrade` token (comma-separated, case-insensitive, OWS around)? */
function hasUpgradeToken(value: string): boolean {
  const end = value.length - 7;
  for (let at = 0; at <= end; at++) {
    if (!upgradeAt(value, at)) continue;
    let b = at - 1;
    while (b >= 0 && isOws(value.charCodeAt(b))) b--;
    let a = at + 7;
    while (a < value.length && isOws(value.charCodeAt(a))) a++;
    if ((b < 0 || value.charCodeAt(b) === 0x2c) && (a === value.length || value.charCodeAt(a) === 0x2c)) return true;
  }
  return false;
}

/**
 * True when the head asks for an upgrade (llhttp's F_UPGRADE + F_CONNECTION_UPGRADE). Most
 * requests have no `Upgrade` field, so that is looked for first (name lengths compared before
 * letters, no allocation: ~20 ns for six fields); only then is `Connection` read.
 */
export function isUpgradeRequest(raw: readonly string[]): boolean {
  let upgrade = false;
  for (let i = 0; i < raw.length && !upgrade; i += 2) {
    const name = raw[i] as string;
    upgrade = name.length === 7 && nameIs(name, UPGRADE);
  }
  if (!upgrade) return false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 10 && nameIs(name, 'connection') && hasUpgradeToken(raw[i + 1] as string)) return true;
  }
  return false;
}
