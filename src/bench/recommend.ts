/**
 * From a measured sweep (calibration at c=1, then rows over worker counts and classes) the
 * shape of the app and a worker count and class to run with, and why. Pure: figures in, a
 * recommendation out; unit-tested on recorded runs of each shape (test/unit/bench/recorded/).
 *
 * Shapes, from the calibration (t = service time at c=1, s = server CPU per request):
 *   trivial             t < 1 ms: the cores and the client decide; keep-alive matters most
 *   cpu-bound           s ≥ t/2: workers = cores
 *   non-blocking-waits  an async worker served well above N/t: it overlaps waits → async
 *   blocking-waits      otherwise: sync, more workers until the cores line (or memory) binds
 */
import type { Calibration } from './calibrate.js';
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
  /** rps over the line of `limit` (attribute.ts). */
  readonly efficiency?: number | undefined;
  /** Mean resident memory per worker, when sampled. */
  readonly rssBytesPerWorker?: number | undefined;
}

export type Shape = 'trivial' | 'cpu-bound' | 'non-blocking-waits' | 'blocking-waits';

export interface RecommendInput {
  readonly points: readonly SweepPoint[];
  readonly calibrations: Readonly<Partial<Record<WorkerClass, Calibration>>>;
  readonly cores: number;
  readonly connections: number;
}

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
/** Below this service time at c=1 a handler does nothing worth a line of its own. */
export const TRIVIAL_MS = 1;
/** Server CPU per request at or above this share of t: the handler computes. */
export const CPU_SHARE = 0.5;
/** A sync row at or above this share of N/t still scales with workers. */
export const STILL_SCALING = 0.8;
/** Recommend up to this share of the worker count where N/t meets the cores line (headroom). */
export const CORES_HEADROOM = 0.8;
const MAX_ERROR_RATE = 0.01;

const rps = (x: number): string => `${Math.round(x)} req/s`;
const ms = (x: number): string => (x < 1 ? `${Math.round(x * 1000)} µs` : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`);
const pct = (x: number | undefined): string => (x === undefined ? '' : ` (${Math.round(x * 100)}%)`);

function calibrationOf(input: RecommendInput): Calibration | undefined {
  return input.calibrations.sync ?? input.calibrations.async;
}

/** Async rows serving clearly above their own N/t: one worker overlaps waiting requests. */
export function overlapsWaits(points: readonly SweepPoint[], asyncCal: Calibration | undefined, connections: number): boolean {
  if (!asyncCal) return false;
  const ownLine = (workers: number): number => (workers * 1000) / asyncCal.serviceMs;
  return points.some((p) => p.workerClass === 'async' && p.workers < connections && p.rps >= CLEAR_GAIN * ownLine(p.workers));
}

export function shapeOf(input: RecommendInput, points: readonly SweepPoint[]): Shape {
  const cal = calibrationOf(input);
  const fastest = Math.min(...Object.values(input.calibrations).map((c) => c.serviceMs));
  if (cal === undefined || fastest < TRIVIAL_MS) return 'trivial';
  if (cal.serverCpuMs >= CPU_SHARE * cal.serviceMs) return 'cpu-bound';
  if (overlapsWaits(points, input.calibrations.async, input.connections)) return 'non-blocking-waits';
  return 'blocking-waits';
}

function byClass(points: readonly SweepPoint[], cls: WorkerClass): SweepPoint[] {
  return points.filter((p) => p.workerClass === cls).sort((a, b) => a.workers - b.workers);
}

/** The point of `cls` with the most workers ≤ n. */
function atOrBelow(points: readonly SweepPoint[], cls: WorkerClass, n: number): SweepPoint | undefined {
  return byClass(points, cls)
    .filter((p) => p.workers <= n)
    .at(-1);
}

/** The fewest workers within NEAR_BEST of the best throughput. */
function fewestNearBest(points: readonly SweepPoint[]): SweepPoint | undefined {
  const top = Math.max(...points.map((p) => p.rps));
  return points.filter((p) => p.rps >= NEAR_BEST * top).sort((a, b) => a.workers - b.workers || a.p99Ms - b.p99Ms)[0];
}

function memoryNote(points: readonly SweepPoint[]): string {
  const rss = points.map((p) => p.rssBytesPerWorker).filter((x): x is number => x !== undefined && x > 0);
  if (rss.length === 0) return '';
  return ` Each worker holds about ${Math.round(rss.reduce((a, b) => a + b, 0) / rss.length / 2 ** 20)} MB.`;
}

function row(p: SweepPoint | undefined): string {
  return p === undefined ? 'not run' : `${p.workerClass} ×${p.workers} ${rps(p.rps)}, p99 ${ms(p.p99Ms)}`;
}

export function recommend(input: RecommendInput): Recommendation {
  const { cores } = input;
  const points = input.points.filter((p) => p.errorRate <= MAX_ERROR_RATE && p.rps > 0);
  const caveats: string[] = [];
  if (points.length < input.points.length) caveats.push(`${input.points.length - points.length} run(s) with errors above 1% were left out`);
  const cal = calibrationOf(input);
  if (points.length === 0 || cal === undefined) {
    const reason = 'no run succeeded: nothing measured; defaulting to workers = cores';
    return { workers: cores, workerClass: 'sync', shape: 'cpu-bound', reason, caveats };
  }
  const clientBound = points.filter((p) => p.limit === 'client-cpu' || p.limit === 'client-bound');
  if (clientBound.length > 0) {
    caveats.push(
      `the load generator saturated its core (${clientBound.map((p) => `${p.workerClass} ×${p.workers}`).join(', ')}): ` +
        'the server may go faster than shown; measure from another machine or with a lighter client (wrk)',
    );
  }
  const concurrencyBound = points.filter((p) => p.limit === 'client-concurrency');
  if (concurrencyBound.length > 0) {
    const n = concurrencyBound.length;
    caveats.push(`the client's ${input.connections} connections bound ${n} row(s) at c/t: more connections would show more`);
  }
  const shape = shapeOf(input, points);
  const t = cal.serviceMs;
  const s = cal.serverCpuMs;
  const measured = `t = ${ms(t)} per request at c=1, ${ms(s)} of server CPU`;
  const hasAsync = byClass(points, 'async').length > 0;
  const hasSync = byClass(points, 'sync').length > 0;

  if (shape === 'trivial') {
    const workerClass: WorkerClass = hasAsync ? 'async' : 'sync';
    const at = atOrBelow(points, workerClass, cores);
    const other = atOrBelow(points, workerClass === 'async' ? 'sync' : 'async', cores);
    if (!hasAsync) caveats.push('the async class was not tried: it keeps connections alive, which matters most for a trivial handler');
    return {
      workers: cores,
      workerClass,
      shape,
      reason:
        `Trivial handler (${measured}): the cores and the client decide, not the handler, so workers = cores. ` +
        `Keep-alive (the async class) saves a connection per request: ${row(at)}${other ? ` vs ${row(other)}` : ''}.`,
      caveats,
    };
  }

  if (shape === 'cpu-bound') {
    const workerClass: WorkerClass = hasSync ? 'sync' : 'async';
    const at = atOrBelow(points, workerClass, cores);
    const most = byClass(points, workerClass).at(-1);
    const line = (cores * 1000) / (s + cal.clientCpuMs);
    return {
      workers: cores,
      workerClass,
      shape,
      reason:
        `CPU-bound (${measured}): the cores line is cores/CPU per request = ${rps(line)} here; ` +
        `${row(at)}${pct(at?.efficiency)}; ${row(most)}: more workers than cores only queue.`,
      caveats,
    };
  }

  if (shape === 'non-blocking-waits') {
    const at = atOrBelow(points, 'async', cores) as SweepPoint;
    const syncAt = atOrBelow(points, 'sync', cores);
    return {
      workers: cores,
      workerClass: 'async',
      shape,
      reason:
        `Non-blocking waits (${measured}): one async worker overlaps waiting requests, well above its N/t ` +
        `(${row(at)}, limit ${at.limit}${pct(at.efficiency)}${syncAt ? `; ${row(syncAt)}` : ''}); ` +
        `workers = cores keep every core for the CPU part.`,
      caveats,
    };
  }

  // Blocking waits: one request per sync worker, so throughput follows N/t until the cores bind.
  const pool = hasSync ? byClass(points, 'sync') : byClass(points, 'async');
  const workerClass = (pool[0] as SweepPoint).workerClass;
  const first = pool[0] as SweepPoint;
  const most = pool.at(-1) as SweepPoint;
  const meet = (cores * t) / Math.max(s, 0.001);
  const coresLine = (cores * 1000) / Math.max(s, 0.001);
  const scaling = most.limit === 'workers-busy' && (most.efficiency ?? 0) >= STILL_SCALING;
  let workers: number;
  let where: string;
  if (scaling) {
    workers = Math.max(most.workers, Math.min(Math.floor(CORES_HEADROOM * meet), 2 * most.workers));
    where =
      `×${most.workers}, the most tried, still runs at ${Math.round((most.efficiency ?? 0) * 100)}% of N/t: ` +
      `${workers} workers${workers > most.workers ? ' (beyond what was tried: measure it)' : ''}`;
  } else {
    const pick = fewestNearBest(pool) as SweepPoint;
    workers = pick.workers;
    where = `the gain ends near ×${pick.workers} (${row(pick)}, limit ${pick.limit}): ${workers} workers`;
  }
  if (!hasAsync) caveats.push('the async class was not tried: run with --class sync,async to tell blocking from non-blocking waits');
  return {
    workers,
    workerClass,
    shape: 'blocking-waits',
    reason:
      `Blocking waits (${measured}): a worker holds one request at a time, so throughput follows N/t ` +
      `(${row(first)}; ${row(most)}); N/t meets the cores line (${rps(coresLine)} of server CPU) near N ≈ ${Math.round(meet)}, ` +
      `and a client with c connections stops at c/t. ${where}.${memoryNote(pool)}`,
    caveats,
  };
}
