/**
 * The sync class's native accept path (native/accept.c): the worker listens on the sockets the
 * master sent, but they never enter libuv's epoll. While idle, the worker blocks right before
 * each libuv poll in its own epoll, where the kernel wakes one idle worker per connection
 * (EPOLLEXCLUSIVE); a busy worker is not waiting, so it takes nothing. No IPC per connection.
 */
import net from 'node:net';
import type { NativeHelper } from '../native/native.js';
import { errorMessage } from '../errors.js';
import type { Pausable } from '../worker/gates.js';

interface FdHandle {
  readonly fd?: number;
  close(): void;
}

function isFdHandle(handle: unknown): handle is FdHandle {
  const h = handle as Partial<FdHandle> | null;
  return typeof h?.close === 'function' && typeof h.fd === 'number' && h.fd >= 0;
}

export interface NativeAcceptOptions {
  readonly native: NativeHelper;
  readonly listenerCount: number;
  readonly backlog: number;
  readonly onConnection: (socket: net.Socket) => void;
  readonly onListenError: (err: Error) => void;
  readonly onAllListening: () => void;
}

export class NativeAccept implements Pausable {
  readonly #options: NativeAcceptOptions;
  /** The master's handles, kept open: their fds are the listening sockets. */
  readonly #handles: (FdHandle | undefined)[] = [];
  #started = false;
  #paused = false;
  #closed = false;

  constructor(options: NativeAcceptOptions) {
    this.#options = options;
  }

  /** Handles sent over IPC carry a descriptor; one that does not cannot take this path. */
  static usable(handle: unknown): boolean {
    return isFdHandle(handle);
  }

  attach(index: number, handle: unknown): void {
    if (!isFdHandle(handle)) return;
    if (this.#closed || this.#handles[index]) {
      handle.close(); // stopping, or a copy we did not ask for
      return;
    }
    this.#handles[index] = handle;
    const all = this.#handles.filter((h) => h !== undefined).length === this.#options.listenerCount;
    if (all && !this.#started) this.#start();
  }

  #start(): void {
    const fds = this.#handles.map((h) => h?.fd ?? -1);
    try {
      this.#options.native.acceptStart(fds, this.#options.backlog, (fd) => this.#onFd(fd));
    } catch (err) {
      this.#options.onListenError(new Error(errorMessage(err)));
      return;
    }
    this.#started = true;
    if (this.#paused) this.#options.native.acceptPause(true);
    this.#options.onAllListening();
  }

  #onFd(fd: number): void {
    const socket = new net.Socket({ fd, readable: true, writable: true });
    socket.setNoDelay(true);
    this.#options.onConnection(socket);
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    if (this.#started && !this.#closed) this.#options.native.acceptPause(true);
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#started && !this.#closed) this.#options.native.acceptPause(false);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#started) this.#options.native.acceptStop();
    for (const h of this.#handles.splice(0)) h?.close();
  }
}
