/**
 * Per-worker request metrics, kept as plain numbers on the hot path (a few array writes per
 * request) and turned into a `WorkerStatsSnapshot` for the heartbeat. prom-client's own
 * Histogram costs about 1 µs per observe (measured here): several percent of a hello-world
 * request, so the Prometheus objects live in the master only.
 */
import type { RequestRecord } from '../http/types.js';
import {
  DURATION_BUCKETS,
  QUEUE_BUCKETS,
  statusClass,
  type HistogramSnapshot,
  type StatusClass,
  type WorkerStatsSnapshot,
} from '../ipc/stats-snapshot.js';

class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sum += value;
  }

  snapshot(): HistogramSnapshot {
    return { counts: [...this.#counts], sum: this.#sum };
  }
}

export class WorkerStats {
  readonly #duration = new Map<StatusClass, Histogram>();
  readonly #queue = new Histogram(QUEUE_BUCKETS);
  readonly #upstreamQueue = new Histogram(QUEUE_BUCKETS);
  #shed = 0;
  readonly #rejections = new Map<string, number>();
  #aborted = 0;
  #inFlight = 0;
  #busyMs = 0;
  /** performance.now() when in-flight went from 0 to 1. */
  #busySince = 0;

  /** The app got a request (called from the worker's handler wrapper). */
  started(): void {
    const now = performance.now();
    if (this.#inFlight++ === 0) this.#busySince = now;
  }

  /** The engine reported a request done (once per started request). */
  done(rec: RequestRecord): void {
    const now = performance.now();
    const seconds = Number(rec.durationNs) / 1e9;
    if (this.#inFlight > 0 && --this.#inFlight === 0) this.#busyMs += now - this.#busySince;
    if (!rec.completed) {
      this.#aborted++;
      return;
    }
    const cls = statusClass(rec.res.statusCode);
    let h = this.#duration.get(cls);
    if (h === undefined) this.#duration.set(cls, (h = new Histogram(DURATION_BUCKETS)));
    h.observe(seconds);
  }

  /** A request reached dispatch (engine onQueueWait): how long it waited, and whether it was shed. */
  queued(localMs: number, upstreamMs: number | undefined, shed: boolean): void {
    this.#queue.observe(localMs > 0 ? localMs / 1000 : 0);
    if (upstreamMs !== undefined) this.#upstreamQueue.observe(upstreamMs / 1000);
    if (shed) {
      this.#shed++;
      this.started(); // the app never sees it, but done() will count it out like any other
    }
  }

  /** The engine refused a request before the app saw it. */
  rejected(status: number, reason: string): void {
    const key = `${status} ${reason}`;
    this.#rejections.set(key, (this.#rejections.get(key) ?? 0) + 1);
  }

  /** `upgraded`: the engine's open upgraded sockets right now. */
  snapshot(rss: number, upgraded: number): WorkerStatsSnapshot {
    const now = performance.now();
    const duration: Partial<Record<StatusClass, HistogramSnapshot>> = {};
    for (const [cls, h] of this.#duration) duration[cls] = h.snapshot();
    return {
      rss,
      inFlight: this.#inFlight,
      upgraded,
      busyMs: this.#busyMs + (this.#inFlight > 0 ? now - this.#busySince : 0),
      duration,
      aborted: this.#aborted,
      queue: this.#queue.snapshot(),
      upstreamQueue: this.#upstreamQueue.snapshot(),
      shed: this.#shed,
      rejections: Object.fromEntries(this.#rejections),
    };
  }
}
