/**
 * The master's ledger of worker processes (gunicorn's arbiter `WORKERS` dict and the state
 * around it): every record, the serving generation and the one a reload is building. The
 * master asks it named questions and moves records through named transitions; it never
 * scans or mutates the records itself. The pool does no I/O: stopping a worker (a message,
 * a signal) stays in the master, which gets from here the records to act on.
 *
 *   booting ──ready──▶ ready ──stop/timeout──▶ stopping ──exit──▶ exited ──reap──▶ (gone)
 *      └───────────────────────stop───────────────┘   any state ──exit──▶ exited
 *
 * A ready worker may also be `retiring` (max-requests, max-worker-memory): it serves until
 * its replacement is ready, and does not count towards the target meanwhile.
 */
import type { RetireReason } from '../ipc/messages.js';
import { BOARD_SLOTS } from '../ipc/balance-board.js';
import type { ForkedWorker } from './process-ports.js';
import { WorkerRecord, type BootFailure, type StopReason } from './worker-record.js';

export class WorkerPool {
  /** Keyed by the cluster worker id. */
  readonly #records = new Map<number, WorkerRecord>();
  #age = 0;
  #generation = 0;
  /** Generation being started by a reload, until all its workers are ready. */
  #pending: number | undefined;

  // ── Queries ───────────────────────────────────────────────────────────────────────────────

  /** The generation new workers join: the reload's while one runs, else the serving one. */
  get building(): number {
    return this.#pending ?? this.#generation;
  }

  get servingGeneration(): number {
    return this.#generation;
  }

  get reloading(): boolean {
    return this.#pending !== undefined;
  }

  /** Whether a record belongs to the generation an unfinished reload is starting. */
  isReloadWorker(r: WorkerRecord): boolean {
    return this.#pending !== undefined && r.generation === this.#pending;
  }

  /** Every process not yet seen to exit, in fork order. */
  alive(): WorkerRecord[] {
    return [...this.#records.values()].filter((r) => r.alive);
  }

  aliveCount(): number {
    let n = 0;
    for (const r of this.#records.values()) if (r.alive) n++;
    return n;
  }

  readyPids(): number[] {
    return [...this.#records.values()].filter((r) => r.state === 'ready').map((r) => r.pid);
  }

  /** The live workers of the generation being built (serving or about to). */
  buildingWorkers(): WorkerRecord[] {
    const gen = this.building;
    return this.alive().filter((r) => r.generation === gen);
  }

  /** Workers that count towards the target: building generation, not stopping, not retiring. */
  active(): WorkerRecord[] {
    return this.buildingWorkers().filter((r) => r.state !== 'stopping' && !r.retiring);
  }

  /** How many workers to fork to reach `target`. */
  shortfall(target: number): number {
    return Math.max(0, target - this.active().length);
  }

  /** Active workers beyond `target`, oldest first (the ones scale-down stops). */
  surplus(target: number): WorkerRecord[] {
    const active = this.active();
    return active.sort((a, b) => a.age - b.age).slice(0, Math.max(0, active.length - target));
  }

  /** Ready, non-retiring workers of the building generation. */
  readyCount(): number {
    return this.buildingWorkers().filter((r) => r.state === 'ready' && !r.retiring).length;
  }

  /** Retiring workers still serving: to stop once their replacements are ready. */
  replaced(): WorkerRecord[] {
    return this.buildingWorkers().filter((r) => r.retiring !== undefined && r.state === 'ready');
  }

  /** Whether any worker of `generation` ever became ready (the app loaded at least once). */
  generationServed(generation: number): boolean {
    return [...this.#records.values()].some((r) => r.generation === generation && r.readyAt !== undefined);
  }

  /** Live workers a stop must (re)ask: all not yet stopping, and for a quick stop the graceful ones too. */
  toStop(graceful: boolean): WorkerRecord[] {
    return this.alive().filter((r) => r.state !== 'stopping' || !graceful);
  }

  /** Stopping workers past their deadline (to SIGKILL). */
  overdue(now: number): WorkerRecord[] {
    return this.alive().filter((r) => r.killAt !== undefined && now >= r.killAt);
  }

  serving(): WorkerRecord[] {
    return [...this.#records.values()].filter((r) => r.state === 'ready');
  }

  /** Ready workers of the serving generation (systemd STATUS=). */
  servingReadyCount(): number {
    return this.serving().filter((r) => r.generation === this.#generation).length;
  }

  /** A live worker by pid that is not already stopping (ctl kill). */
  stoppable(pid: number): WorkerRecord | undefined {
    return this.alive().find((r) => r.pid === pid && r.state !== 'stopping');
  }

  /** Lowest balance-board slot no worker in the ledger holds (-1: board full). */
  freeSlot(): number {
    const taken = new Set([...this.#records.values()].map((r) => r.slot));
    for (let slot = 0; slot < BOARD_SLOTS; slot++) if (!taken.has(slot)) return slot;
    return -1;
  }

  // ── Transitions ───────────────────────────────────────────────────────────────────────────

  /** The age (1, 2, …) the next forked worker gets. */
  nextAge(): number {
    return ++this.#age;
  }

  /** A worker was forked: it joins the generation being built. */
  add(worker: ForkedWorker, age: number, slot: number, now: number): WorkerRecord {
    const record = new WorkerRecord(worker, age, this.building, now);
    record.slot = slot;
    this.#records.set(worker.id, record);
    return record;
  }

  /** booting → ready; false if it was not booting (a late or repeated message). */
  markReady(r: WorkerRecord, now: number): boolean {
    if (r.state !== 'booting') return false;
    r.state = 'ready';
    r.readyAt = now;
    r.lastHeartbeat = now;
    return true;
  }

  heard(r: WorkerRecord, beat: Pick<WorkerRecord, 'busy' | 'requests'> & { readonly rss: number | undefined }, now: number): void {
    r.lastHeartbeat = now;
    r.busy = beat.busy;
    r.requests = beat.requests;
    r.rss = beat.rss ?? r.rss;
  }

  /** → stopping, killed at `killAt` if still alive; returns the state it was in. */
  markStopping(r: WorkerRecord, reason: StopReason, killAt: number): WorkerRecord['state'] {
    const was = r.state;
    r.state = 'stopping';
    r.stopReason = reason;
    r.killAt = killAt;
    return was;
  }

  /**
   * A worker not ready within --timeout (killed now): → stopping with no stop reason, so its
   * exit is reaped as a boot failure (halting a first boot, retried after one).
   */
  markBootTimedOut(r: WorkerRecord, failure: BootFailure): void {
    r.bootFailure = failure;
    r.bootTimedOut = true;
    r.state = 'stopping';
  }

  /** The deadline was acted on (SIGKILL sent): do not act again. */
  clearDeadline(r: WorkerRecord): void {
    r.killAt = undefined;
  }

  /** fork() failed: there is no process, so no 'exit' will come; the record is reaped as a fork failure. */
  markForkFailed(r: WorkerRecord, message: string): void {
    r.forkError = message;
    this.markExited(r, null, null);
  }

  markExited(r: WorkerRecord, code: number | null, signal: string | null): void {
    r.state = 'exited';
    r.exitCode = code;
    r.exitSignal = signal;
  }

  /** Ask for a replacement of a ready worker; false if it is not ready or already retiring. */
  retire(r: WorkerRecord, reason: RetireReason): boolean {
    if (r.retiring || r.state !== 'ready') return false;
    r.retiring = reason;
    return true;
  }

  /** Remove and return the workers that exited since the last call (gunicorn's reap_workers). */
  reap(): WorkerRecord[] {
    const out: WorkerRecord[] = [];
    for (const [id, r] of this.#records) {
      if (r.state !== 'exited') continue;
      this.#records.delete(id);
      out.push(r);
    }
    return out;
  }

  /**
   * HUP: start a new generation. A reload in progress is superseded: its live workers are
   * returned for the master to stop.
   */
  beginReload(): { readonly generation: number; readonly superseded: WorkerRecord[] } {
    const superseded = this.#pending === undefined ? [] : this.#reloadWorkers();
    this.#pending = Math.max(this.#generation, this.#pending ?? 0) + 1;
    return { generation: this.#pending, superseded };
  }

  /** A reload's worker failed to boot: drop the reload; returns its live workers to stop. */
  abandonReload(): WorkerRecord[] {
    const workers = this.#reloadWorkers();
    this.#pending = undefined;
    return workers;
  }

  /**
   * The reload's generation is ready: it becomes the serving one. Returns the older workers to
   * stop, or undefined when no reload was pending.
   */
  completeReload(): WorkerRecord[] | undefined {
    if (this.#pending === undefined) return undefined;
    this.#generation = this.#pending;
    this.#pending = undefined;
    return this.alive().filter((r) => r.generation !== this.#generation && r.state !== 'stopping');
  }

  #reloadWorkers(): WorkerRecord[] {
    return this.alive().filter((r) => r.generation === this.#pending);
  }
}
