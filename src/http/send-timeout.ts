/**
 * --send-timeout: a connection whose response bytes wait with no write progress for this long
 * is destroyed (issue 13, item 8). Without it a client that sends a request and never reads
 * holds its connection slot (`--worker-connections`) and the buffered body for ever; a few such
 * clients stop an async worker from serving anyone.
 *
 * Progress is bytes leaving the process: a write completed (`bytesWritten - writableLength`
 * grew) or libuv's queue for the socket shrank (a partial write of a large chunk). The app
 * writing more is not progress. Checked by the engine's existing sweep timer, no timer per socket.
 */
import type { Socket } from 'node:net';

/** Where a connection's send progress stood at the last sweep (kept on the connection: no map, no listener per socket). */
export interface SendProgress {
  sent: number;
  queued: number;
  since: number;
}

/** What the watch needs from a connection. */
export interface SendWatched {
  readonly socket: Socket;
  sendProgress: SendProgress | null;
}

function queuedInLibuv(socket: Socket): number {
  return (socket as unknown as { _handle?: { writeQueueSize?: number } | null })._handle?.writeQueueSize ?? 0;
}

export class SendWatch {
  readonly #ms: number;
  readonly #onTimeout: (remoteAddress: string) => void;

  constructor(ms: number, onTimeout: (remoteAddress: string) => void) {
    this.#ms = ms;
    this.#onTimeout = onTimeout;
  }

  /** One sweep's look at one connection; its clock starts at the first sweep that sees it. */
  check(conn: SendWatched, now: number): void {
    const socket = conn.socket;
    if (socket.destroyed) return;
    const pending = socket.writableLength;
    const queued = queuedInLibuv(socket);
    const sent = socket.bytesWritten - pending;
    const p = (conn.sendProgress ??= { sent, queued, since: now });
    if ((pending === 0 && queued === 0) || sent > p.sent || queued < p.queued) p.since = now;
    p.sent = sent;
    p.queued = queued;
    if (now - p.since < this.#ms) return;
    const remoteAddress = socket.remoteAddress ?? '';
    socket.destroy();
    this.#onTimeout(remoteAddress);
  }
}
