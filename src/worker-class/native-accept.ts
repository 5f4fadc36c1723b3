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

/** node's TCP stream handle (tcp_wrap): what net.Socket builds around an accepted descriptor. */
interface StreamHandle {
  open(fd: number): number;
  close(): void;
}
type StreamHandleClass = new (type: number) => StreamHandle;
/** tcp_wrap's TCPConstants.SOCKET: a connection, not a server. */
const TCP_SOCKET = 0;

/**
 * The class of the listening handles the master sent (tcp_wrap's TCP for TCP binds), to build each
 * accepted socket's handle directly: `new net.Socket({ fd })` would first guess the descriptor's
 * type (fstat, getsockopt, getsockname, ioctl) for every connection, though every one is a TCP
 * socket accepted from a TCP listener. Undefined (use `{ fd }`) for anything else: unix sockets
 * (a Pipe listener), or a node whose handle class does not construct and open as expected.
 */
export function tcpHandleClass(handle: FdHandle): StreamHandleClass | undefined {
  const ctor = (handle as object).constructor as unknown;
  if (typeof ctor !== 'function' || ctor.name !== 'TCP') return undefined;
  try {
    const probe = new (ctor as StreamHandleClass)(TCP_SOCKET);
    const ok = typeof probe.open === 'function' && typeof probe.close === 'function';
    probe.close();
    return ok ? (ctor as StreamHandleClass) : undefined;
  } catch {
    return undefined;
  }
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
  /** Per listener index: the handle class to wrap its connections in (see tcpHandleClass). */
  #classes: (StreamHandleClass | undefined)[] = [];
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
    this.#classes = this.#handles.map((h) => (h === undefined ? undefined : tcpHandleClass(h)));
    try {
      this.#options.native.acceptStart(fds, this.#options.backlog, (fd, index) => this.#onFd(fd, index));
    } catch (err) {
      this.#options.onListenError(new Error(errorMessage(err)));
      return;
    }
    this.#started = true;
    if (this.#paused) this.#options.native.acceptPause(true);
    this.#options.onAllListening();
  }

  #onFd(fd: number, index: number): void {
    const handle = this.#wrap(fd, index);
    // `handle` is how node:net's own server hands an accepted handle to a Socket (not in the typings).
    // Two literals, not a spread: this runs once per connection. TCP_NODELAY is set by the engine's Connection.
    const options = handle === null ? { fd, readable: true, writable: true } : { handle, readable: true, writable: true };
    this.#options.onConnection(new net.Socket(options as net.SocketConstructorOpts));
  }

  /** The fd in a handle of the listener's class when it opens the fd; null: let node guess (`{ fd }`). */
  #wrap(fd: number, index: number): StreamHandle | null {
    const Handle = this.#classes[index];
    if (Handle === undefined) return null;
    const handle = new Handle(TCP_SOCKET);
    if (handle.open(fd) === 0) return handle;
    handle.close();
    return null;
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
