/**
 * From a sweep over worker counts and classes, a worker count and class to run with, and why.
 * Pure: the sweep's figures in, a recommendation out.
 */
import type { Limit } from './limit.js';
import type { WorkerClass } from './theory.js';

export interface SweepPoint {
  readonly workerClass: WorkerClass;
  readonly workers: number;
  readonly rps: number;
  readonly p99Ms: number;
  /** Failed requests / all requests. */
  readonly errorRate: number;
  readonly limit: Limit;
}

export type Shape = 'non-blocking-waits' | 'blocking-waits' | 'cpu-bound';

export interface Recommendation {
  readonly workers: number;
  readonly workerClass: WorkerClass;
  readonly shape: Shape;
  readonly reason: string;
  readonly caveats: readonly string[];
}

/** A throughput gain this large is a shape, not noise. */
export const CLEAR_GAIN = 1.5;
/** Within this share of the best, fewer workers win (less memory, less queueing). */
export const NEAR_BEST = 0.9;
const MAX_ERROR_RATE = 0.01;

const rps = (x: number): string => `${Math.round(x)} req/s`;
const ms = (x: number): string => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

/** The point of `cls` with the most workers ≤ `n` (the one nearest n from below). */
function atOrBelow(points: readonly SweepPoint[], cls: WorkerClass, n: number): SweepPoint | undefined {
  return points
    .filter((p) => p.workerClass === cls && p.workers <= n)
    .sort((a, b) => b.workers - a.workers)[0];
}

function best(points: readonly SweepPoint[]): SweepPoint | undefined {
  return [...points].sort((a, b) => b.rps - a.rps)[0];
}

/** The fewest workers within NEAR_BEST of the best throughput. */
function fewestNearBest(points: readonly SweepPoint[]): SweepPoint | undefined {
  const top = best(points);
  if (!top) return undefined;
  return points.filter((p) => p.rps >= NEAR_BEST * top.rps).sort((a, b) => a.workers - b.workers || a.p99Ms - b.p99Ms)[0];
}

export function recommend(all: readonly SweepPoint[], cores: number): Recommendation {
  const points = all.filter((p) => p.errorRate <= MAX_ERROR_RATE && p.rps > 0);
  const caveats: string[] = [];
  if (points.length < all.length) caveats.push(`${all.length - points.length} run(s) with errors above 1% were left out`);
  if (points.length === 0) {
    return { workers: cores, workerClass: 'sync', shape: 'cpu-bound', reason: 'no run succeeded: nothing measured; defaulting to workers = cores', caveats };
  }
  const sync = points.filter((p) => p.workerClass === 'sync');
  const async = points.filter((p) => p.workerClass === 'async');
  const top = best(points) as SweepPoint;
  if (top.limit === 'client-bound') {
    caveats.push('the load generator saturated a core at the best point: the server may go faster; measure from another machine');
  }

  // Non-blocking waits: at the same worker count, the async class serves far more.
  const syncAtCores = atOrBelow(sync, 'sync', cores);
  const asyncAtCores = atOrBelow(async, 'async', cores);
  if (syncAtCores && asyncAtCores && asyncAtCores.rps >= CLEAR_GAIN * syncAtCores.rps) {
    const workers = asyncAtCores.workers;
    return {
      workers,
      workerClass: 'async',
      shape: 'non-blocking-waits',
      reason:
        `I/O-bound, non-blocking: an async worker overlaps waiting requests (async ×${workers}: ${rps(asyncAtCores.rps)} vs ` +
        `sync ×${syncAtCores.workers}: ${rps(syncAtCores.rps)}); ${workers} worker(s) = cores keep every core for the CPU part.`,
      caveats,
    };
  }

  // Blocking waits: sync throughput keeps growing past the core count (N/t).
  const pool = sync.length > 0 ? sync : async;
  const cls: WorkerClass = sync.length > 0 ? 'sync' : 'async';
  const first = [...pool].sort((a, b) => a.workers - b.workers)[0] as SweepPoint;
  const atCores = atOrBelow(pool, cls, cores) ?? first;
  const most = [...pool].sort((a, b) => b.workers - a.workers)[0] as SweepPoint;
  if (most.workers > atCores.workers && most.rps >= CLEAR_GAIN * atCores.rps) {
    const pick = fewestNearBest(pool) as SweepPoint;
    const more = pick.workers === most.workers ? ' It is the largest count tried: try more if memory and p99 allow.' : '';
    return {
      workers: pick.workers,
      workerClass: cls,
      shape: 'blocking-waits',
      reason:
        `Blocking waits: a worker serves one request at a time, so throughput follows workers / handler time ` +
        `(×${first.workers}: ${rps(first.rps)}, ×${most.workers}: ${rps(most.rps)}); ${pick.workers} workers reach ` +
        `${rps(pick.rps)}, within ${Math.round((1 - NEAR_BEST) * 100)}% of the best, p99 ${ms(pick.p99Ms)}.${more}`,
      caveats,
    };
  }

  // Flat past the cores: CPU decides; more workers only queue.
  const pick = atCores;
  return {
    workers: pick.workers,
    workerClass: cls,
    shape: 'cpu-bound',
    reason:
      `CPU-bound: ${pick.workers} worker(s) = cores reach ${rps(pick.rps)} (p99 ${ms(pick.p99Ms)}); ` +
      `×${most.workers} gives ${rps(most.rps)} (p99 ${ms(most.p99Ms)}): more only adds latency.`,
    caveats,
  };
}
