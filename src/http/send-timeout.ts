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

interface Progress {
  sent: number;
  queued: number;
  since: number;
}

function queuedInLibuv(socket: Socket): number {
  return (socket as unknown as { _handle?: { writeQueueSize?: number } | null })._handle?.writeQueueSize ?? 0;
}

export class SendWatch {
  readonly #ms: number;
  readonly #onTimeout: (remoteAddress: string) => void;
  readonly #sockets = new Map<Socket, Progress>();

  constructor(ms: number, onTimeout: (remoteAddress: string) => void) {
    this.#ms = ms;
    this.#onTimeout = onTimeout;
  }

  add(socket: Socket): void {
    this.#sockets.set(socket, { sent: 0, queued: 0, since: Date.now() });
    socket.once('close', () => this.#sockets.delete(socket));
  }

  check(now: number): void {
    for (const [socket, p] of this.#sockets) {
      const pending = socket.writableLength;
      const queued = queuedInLibuv(socket);
      const sent = socket.bytesWritten - pending;
      if ((pending === 0 && queued === 0) || sent > p.sent || queued < p.queued) p.since = now;
      p.sent = sent;
      p.queued = queued;
      if (now - p.since < this.#ms || socket.destroyed) continue;
      this.#sockets.delete(socket);
      const remoteAddress = socket.remoteAddress ?? '';
      socket.destroy();
      this.#onTimeout(remoteAddress);
    }
  }
}
