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
  readonly #rejections = new Map<string, number>();
  #aborted = 0;
  #inFlight = 0;
  #busyMs = 0;
  /** performance.now() when in-flight went from 0 to 1. */
  #busySince = 0;
  /** performance.now() when the app got the latest request. */
  #dispatchedAt = 0;
  /** Requests overlapped since the busy period began: `#dispatchedAt` may not be the finishing one's. */
  #overlapped = false;

  /** The app got a request (called from the worker's handler wrapper). */
  started(): void {
    const now = performance.now();
    if (this.#inFlight++ === 0) {
      this.#busySince = now;
      this.#overlapped = false;
    } else {
      this.#overlapped = true;
    }
    this.#dispatchedAt = now;
  }

  /** The engine reported a request done (once per started request). */
  done(rec: RequestRecord): void {
    const now = performance.now();
    const seconds = Number(rec.durationNs) / 1e9;
    if (this.#inFlight === 1 && !this.#overlapped) {
      // One request at a time (always so for sync workers): durationNs runs from the parsed
      // head, so the part before dispatch is the time it waited for the worker.
      const waited = seconds - (now - this.#dispatchedAt) / 1000;
      this.#queue.observe(waited > 0 ? waited : 0);
    }
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
      rejections: Object.fromEntries(this.#rejections),
    };
  }
}
