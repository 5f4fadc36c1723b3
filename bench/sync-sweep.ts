/**
 * Issue 12's sync sweep, side by side in one run: tsgun sync (native exclusive wait, and the
 * spare-handle fallback with TSGUN_NATIVE=0), gunicorn sync and raw node:cluster (SCHED_NONE),
 * one request per connection (`wrk -t1 -H 'Connection: close'`):
 *   - hello, c=32, N = 1, 2, 4, 8, 16: req/s, server CPU per request, context switches per request;
 *   - 10 ms blocking handler, c=2N, N = 1 … 32: efficiency = req/s ÷ (N / t), t the handler's own
 *     measured duration in that runtime (Atomics.wait in Node, time.sleep in Python), and p99.
 * Every server gets an unmeasured warm-up first (the same for all servers): V8 optimizes per
 * process, so N fresh workers each need their own warm-up requests (a cold 5 s run at N=16, or a
 * 10 ms run where each worker serves 100 requests a second, measures V8's interpreter, not the
 * accept path): warm-up + 0.75 s × N of hello-rate load, then 30 s at the measured load for 10 ms.
 * Each server is measured for several windows in a row and keeps its median one (see runSweep).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LoadSpec, Measured } from '../src/bench/load.js';
import { freePort, startServer, type RunningServer, type ServerSpec } from '../src/bench/server.js';
import { fmtMs, fmtRps, markdownTable } from '../src/bench/table.js';
import { runWrk } from '../src/bench/wrk.js';
import { HANDLERS } from './lib/cases.js';
import { schedDelta, schedTimes } from '../src/bench/schedstat.js';
import { cores } from './lib/machine.js';
import { serverSpec } from './lib/servers.js';

export type SweepPart = 'hello' | 'sleep';
export type SyncServer = 'tsgun native' | 'tsgun fallback' | 'gunicorn sync' | 'node:cluster NONE';

export interface SweepRow {
  readonly part: SweepPart;
  readonly server: SyncServer;
  readonly workers: number;
  readonly connections: number;
  readonly rps: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Server (master + workers) CPU time per request, µs. */
  readonly cpuUsPerReq: number;
  /** Master's share of one core. */
  readonly masterCores: number;
  /** Voluntary / involuntary context switches of the server processes per request. */
  readonly vcsPerReq: number;
  readonly ivcsPerReq: number;
  /**
   * Scheduler accounting per request (exact, from schedstat; absent in rows of older runs): run
   * time of the server's main threads and of its other threads (V8's compiler and GC helpers),
   * time its main threads were runnable but waiting for a core, and the machine's idle share.
   */
  readonly mainRunUs?: number;
  readonly otherRunUs?: number;
  readonly waitUs?: number;
  readonly idle?: number;
}

export const HELLO_N = [1, 2, 4, 8, 16] as const;
export const SLEEP_N = [1, 2, 4, 8, 16, 32] as const;

function spec(server: SyncServer, part: SweepPart, workers: number, port: number): ServerSpec {
  const handler = part === 'hello' ? 'hello' : 'sleep-blocking';
  if (server === 'gunicorn sync') return serverSpec({ server: 'gunicorn', workerClass: 'sync', workers, handler, runs: [] }, port);
  if (server === 'node:cluster NONE') return serverSpec({ server: 'cluster-none', workerClass: 'async', workers, handler, runs: [] }, port);
  const s = serverSpec({ server: 'tsgun', workerClass: 'sync', workers, handler, runs: [] }, port);
  return { ...s, env: { ...s.env, TSGUN_NATIVE: server === 'tsgun native' ? '1' : '0' } };
}

function switches(pids: readonly number[]): [number, number] {
  let v = 0;
  let iv = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      v += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      iv += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return [v, iv];
}

type Switched = Measured & {
  vcs: number;
  ivcs: number;
  mainRunUs: number;
  otherRunUs: number;
  waitUs: number;
};

/** wrk's connections: 32 for hello, 2 per worker for the 10 ms handler (every worker always has one queued). */
function connectionsFor(part: SweepPart, workers: number): number {
  return part === 'hello' ? 32 : 2 * workers;
}

function loadSpec(server: RunningServer, part: SweepPart, workers: number, durationS: number): LoadSpec {
  const connections = connectionsFor(part, workers);
  const path = part === 'hello' ? HANDLERS.hello.path : HANDLERS['sleep-blocking'].path;
  return { url: `${server.url}${path}`, connections, durationS, warmupS: 0, close: true, timeoutS: 10 };
}

/** Unmeasured load until the server's workers are warm (V8 optimizes per process). */
async function warm(server: RunningServer, part: SweepPart, workers: number, warmupS: number): Promise<void> {
  if (warmupS <= 0) return;
  const load = loadSpec(server, part, workers, 0);
  // Each of N workers needs its own share of warm-up requests, so it grows with N; the 10 ms
  // servers warm their request path with `?ms=0` (no sleep) first.
  const warmUrl = part === 'hello' ? load.url : `${server.url}/?ms=0`;
  await runWrk({ ...load, url: warmUrl, connections: 32, durationS: warmupS + 0.75 * workers }, server.parties);
  // Then the measured load itself until V8 has settled: at ~95 requests a second per worker,
  // functions of the request path keep being optimized for ~30 s (--trace-opt at N = 8; at N = 32
  // a 2 s settle measured 82-86% efficiency, a 30 s one 93%, with TurboFan at 9% then 2% of CPU).
  if (part === 'sleep') await runWrk({ ...load, durationS: SLEEP_SETTLE_S }, server.parties);
}

async function measure(server: RunningServer, part: SweepPart, workers: number, durationS: number): Promise<Switched> {
  const load = loadSpec(server, part, workers, durationS);
  const pids = (): number[] => [...(server.parties.master === undefined ? [] : [server.parties.master]), ...server.parties.workers()];
  const [v0, i0] = switches(pids());
  const s0 = schedTimes(pids());
  const m = await runWrk(load, server.parties);
  const d = schedDelta(s0, schedTimes(pids()));
  const [v1, i1] = switches(pids());
  const perReq = (ns: number): number => ns / 1000 / Math.max(1, m.load.requests);
  return {
    ...m,
    vcs: v1 - v0,
    ivcs: i1 - i0,
    mainRunUs: perReq(d.mainRunNs),
    otherRunUs: perReq(d.otherRunNs),
    waitUs: perReq(d.mainWaitNs),
  };
}

/** Seconds of the 10 ms load run unmeasured before the first measured window (see warm()). */
const SLEEP_SETTLE_S = 30;

function row(part: SweepPart, server: SyncServer, workers: number, m: Switched): SweepRow {
  const requests = Math.max(1, m.load.requests);
  const serverCores = m.cpu.master + m.cpu.workers;
  return {
    part,
    server,
    workers,
    connections: connectionsFor(part, workers),
    rps: m.load.rps,
    p99Ms: m.load.p99Ms,
    errors: m.load.errors,
    cpuUsPerReq: (serverCores * m.load.seconds * 1e6) / requests,
    masterCores: m.cpu.master,
    vcsPerReq: m.vcs / requests,
    ivcsPerReq: m.ivcs / requests,
    mainRunUs: m.mainRunUs,
    otherRunUs: m.otherRunUs,
    waitUs: m.waitUs,
    // The load run's CPU window already read the machine's busy time over exactly this window.
    idle: Math.max(0, 1 - (m.cpu.client + m.cpu.master + m.cpu.workers + m.cpu.others) / cores()),
  };
}

/** The row of the round with the median req/s (all of its figures come from that one window). */
export function medianRow(rounds: readonly SweepRow[]): SweepRow | undefined {
  const sorted = [...rounds].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * For each N and server: start it, warm it, measure `rounds` windows back to back and keep the
 * median one, stop it. Servers are not interleaved: a V8 server left idle while the others are
 * measured is cold again when its turn comes (V8's memory reducer shrinks an idle heap; after
 * 90 s idle an N = 8 server fell from 752 to 702 req/s, and to 740 with --no-memory-reducer), so
 * interleaving would measure the wake-up, not the steady state.
 */
export async function runSweep(
  part: SweepPart,
  servers: readonly SyncServer[],
  counts: readonly number[],
  durationS: number,
  warmupS: number,
  rounds: number,
  onStep: (label: string) => void,
): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const workers of counts) {
    for (const server of servers) {
      onStep(`${part} N=${workers}: ${server}`);
      let running: RunningServer | undefined;
      try {
        running = await startServer(spec(server, part, workers, await freePort()));
        await warm(running, part, workers, warmupS);
        const windows: SweepRow[] = [];
        for (let round = 0; round < rounds; round++)
          windows.push(row(part, server, workers, await measure(running, part, workers, durationS)));
        const median = medianRow(windows);
        if (median) rows.push(median);
      } catch (err) {
        process.stderr.write(`  failed: ${err instanceof Error ? err.message : String(err)}\n`);
      } finally {
        await running?.stop();
      }
    }
  }
  return rows;
}

/** The 10 ms handler's own duration in each runtime, ms (median of 100). */
export function handlerTimes(): { node: number; python: number | undefined } {
  const nodeScript = [
    'const c = new Int32Array(new SharedArrayBuffer(4)); const t = [];',
    'for (let i = 0; i < 100; i++) { const s = performance.now(); Atomics.wait(c, 0, 0, 10); t.push(performance.now() - s); }',
    't.sort((a, b) => a - b); console.log(t[50]);',
  ].join('\n');
  const pyScript = [
    'import time',
    't = []',
    'for i in range(100):',
    '    s = time.perf_counter(); time.sleep(0.01); t.append(time.perf_counter() - s)',
    't.sort(); print(t[50] * 1000)',
  ].join('\n');
  const nodeMs = spawnSync(process.execPath, ['-e', nodeScript], { encoding: 'utf8' });
  const py = spawnSync('python3', ['-c', pyScript], { encoding: 'utf8' });
  const python = py.status === 0 ? Number(py.stdout.trim()) : undefined;
  return { node: Number(nodeMs.stdout.trim()), python };
}

const runCell = (r: SweepRow): string =>
  r.mainRunUs === undefined ? '—' : `${r.mainRunUs.toFixed(0)} + ${(r.otherRunUs ?? 0).toFixed(0)}`;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const ratio = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}×`);

export function renderSweep(rows: readonly SweepRow[], times: { node: number; python: number | undefined }): string {
  const servers = [...new Set(rows.map((r) => r.server))];
  const find = (part: SweepPart, server: SyncServer, n: number): SweepRow | undefined =>
    rows.find((r) => r.part === part && r.server === server && r.workers === n);
  const out: string[] = [];
  const hello = rows.filter((r) => r.part === 'hello');
  if (hello.length > 0) {
    const ns = [...new Set(hello.map((r) => r.workers))].sort((a, b) => a - b);
    out.push('### Sync sweep: hello, one request per connection, wrk -t1 -c32', '');
    out.push(
      markdownTable(
        [
          { title: 'N' },
          { title: 'server' },
          { title: 'req/s', align: 'right' },
          { title: '÷ gunicorn', align: 'right' },
          { title: 'target' },
          { title: 'p99 ms', align: 'right' },
          { title: 'CPU µs/req', align: 'right' },
          { title: 'run µs/req main + other', align: 'right' },
          { title: 'master % core', align: 'right' },
          { title: 'vol/invol ctxsw per req' },
          { title: 'errors', align: 'right' },
        ],
        ns.flatMap((n) =>
          servers.flatMap((s) => {
            const r = find('hello', s, n);
            if (!r) return [];
            const g = find('hello', 'gunicorn sync', n);
            const target = n <= 4 ? 1.2 : 1.0;
            const rel = g ? r.rps / g.rps : undefined;
            const tgt = s.startsWith('tsgun') && rel !== undefined ? `≥ ${target}× ${rel >= target ? 'met' : '**missed**'}` : '';
            return [
              [
                String(n),
                s,
                fmtRps(r.rps),
                s === 'gunicorn sync' ? '' : ratio(rel),
                tgt,
                fmtMs(r.p99Ms),
                r.cpuUsPerReq.toFixed(0),
                runCell(r),
                (r.masterCores * 100).toFixed(1),
                `${r.vcsPerReq.toFixed(2)} / ${r.ivcsPerReq.toFixed(2)}`,
                String(r.errors),
              ],
            ];
          }),
        ),
      ),
      '',
    );
    const scaling = servers.map((s) => {
      const a = find('hello', s, 2);
      const b = find('hello', s, 16);
      return `${s} ${a && b ? ratio(b.cpuUsPerReq / a.cpuUsPerReq) : '—'}`;
    });
    out.push(`CPU per request at N=16 ÷ at N=2 (target for tsgun ≤ 1.5×): ${scaling.join(', ')}.`, '');
  }
  const sleep = rows.filter((r) => r.part === 'sleep');
  if (sleep.length > 0) {
    const ns = [...new Set(sleep.map((r) => r.workers))].sort((a, b) => a - b);
    const t = (s: SyncServer): number => (s === 'gunicorn sync' ? (times.python ?? 10) : times.node);
    const eff = (r: SweepRow): number => r.rps / (r.workers / (t(r.server) / 1000));
    out.push(
      `### Sync sweep: 10 ms blocking handler, c = 2N (handler's measured t: Node Atomics.wait ${times.node.toFixed(2)} ms, ` +
        `Python time.sleep ${times.python === undefined ? '—' : times.python.toFixed(2)} ms)`,
      '',
    );
    out.push(
      markdownTable(
        [
          { title: 'N' },
          { title: 'server' },
          { title: 'req/s', align: 'right' },
          { title: 'efficiency', align: 'right' },
          { title: 'p99 ms', align: 'right' },
          { title: 'p99 ÷ gunicorn', align: 'right' },
          { title: 'target' },
          { title: 'CPU µs/req', align: 'right' },
          { title: 'run µs/req main + other', align: 'right' },
          { title: 'wait for a core µs/req', align: 'right' },
          { title: 'machine idle', align: 'right' },
          { title: 'errors', align: 'right' },
        ],
        ns.flatMap((n) =>
          servers.flatMap((s) => {
            const r = find('sleep', s, n);
            if (!r) return [];
            const g = find('sleep', 'gunicorn sync', n);
            const p99 = g ? r.p99Ms / g.p99Ms : undefined;
            let tgt = '';
            if (s.startsWith('tsgun') && g) {
              const ok = eff(r) >= eff(g) && (n !== 32 || eff(r) >= 0.93) && (p99 ?? Infinity) <= 1.5;
              tgt = ok ? 'met' : '**missed**';
            }
            const rel = s === 'gunicorn sync' ? '' : ratio(p99);
            const run = runCell(r);
            const wait = r.waitUs === undefined ? '—' : r.waitUs.toFixed(0);
            const idle = r.idle === undefined ? '—' : pct(r.idle);
            return [
              [
                String(n),
                s,
                fmtRps(r.rps),
                pct(eff(r)),
                fmtMs(r.p99Ms),
                rel,
                tgt,
                r.cpuUsPerReq.toFixed(0),
                run,
                wait,
                idle,
                String(r.errors),
              ],
            ];
          }),
        ),
      ),
      '',
      "Target: efficiency ≥ gunicorn's at every N and ≥ 93% at N = 32; p99 ≤ 1.5× gunicorn's.",
      '',
      "A request takes the handler's t plus its run time plus its wait for a core, so efficiency ≈ t ÷ (t + run + wait):",
      'the run and wait columns (exact scheduler accounting from /proc/PID/task/*/schedstat, per request, main threads',
      'and the other threads of the server processes) say where each server loses. "CPU µs/req" is utime+stime, which',
      'the kernel samples at its tick and over-charges to processes woken by a 10 ms timer.',
      '',
    );
  }
  return out.join('\n');
}
