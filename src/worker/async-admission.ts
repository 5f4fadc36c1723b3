/**
 * When an async worker takes new connections: below its `--worker-connections` cap, and only
 * while no other live worker holds fewer connections than it does (least-connections, read
 * from the balance board). A worker two or more ahead of the least-loaded one also detaches its
 * listen handle, to stop a libuv accept loop that is swallowing a burst; one ahead only stops
 * polling (cheap, no IPC). A worker held back re-checks every few milliseconds.
 */
import type { BalanceBoard } from '../ipc/balance-board.js';
import type { AcceptControl } from './accept-control.js';

/** How often a worker held back by balancing looks again. */
const RECHECK_MS = 2;
/** At most one detach per this many ms for a worker one ahead (each detach costs an IPC round trip). */
const DETACH_EVERY_MS = 10;

export class AsyncAdmission {
  readonly #accept: AcceptControl;
  readonly #board: BalanceBoard | undefined;
  readonly #slot: number;
  readonly #cap: number;
  /** The worker's open-connection count (it owns the count; we only read it). */
  readonly #connections: () => number;
  #live = false;
  #recheck: NodeJS.Timeout | undefined;
  #lastDetach = 0;

  constructor(accept: AcceptControl, cap: number, connections: () => number, board: BalanceBoard | undefined, slot: number) {
    this.#accept = accept;
    this.#cap = cap;
    this.#connections = connections;
    this.#board = board;
    this.#slot = slot;
  }

  /** Listening on every socket: take part in balancing. */
  start(): void {
    this.#live = true;
    this.#publish();
  }

  /** Heartbeat: keep the board slot fresh. */
  refresh(): void {
    if (this.#live) this.#publish();
  }

  /**
   * The worker's connection count changed: a connection accepted on listener `index` (we may
   * be inside libuv's accept loop), or one closed (`index` undefined).
   */
  changed(index?: number): void {
    this.#publish();
    this.#decide(index);
  }

  /** Stopping: leave the board so nobody waits on us, and stop re-checking. */
  stop(): void {
    this.#live = false;
    clearInterval(this.#recheck);
    this.#recheck = undefined;
    this.#board?.vacate(this.#slot);
  }

  #publish(): void {
    if (this.#live) this.#board?.write(this.#slot, this.#connections());
  }

  #decide(index: number | undefined): void {
    if (!this.#live) return;
    const connections = this.#connections();
    const atCap = connections >= this.#cap;
    const least = this.#board ? this.#board.minOthers(this.#slot) : Infinity;
    const ahead = connections - least;
    if (!atCap && ahead <= 0) {
      this.#holdBack(false);
      this.#accept.resume();
      return;
    }
    if (index !== undefined && (atCap || ahead > 1 || (ahead === 1 && this.#mayDetach()))) this.#accept.detach(index);
    this.#accept.pause();
    this.#holdBack(!atCap);
  }

  #mayDetach(): boolean {
    const now = performance.now();
    if (now - this.#lastDetach < DETACH_EVERY_MS) return false;
    this.#lastDetach = now;
    return true;
  }

  #holdBack(on: boolean): void {
    if (on && !this.#recheck) {
      this.#recheck = setInterval(() => this.#decide(undefined), RECHECK_MS);
      this.#recheck.unref();
    } else if (!on && this.#recheck) {
      clearInterval(this.#recheck);
      this.#recheck = undefined;
    }
  }
}
