/**
 * The counters a worker sends with each heartbeat (`stats` on the heartbeat message). Values
 * are cumulative since the worker started, so a lost heartbeat loses nothing but freshness
 * and the master can keep a dead worker's last snapshot as part of the pool's totals.
 */

/** Upper bounds (seconds) of the request-duration histogram buckets; +Inf is implicit. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Upper bounds (seconds) of the queue-wait histograms (from accept / X-Request-Start to dispatch). */
export const QUEUE_BUCKETS = [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] as const;

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** One histogram: per-bucket (not cumulative) counts, the +Inf bucket last, and the sum. */
export interface HistogramSnapshot {
  readonly counts: readonly number[];
  readonly sum: number;
}

/** Faults a worker survived, counted (docs/security.md): log lines it could not write, connections cut by --send-timeout. */
export const FAULT_KINDS = ['logDropped', 'sendTimeouts'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface WorkerStatsSnapshot {
  /** Resident set size in bytes. */
  readonly rss: number;
  /** Requests handed to the app and not finished. */
  readonly inFlight: number;
  /**
   * Sockets handed to the app's 'upgrade' listeners (WebSocket) and still open: connections,
   * not requests (absent from workers that predate it, e.g. during a USR2 re-exec).
   */
  readonly upgraded?: number;
  /** Milliseconds (cumulative) with at least one request in flight. */
  readonly busyMs: number;
  /** Finished requests by response status class, with their durations. */
  readonly duration: Readonly<Partial<Record<StatusClass, HistogramSnapshot>>>;
  /** Requests whose connection closed before the response finished. */
  readonly aborted: number;
  /** Time requests waited from accept (or their parsed head, on a reused connection) until dispatch. */
  readonly queue: HistogramSnapshot;
  /** Time from a trusted proxy's X-Request-Start until dispatch (only requests that carried one). */
  readonly upstreamQueue?: HistogramSnapshot;
  /** Requests answered 503 by --max-queue-time instead of running. */
  readonly shed?: number;
  /** Requests the HTTP engine refused, keyed `STATUS reason`, e.g. `431 too-many-headers`. */
  readonly rejections: Readonly<Record<string, number>>;
  /** Absent from older workers. */
  readonly faults?: Readonly<Partial<Record<FaultKind, number>>> | undefined;
}

export function statusClass(status: number): StatusClass {
  const c = Math.floor(status / 100);
  return c <= 1 ? '1xx' : c === 2 ? '2xx' : c === 3 ? '3xx' : c === 4 ? '4xx' : '5xx';
}
