/**
 * The master's view of the pool's request metrics, fed by worker heartbeats.
 *
 * Why heartbeats and not prom-client's AggregatorRegistry.clusterMetrics(): that asks every
 * worker over IPC at scrape time, so a busy `sync` worker (or a hung one) stalls the scrape,
 * and a worker that exited takes its counts with it — pool counters would go backwards on
 * every restart, reload or max-requests recycle. Workers already send a heartbeat every
 * second; carrying cumulative counters on it costs nothing extra, the scrape never waits on a
 * worker, and the last snapshot of each dead worker is folded into `retired`, so pool totals
 * only grow. The price: up to one heartbeat interval (1 s) of staleness, and a worker killed
 * with SIGKILL loses what it counted since its last heartbeat.
 */
import {
  FAULT_KINDS,
  STATUS_CLASSES,
  type FaultKind,
  type HistogramSnapshot,
  type StatusClass,
  type WorkerStatsSnapshot,
} from '../ipc/stats-snapshot.js';

/** Exit reasons after which the master replaces the worker: a restart. */
export const RESTART_REASONS = ['crash', 'timeout', 'max-requests', 'memory', 'reload', 'killed'] as const;

/** Cumulative counters of one worker, or of many summed. */
export interface CounterTotals {
  /** Requests dispatched to the app (the heartbeat's `requests`), finished or aborted. */
  requests: number;
  duration: Partial<Record<StatusClass, HistogramSnapshot>>;
  aborted: number;
  queue: HistogramSnapshot | undefined;
  upstreamQueue: HistogramSnapshot | undefined;
  shed: number;
  rejections: Record<string, number>;
  /** Log lines dropped, connections cut by --send-timeout (docs/security.md). */
  faults: Record<FaultKind, number>;
}

interface Sample {
  readonly at: number;
  readonly requests: number;
  readonly connections: number;
  readonly stats: WorkerStatsSnapshot | undefined;
}

interface LiveWorker {
  last: Sample | undefined;
  prev: Sample | undefined;
}

export interface WorkerRates {
  readonly requestsPerSecond: number | null;
  readonly busyRatio: number | null;
}

export function emptyTotals(): CounterTotals {
  return {
    requests: 0,
    duration: {},
    aborted: 0,
    queue: undefined,
    upstreamQueue: undefined,
    shed: 0,
    rejections: {},
    faults: { logDropped: 0, sendTimeouts: 0 },
  };
}

function addHistogram(into: HistogramSnapshot | undefined, h: HistogramSnapshot): HistogramSnapshot {
  if (into === undefined) return { counts: [...h.counts], sum: h.sum };
  return { counts: into.counts.map((c, i) => c + (h.counts[i] ?? 0)), sum: into.sum + h.sum };
}

/** Adds one worker's cumulative counters into `into`. */
export function addInto(into: CounterTotals, requests: number, stats: WorkerStatsSnapshot | undefined): void {
  into.requests += requests;
  if (stats === undefined) return;
  for (const cls of STATUS_CLASSES) {
    const h = stats.duration[cls];
    if (h !== undefined) into.duration[cls] = addHistogram(into.duration[cls], h);
  }
  into.aborted += stats.aborted;
  into.queue = addHistogram(into.queue, stats.queue);
  if (stats.upstreamQueue !== undefined) into.upstreamQueue = addHistogram(into.upstreamQueue, stats.upstreamQueue);
  into.shed += stats.shed ?? 0;
  for (const [key, n] of Object.entries(stats.rejections)) into.rejections[key] = (into.rejections[key] ?? 0) + n;
  for (const kind of FAULT_KINDS) into.faults[kind] += stats.faults?.[kind] ?? 0;
}

export function histogramCount(h: HistogramSnapshot | undefined): number {
  return h === undefined ? 0 : h.counts.reduce((a, b) => a + b, 0);
}

export class PoolMetrics {
  readonly #live = new Map<number, LiveWorker>();
  /** Everything counted by workers that have exited. */
  readonly #retired: CounterTotals = emptyTotals();
  readonly #exits = new Map<string, number>();

  heartbeat(
    pid: number,
    beat: { readonly requests: number; readonly connections: number; readonly stats?: WorkerStatsSnapshot | undefined },
  ): void {
    let w = this.#live.get(pid);
    if (w === undefined) this.#live.set(pid, (w = { last: undefined, prev: undefined }));
    w.prev = w.last;
    w.last = { at: Date.now(), requests: beat.requests, connections: beat.connections, stats: beat.stats };
  }

  /** A worker exited: keep its last counters in the pool totals and count the reason. */
  exited(pid: number, reason: string): void {
    const w = this.#live.get(pid);
    this.#live.delete(pid);
    if (w?.last !== undefined) addInto(this.#retired, w.last.requests, w.last.stats);
    this.#exits.set(reason, (this.#exits.get(reason) ?? 0) + 1);
  }

  /** Open client connections of a live worker at its last heartbeat. */
  connections(pid: number): number {
    return this.#live.get(pid)?.last?.connections ?? 0;
  }

  /** Latest snapshot of a live worker. */
  latest(pid: number): WorkerStatsSnapshot | undefined {
    return this.#live.get(pid)?.last?.stats;
  }

  /** Rates over the last heartbeat interval. */
  rates(pid: number): WorkerRates {
    const w = this.#live.get(pid);
    const last = w?.last;
    const prev = w?.prev;
    if (last === undefined || prev === undefined || last.at <= prev.at) return { requestsPerSecond: null, busyRatio: null };
    const ms = last.at - prev.at;
    const busy = last.stats !== undefined && prev.stats !== undefined ? (last.stats.busyMs - prev.stats.busyMs) / ms : null;
    return {
      requestsPerSecond: ((last.requests - prev.requests) * 1000) / ms,
      busyRatio: busy === null ? null : Math.min(1, Math.max(0, busy)),
    };
  }

  /** Pids with at least one heartbeat, in the order they first reported. */
  get livePids(): number[] {
    return [...this.#live.keys()];
  }

  get retired(): Readonly<CounterTotals> {
    return this.#retired;
  }

  /** Retired plus every live worker's latest counters. */
  totals(): CounterTotals {
    const t = emptyTotals();
    addInto(t, this.#retired.requests, undefined);
    t.aborted = this.#retired.aborted;
    t.duration = { ...this.#retired.duration };
    t.queue = this.#retired.queue;
    t.upstreamQueue = this.#retired.upstreamQueue;
    t.shed = this.#retired.shed;
    t.rejections = { ...this.#retired.rejections };
    t.faults = { ...this.#retired.faults };
    for (const w of this.#live.values()) if (w.last !== undefined) addInto(t, w.last.requests, w.last.stats);
    return t;
  }

  inFlight(): number {
    let n = 0;
    for (const w of this.#live.values()) n += w.last?.stats?.inFlight ?? 0;
    return n;
  }

  exits(): ReadonlyMap<string, number> {
    return this.#exits;
  }
}
