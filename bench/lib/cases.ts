/**
 * The benchmark matrix as data: handlers, servers, worker counts, connection modes and load
 * tools, for the quick and the full profile. Pure: run.ts walks it.
 */
import type { WorkKind, WorkerClass } from '../../src/bench/theory.js';

export type HandlerId = 'hello' | 'cpu' | 'sleep-blocking' | 'sleep-async' | 'io';
export type ServerKind = 'tsgun' | 'cluster-rr' | 'cluster-none' | 'single' | 'gunicorn';
export type Mode = 'keep-alive' | 'close';
export type Tool = 'autocannon' | 'wrk';

export interface Handler {
  readonly id: HandlerId;
  /** Node example served by tsgun and the Node baselines. */
  readonly app: string;
  readonly path: string;
  readonly work: WorkKind;
  readonly handlerMs: number;
  readonly connections: number;
  /** The equivalent WSGI callable in bench/baselines/wsgi_app.py (gunicorn), if any. */
  readonly wsgi: 'hello' | 'sleep' | 'cpu' | undefined;
}

export const HANDLERS: Readonly<Record<HandlerId, Handler>> = {
  hello: { id: 'hello', app: 'examples/hello.js', path: '/', work: 'none', handlerMs: 0, connections: 50, wsgi: 'hello' },
  cpu: { id: 'cpu', app: 'examples/cpu.js', path: '/?ms=10', work: 'cpu', handlerMs: 10, connections: 16, wsgi: 'cpu' },
  'sleep-blocking': {
    id: 'sleep-blocking',
    app: 'examples/sleep-blocking.js',
    path: '/?ms=10',
    work: 'wait-blocking',
    handlerMs: 10,
    connections: 32,
    wsgi: 'sleep',
  },
  // time.sleep in a gunicorn sync worker is the same thing as an async sleep in a tsgun sync worker.
  'sleep-async': {
    id: 'sleep-async',
    app: 'examples/sleep.js',
    path: '/?ms=10',
    work: 'wait-async',
    handlerMs: 10,
    connections: 32,
    wsgi: 'sleep',
  },
  io: { id: 'io', app: 'examples/sleep.js', path: '/?ms=100', work: 'wait-async', handlerMs: 100, connections: 50, wsgi: undefined },
};

export interface LoadRun {
  readonly mode: Mode;
  readonly tool: Tool;
}

/** One server start, measured by one or more load runs. */
export interface Group {
  readonly server: ServerKind;
  /** tsgun's class; the Node baselines behave like async (event loop), gunicorn like sync. */
  readonly workerClass: WorkerClass;
  readonly workers: number;
  readonly handler: HandlerId;
  readonly runs: readonly LoadRun[];
}

export interface Profile {
  readonly name: 'quick' | 'full';
  readonly durationS: number;
  readonly warmupS: number;
  readonly groups: readonly Group[];
}

const KA: LoadRun = { mode: 'keep-alive', tool: 'autocannon' };
const WRK_KA: LoadRun = { mode: 'keep-alive', tool: 'wrk' };
/**
 * Connection-per-request runs use wrk: autocannon 8 writes its next request on the connection
 * the server is closing, then reconnects twice and times stale requests (p50 ≈ 500 ms, a tenth
 * of the real rate). gunicorn's sync worker closes every connection, so it is always measured
 * with wrk too. Without wrk these fall back to autocannon, flagged in the report.
 */
const CLOSE: LoadRun = { mode: 'close', tool: 'wrk' };
/** tsgun's sync workers close after every response (as gunicorn's do): measured with wrk too. */
const SYNC_KA = WRK_KA;

function grid(
  server: ServerKind,
  workerClass: WorkerClass,
  handlers: readonly HandlerId[],
  workers: readonly number[],
  runs: readonly LoadRun[],
): Group[] {
  return handlers.flatMap((handler) => workers.map((w) => ({ server, workerClass, workers: w, handler, runs })));
}

/** The class a baseline server behaves like, for the theoretical line. */
export function baselineClass(server: ServerKind): WorkerClass {
  return server === 'gunicorn' ? 'sync' : 'async';
}

function quick(): Group[] {
  return [
    ...grid('tsgun', 'sync', ['hello'], [1], [SYNC_KA]),
    ...grid('tsgun', 'sync', ['hello'], [2], [SYNC_KA, CLOSE]),
    ...grid('tsgun', 'sync', ['cpu'], [1, 2, 4], [SYNC_KA]),
    ...grid('tsgun', 'sync', ['sleep-blocking', 'sleep-async'], [1, 2, 8], [SYNC_KA]),
    ...grid('tsgun', 'sync', ['io'], [4], [SYNC_KA]),
    ...grid('tsgun', 'async', ['hello', 'sleep-async'], [2], [KA]),
    ...grid('tsgun', 'async', ['io'], [1, 2], [KA]),
    ...grid('single', 'async', ['hello'], [1], [KA, CLOSE, WRK_KA]),
    ...grid('cluster-rr', 'async', ['hello'], [2], [KA, CLOSE, WRK_KA]),
    ...grid('cluster-none', 'async', ['hello'], [2], [KA, CLOSE]),
    ...grid('cluster-rr', 'async', ['sleep-blocking'], [4], [KA]),
    ...grid('gunicorn', 'sync', ['hello'], [2], [WRK_KA]),
    ...grid('gunicorn', 'sync', ['sleep-blocking'], [4], [WRK_KA]),
  ];
}

function full(): Group[] {
  const ws = [1, 2, 4, 8, 16];
  const both = [KA, CLOSE];
  return [
    ...grid('tsgun', 'sync', ['hello'], ws, [SYNC_KA, CLOSE]),
    ...grid('tsgun', 'async', ['hello'], ws, [KA, WRK_KA, CLOSE]),
    ...grid('tsgun', 'sync', ['cpu', 'sleep-blocking', 'sleep-async'], ws, [SYNC_KA, CLOSE]),
    ...grid('tsgun', 'async', ['cpu', 'sleep-blocking', 'sleep-async'], ws, both),
    ...grid('tsgun', 'sync', ['io'], ws, [SYNC_KA]),
    ...grid('tsgun', 'async', ['io'], ws, [KA]),
    ...grid('single', 'async', ['hello'], [1], [KA, WRK_KA, CLOSE]),
    ...grid('single', 'async', ['cpu', 'sleep-async'], [1], [KA]),
    ...grid('cluster-rr', 'async', ['hello'], [1, 2, 4], [KA, WRK_KA, CLOSE]),
    ...grid('cluster-none', 'async', ['hello'], [1, 2, 4], [KA, WRK_KA, CLOSE]),
    ...grid('cluster-rr', 'async', ['sleep-blocking', 'cpu'], ws, [KA]),
    ...grid('cluster-none', 'async', ['sleep-blocking'], ws, [KA]),
    ...grid('gunicorn', 'sync', ['hello'], [1, 2, 4], [WRK_KA, CLOSE]),
    ...grid('gunicorn', 'sync', ['sleep-blocking', 'cpu'], ws, [WRK_KA]),
  ];
}

export function profile(name: 'quick' | 'full'): Profile {
  return name === 'quick' ? { name, durationS: 1.5, warmupS: 0.3, groups: quick() } : { name, durationS: 4, warmupS: 0.5, groups: full() };
}

/** Seconds to start and stop one server, on top of the load runs (measured on a busy 2-core VM). */
export const GROUP_OVERHEAD_S = 3;

/** Bounded duration of one load run (wrk has no warm-up and whole seconds). */
export function runSeconds(p: Profile, run: LoadRun): number {
  return run.tool === 'wrk' ? Math.max(1, Math.round(p.durationS)) + 0.2 : p.warmupS + p.durationS + 0.4;
}

export function estimateSeconds(p: Profile, groups: readonly Group[] = p.groups): number {
  return groups.reduce((sum, g) => sum + GROUP_OVERHEAD_S + g.runs.reduce((s, r) => s + runSeconds(p, r), 0), 0);
}
