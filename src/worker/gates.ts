/**
 * Worker classes as request gates (see src/http/types.ts RequestGate).
 *
 * `sync`: one request at a time per worker, gunicorn's semantics. While a request runs the
 * worker stops accepting, so the kernel leaves new connections to idle workers; requests
 * that arrive meanwhile on connections this worker already holds wait their turn here.
 * `async`: every parsed request runs at once; the connection cap lives in the worker.
 */
import type { RequestGate } from '../http/types.js';

/** What a sync gate switches while a request runs: the worker's accepting. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

export class SyncGate implements RequestGate {
  readonly #accept: Pausable;
  readonly #waiting: (() => void)[] = [];
  #busy = false;

  constructor(accept: Pausable) {
    this.#accept = accept;
  }

  get busy(): boolean {
    return this.#busy;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  enter(run: () => void): void {
    if (this.#busy) {
      this.#waiting.push(run);
      return;
    }
    this.#busy = true;
    this.#accept.pause();
    run();
  }

  leave(): void {
    const next = this.#waiting.shift();
    if (next) {
      next();
      return;
    }
    this.#busy = false;
    this.#accept.resume();
  }
}

export class AsyncGate implements RequestGate {
  enter(run: () => void): void {
    run();
  }

  leave(): void {}
}
