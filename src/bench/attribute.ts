/**
 * Which limit a row of `tsgun bench APP` hit, judged against lines known from measurement
 * (calibrate.ts), not from knowing the handler:
 *   waiting line      N / t                one request per sync worker (or blocked event loop)
 *   cores line        cores / CPU per request (server and client, both on this machine)
 *   concurrency line  c / t                a closed-loop client never has more than c in flight
 *   client CPU line   1 / client CPU per request   (wrk -t1 and autocannon use one core)
 * plus the measured CPU of each party and, when sampled, the kernel accept backlog. Pure.
 * `efficiency` is req/s over the limit's line, or a share of one core for `master` and for
 * workers that saturated their cores below every line.
 */
import type { Calibration } from './calibrate.js';
import type { CpuSplit, Limit } from './limit.js';
import type { WorkerClass } from './theory.js';

export interface Lines {
  /** N / t; Infinity when one worker overlaps waits (async with non-blocking waits). */
  readonly waiting: number;
  readonly cores: number;
  readonly concurrency: number;
  readonly clientCpu: number;
}

export interface RowInput {
  readonly workerClass: WorkerClass;
  readonly workers: number;
  readonly connections: number;
  readonly rps: number;
  readonly cpu: CpuSplit;
  /** Mean connections waiting in the kernel accept queue during the run, when sampled. */
  readonly backlog?: number | undefined;
}

export interface Attribution {
  readonly limit: Limit;
  /** rps over the line of that limit (for master: the master's share of a core). */
  readonly efficiency: number;
  readonly lines: Lines;
  readonly reason: string;
}

/** Reaching this share of a line means that line is what binds. */
export const ON_LINE = 0.9;
/** Above this share of a line the row is not on it. */
export const ABOVE_LINE = 1.2;
/** A single-threaded process at or above this share of one core is a bottleneck. */
export const ONE_CORE_BUSY = 0.85;
/** All cores together at or above this share: the machine is full. */
export const CORES_BUSY = 0.85;

export function linesFor(cal: Calibration, workers: number, overlaps: boolean, connections: number, cores: number): Lines {
  const t = cal.serviceMs / 1000;
  const cpu = (cal.serverCpuMs + cal.clientCpuMs) / 1000;
  return {
    waiting: overlaps ? Number.POSITIVE_INFINITY : workers / t,
    cores: cpu > 0 ? cores / cpu : Number.POSITIVE_INFINITY,
    concurrency: connections / t,
    clientCpu: cal.clientCpuMs > 0 ? 1000 / cal.clientCpuMs : Number.POSITIVE_INFINITY,
  };
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const rate = (x: number): string => (Number.isFinite(x) ? `${x >= 100 ? Math.round(x) : x.toFixed(1)} req/s` : '∞');

export function attribute(row: RowInput, lines: Lines, cores: number): Attribution {
  const { cpu, rps } = row;
  const busy = cpu.client + cpu.master + cpu.workers + cpu.others;
  const queued = row.backlog !== undefined && row.backlog >= 0.5 ? `; ${row.backlog.toFixed(1)} connections queued in the kernel` : '';
  const of = (limit: Limit, line: number, text: string): Attribution => ({
    limit,
    efficiency: rps / line,
    lines,
    reason: `${pct(rps / line)} of ${text} = ${rate(line)}${queued}`,
  });
  const candidates = [
    { limit: 'workers-busy', line: lines.waiting, text: 'N/t' },
    { limit: 'client-concurrency', line: lines.concurrency, text: 'c/t' },
    { limit: 'cores', line: lines.cores, text: 'cores/CPU per request' },
  ] as const;
  const nearest = [...candidates].sort((a, b) => a.line - b.line)[0] as (typeof candidates)[number];
  // The lowest line reached explains the figure (a single-threaded client at its core first).
  // Well above a line, the line does not describe the row (a c=1 round trip overstates t for
  // trivial handlers): fall through to what saturated.
  const onLine = rps >= ON_LINE * nearest.line && rps <= ABOVE_LINE * nearest.line;
  if (onLine && !(nearest.limit === 'cores' && cpu.client >= ONE_CORE_BUSY)) {
    return of(nearest.limit, nearest.line, nearest.text);
  }
  if (cpu.client >= ONE_CORE_BUSY) {
    const reason = `load generator used ${pct(cpu.client)} of a core`;
    return { ...of('client-cpu', lines.clientCpu, '1/(client CPU per request)'), reason };
  }
  if (cpu.master >= ONE_CORE_BUSY) {
    return { limit: 'master', efficiency: cpu.master, lines, reason: `master used ${pct(cpu.master)} of a core` };
  }
  const perWorker = cpu.workers / Math.max(1, Math.min(row.workers, cores));
  if (perWorker >= ONE_CORE_BUSY && row.workers < cores) {
    return { limit: 'workers-busy', efficiency: perWorker, lines, reason: `each worker used ${pct(perWorker)} of a core${queued}` };
  }
  if (busy >= CORES_BUSY * cores) {
    const noise = cpu.others >= 0.1 ? ` (${cpu.others.toFixed(2)} outside the benchmark)` : '';
    return { ...of('cores', lines.cores, 'cores/CPU per request'), reason: `${busy.toFixed(2)} of ${cores} cores busy${noise}` };
  }
  // Nothing saturated: the nearest waiting or concurrency line, with how far below it the row stayed.
  const below =
    lines.waiting <= lines.concurrency ? of('workers-busy', lines.waiting, 'N/t') : of('client-concurrency', lines.concurrency, 'c/t');
  return { ...below, reason: `${below.reason}, ${busy.toFixed(2)} of ${cores} cores busy` };
}
