/**
 * Faults that must never wedge the master (issue 13, item 4):
 * - fork() fails (EAGAIN from a process limit, EMFILE, ENOMEM): Node reports it as the worker's
 *   'error' event with no pid, and no 'exit' ever follows. The record is reaped at once and the
 *   spawn retried with the crash backoff, instead of a phantom "alive" worker with pid 0.
 * - a worker never becomes ready (an app that never finishes loading): killed after --timeout,
 *   like gunicorn's arbiter kills a worker that does not notify in time, and handled as a boot
 *   failure.
 * - a stop that does not finish: TERM and INT end the master after --graceful-timeout plus a
 *   margin, whatever the workers do.
 */
import type { ForkedWorker } from './process-ports.js';
import type { Logger } from '../log/logger.js';
import type { WorkerRecord } from './worker-record.js';

/** After the graceful timeout (workers are SIGKILLed by then), how long before the master gives up and exits. */
export const STOP_MARGIN_MS = 3000;
/** Between the SIGKILL of what is left and the master's exit. */
const KILL_WAIT_MS = 2000;

export function isForkFailure(worker: ForkedWorker): boolean {
  return worker.process.pid === undefined;
}

export function isBootOverdue(r: WorkerRecord, timeoutMs: number, now: number): boolean {
  return r.state === 'booting' && timeoutMs > 0 && now - r.startedAt > timeoutMs;
}

export class StopDeadline {
  #at: number | undefined;
  #killedAt: number | undefined;

  /** A stop began (again: a quick stop after a graceful one keeps the earlier deadline). */
  begin(gracefulMs: number, now = Date.now()): void {
    const at = now + gracefulMs + STOP_MARGIN_MS;
    this.#at = this.#at === undefined ? at : Math.min(this.#at, at);
  }

  /**
   * Past the deadline: SIGKILL every worker still alive (once); true once even that has had
   * KILL_WAIT_MS, and the master should exit without waiting any longer.
   */
  overdue(records: Iterable<WorkerRecord>, log: Logger, kill: (r: WorkerRecord) => void, now = Date.now()): boolean {
    if (this.#at === undefined || now < this.#at) return false;
    if (this.#killedAt === undefined) {
      this.#killedAt = now;
      const left = [...records].filter((r) => r.alive);
      log.error(
        { workerPids: left.map((r) => r.pid) },
        'Stop deadline passed (--graceful-timeout plus margin): SIGKILL to the remaining workers',
      );
      for (const r of left) kill(r);
      return false;
    }
    return now - this.#killedAt >= KILL_WAIT_MS;
  }
}
