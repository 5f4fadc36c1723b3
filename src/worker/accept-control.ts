/**
 * Start and stop accepting on the listening sockets without closing them.
 *
 * libuv polls a listening socket through its stream watcher; `readStop()` on the listen handle
 * removes it from the poll set and `readStart()` puts it back (the watcher still calls libuv's
 * accept callback, never a read). Node has no public `server.pause()`, and closing the handle
 * would drop this process's copy of the shared socket. The handle must have been opened from
 * an fd or received over IPC (libuv then marks it readable), which is how workers get theirs.
 */
import type { Server } from 'node:net';

interface StreamHandle {
  readStart(): number;
  readStop(): number;
}

function handleOf(server: Server): StreamHandle | undefined {
  const handle = (server as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  return handle && typeof handle.readStart === 'function' && typeof handle.readStop === 'function'
    ? (handle as StreamHandle)
    : undefined;
}

export class AcceptControl {
  readonly #servers: Server[] = [];
  #paused = false;

  /** Track a listening server; its handle is put in the "reading" state so readStop works. */
  add(server: Server): void {
    this.#servers.push(server);
    const handle = handleOf(server);
    handle?.readStart();
    if (this.#paused) handle?.readStop();
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    for (const server of this.#servers) handleOf(server)?.readStop();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const server of this.#servers) handleOf(server)?.readStart();
  }

  /** Stop listening for good (graceful shutdown): closes this process's copies of the sockets. */
  close(): void {
    for (const server of this.#servers.splice(0)) server.close();
  }
}
