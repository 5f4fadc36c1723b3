/**
 * When this worker accepts connections on the shared listening sockets.
 *
 * Workers accept on the master's sockets themselves (no per-connection IPC). Two libuv facts
 * shape the rest:
 * - `readStop()` on a listen handle removes it from the poll set and `readStart()` puts it
 *   back: that is how a worker stops and resumes accepting without closing anything.
 * - Once woken, libuv's accept callback loops `accept()` until EAGAIN, even after `readStop()`
 *   (`UV_TCP_SINGLE_ACCEPT` only sleeps between turns). Only closing the handle ends the loop.
 *   A busy sync worker, or an async worker at its connection cap, would otherwise swallow a
 *   whole burst of pending connections while its siblings sit idle.
 *
 * So each listener slot holds one active handle plus spare copies of the same socket (each
 * received from the master over IPC, i.e. a dup'ed fd). `detach()` closes the active handle
 * from inside the accept callback, which stops the loop at once; `resume()` listens on a spare
 * and asks the master for another. The kernel keeps the other pending connections in the
 * shared backlog for workers that are free.
 */
import net from 'node:net';
import { listenOnHandle } from './listen-on-handle.js';

interface ListenHandle {
  readStart(): number;
  readStop(): number;
  close(): void;
}

/**
 * Spare copies kept per listener. One is enough: a sync worker detaches once per accept and the
 * master's reply (a new fd over IPC) arrives well before the worker is free again.
 */
const SPARES = 1;

function isListenHandle(handle: unknown): handle is ListenHandle {
  const h = handle as Partial<ListenHandle> | null;
  return typeof h?.readStart === 'function' && typeof h.readStop === 'function' && typeof h.close === 'function';
}

interface ServerInternals {
  _handle: ListenHandle | null;
}

function internals(server: net.Server): ServerInternals {
  return server as unknown as ServerInternals;
}

export interface AcceptControlOptions {
  readonly backlog: number;
  /** Called for each connection; `index` says which listener accepted it. */
  readonly onConnection: (socket: net.Socket, index: number) => void;
  /** Ask the master for one more copy of listener `index`'s socket. */
  readonly requestSpare: (index: number) => void;
  /** A listener failed to listen (first handle only): the worker cannot serve. */
  readonly onListenError: (index: number, err: Error) => void;
  /** Every listener is listening once. */
  readonly onAllListening: () => void;
}

class ListenerSlot {
  readonly server: net.Server;
  readonly spares: ListenHandle[] = [];
  /** Spares asked for and not yet received. */
  requested = 0;
  listenedOnce = false;

  constructor(server: net.Server) {
    this.server = server;
  }

  get active(): ListenHandle | null {
    return internals(this.server)._handle;
  }
}

export class AcceptControl {
  readonly #options: AcceptControlOptions;
  readonly #slots: ListenerSlot[] = [];
  #expected = 0;
  #paused = false;
  #closed = false;

  constructor(options: AcceptControlOptions) {
    this.#options = options;
  }

  /** How many listeners the master will send (the worker is ready when all listen). */
  expect(count: number): void {
    this.#expected = count;
  }

  /** A handle for listener `index` arrived from the master: the first one listens, later ones are spares. */
  attach(index: number, handle: unknown): void {
    if (!isListenHandle(handle)) return;
    if (this.#closed) {
      handle.close();
      return;
    }
    let slot = this.#slots[index];
    if (!slot) {
      slot = this.#newSlot(index);
      this.#slots[index] = slot;
      this.#listen(slot, handle);
      return;
    }
    if (slot.requested > 0) slot.requested--;
    slot.spares.push(handle);
    if (!slot.active && !this.#paused) this.#listenOnSpare(index, slot);
  }

  #newSlot(index: number): ListenerSlot {
    const server = net.createServer({ noDelay: true });
    server.on('connection', (socket: net.Socket) => this.#options.onConnection(socket, index));
    server.on('error', (err) => {
      const slot = this.#slots[index];
      if (slot && !slot.listenedOnce) this.#options.onListenError(index, err);
    });
    return new ListenerSlot(server);
  }

  #listen(slot: ListenerSlot, handle: ListenHandle): void {
    if (!slot.listenedOnce) {
      // listen(2) errors surface on the next tick as 'error' instead of 'listening'.
      slot.server.once('listening', () => {
        slot.listenedOnce = true;
        this.#topUp(this.#slots.indexOf(slot), slot);
        const listening = this.#slots.filter((s) => s?.listenedOnce).length;
        if (listening === this.#expected) this.#options.onAllListening();
      });
    }
    listenOnHandle(slot.server, handle, this.#options.backlog);
    // A handle received over IPC is opened "readable", so readStart/readStop toggle its polling.
    handle.readStart();
    if (this.#paused) handle.readStop();
  }

  #listenOnSpare(index: number, slot: ListenerSlot): void {
    const spare = slot.spares.shift();
    if (!spare) return;
    this.#listen(slot, spare);
    this.#topUp(index, slot);
  }

  #topUp(index: number, slot: ListenerSlot): void {
    while (slot.spares.length + slot.requested < SPARES) {
      slot.requested++;
      this.#options.requestSpare(index);
    }
  }

  /**
   * Stop listener `index` now, from inside its connection callback: closing the handle ends
   * libuv's accept loop, so no further pending connection is taken. `resume()` brings it back.
   */
  detach(index: number): void {
    const slot = this.#slots[index];
    const active = slot?.active;
    if (!slot || !active) return;
    active.close();
    internals(slot.server)._handle = null;
  }

  /** Stop polling every listener (handles stay open). */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    for (const slot of this.#slots) slot?.active?.readStop();
  }

  /** Poll every listener again; detached ones listen on a spare. */
  resume(): void {
    if (this.#closed) return;
    this.#paused = false;
    this.#slots.forEach((slot, index) => {
      if (!slot) return;
      if (slot.active) slot.active.readStart();
      else this.#listenOnSpare(index, slot);
    });
  }

  /** Stop listening for good (graceful shutdown): closes this process's copies of the sockets. */
  close(): void {
    this.#closed = true;
    for (const slot of this.#slots.splice(0)) {
      if (!slot) continue;
      if (slot.active) slot.server.close();
      for (const spare of slot.spares.splice(0)) spare.close();
    }
  }
}
