/**
 * `tsgun bench APP`: measure what one request of the app costs (one worker, c=1: the service
 * time t and the CPU per request), run it under tsgun for each worker class and count, then
 * attribute every row to the limit it hit (attribute.ts) and recommend a setting (recommend.ts).
 */
import { availableParallelism } from 'node:os';
import { runCommand } from '../cli/args.js';
import { benchCommand, type BenchArgs } from './args.js';
import { attribute, linesFor, type Attribution } from './attribute.js';
import { BacklogSampler, type BacklogSummary } from './backlog-sampler.js';
import { calibrationFrom, type Calibration } from './calibrate.js';
import { tsgunServer } from './case.js';
import { runAutocannon, type LoadSpec, type Measured } from './load.js';
import { rssBytes } from './proc.js';
import { overlapsWaits, recommend, type Recommendation, type SweepPoint } from './recommend.js';
import { freePort, startServer, stopAllServers, stopServersOnSignal, type RunningServer } from './server.js';
import { fmtCpu, fmtDuration, fmtMs, fmtRatio, fmtRps, markdownTable } from './table.js';
import type { WorkerClass } from './theory.js';
import { runWrk, wrkInstalled } from './wrk.js';

export interface BenchIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

interface Run {
  readonly workerClass: WorkerClass;
  readonly workers: number;
}

interface MeasuredRow extends Measured, Run {
  readonly connections: number;
  readonly backlog: BacklogSummary | undefined;
  readonly rssBytesPerWorker: number | undefined;
}

export interface BenchRow extends MeasuredRow, Attribution {}

/** Server start and stop around each run, on top of warm-up and measurement. */
const RUN_OVERHEAD_S = 2;
/** Seconds of the c=1 calibration run per class. */
const CALIBRATION_S = 2;

class Clock {
  readonly #started = performance.now();
  #leftS: number;
  readonly #total: number;
  readonly #io: BenchIo;
  #done = 0;

  constructor(steps: number, totalS: number, io: BenchIo) {
    this.#total = steps;
    this.#leftS = totalS;
    this.#io = io;
  }

  step(label: string, costS: number): void {
    const elapsed = (performance.now() - this.#started) / 1000;
    const step = `[${++this.#done}/${this.#total}] ${label.padEnd(28)}`;
    this.#io.stderr(`${step} elapsed ${fmtDuration(elapsed)}, ~${fmtDuration(this.#leftS)} left\n`);
    this.#leftS = Math.max(0, this.#leftS - costS);
  }
}

function meanRss(server: RunningServer): number | undefined {
  const pids = server.parties.workers();
  const rss = pids.map(rssBytes).filter((x): x is number => x !== undefined);
  return rss.length === 0 ? undefined : rss.reduce((a, b) => a + b, 0) / rss.length;
}

function load(spec: LoadSpec, server: RunningServer, hasWrk: boolean): Promise<Measured> {
  return hasWrk ? runWrk(spec, server.parties) : runAutocannon({ ...spec, warmupS: 0 }, server.parties);
}

async function measure(
  args: BenchArgs,
  run: Run,
  connections: number,
  durationS: number,
  warmupS: number,
  hasWrk: boolean,
): Promise<MeasuredRow> {
  const port = await freePort();
  const { workers, workerClass } = run;
  const server = await startServer(tsgunServer({ app: args.app, workers, workerClass, port, readyPath: args.route }));
  try {
    const spec: LoadSpec = { url: `${server.url}${args.route}`, connections, durationS, warmupS, close: false, timeoutS: 10 };
    // An unmeasured run first, so the JIT's first compilations are not billed to the requests.
    if (warmupS > 0) await load({ ...spec, durationS: warmupS }, server, hasWrk);
    const sampler = new BacklogSampler(port);
    // wrk for both classes when installed: it reconnects after the sync class's close and spends
    // far less CPU per request than autocannon, which mis-times servers that close.
    const measured = await load(spec, server, hasWrk);
    const backlog = sampler.stop();
    return { ...run, ...measured, connections, backlog, rssBytesPerWorker: meanRss(server) };
  } finally {
    await server.stop();
  }
}

function toPoint(row: BenchRow): SweepPoint {
  const total = row.load.requests + row.load.errors;
  return {
    workerClass: row.workerClass,
    workers: row.workers,
    rps: row.load.rps,
    p99Ms: row.load.p99Ms,
    errorRate: total > 0 ? row.load.errors / total : 1,
    limit: row.limit,
    efficiency: row.efficiency,
    rssBytesPerWorker: row.rssBytesPerWorker,
  };
}

/** Attribution of measured rows, given the calibrations: pure, so recorded runs can be replayed. */
export function attributeRows(
  rows: readonly MeasuredRow[],
  calibrations: Readonly<Partial<Record<WorkerClass, Calibration>>>,
  cores: number,
  connections: number,
): BenchRow[] {
  const asPoints = rows.map((r) => ({
    workerClass: r.workerClass,
    workers: r.workers,
    rps: r.load.rps,
    p99Ms: r.load.p99Ms,
    errorRate: 0,
    limit: 'other' as const,
  }));
  const overlaps = overlapsWaits(asPoints, calibrations.async, connections);
  return rows.map((r) => {
    const cal = calibrations[r.workerClass] ?? calibrations.sync ?? calibrations.async;
    if (!cal) {
      const lines = { waiting: 0, cores: 0, concurrency: 0, clientCpu: 0 };
      return { ...r, limit: 'other', efficiency: 0, lines, reason: 'no calibration' };
    }
    const lines = linesFor(cal, r.workers, overlaps && r.workerClass === 'async', r.connections, cores);
    return { ...r, ...attribute({ ...r, rps: r.load.rps, backlog: r.backlog?.mean }, lines, cores) };
  });
}

export function benchRecommendation(
  rows: readonly BenchRow[],
  calibrations: Readonly<Partial<Record<WorkerClass, Calibration>>>,
  cores: number,
  connections: number,
): Recommendation {
  return recommend({ points: rows.map(toPoint), calibrations, cores, connections });
}

const line = (x: number): string => (Number.isFinite(x) ? fmtRps(x) : '∞');

function table(rows: readonly BenchRow[]): string {
  return markdownTable(
    [
      { title: 'class' },
      { title: 'workers', align: 'right' },
      { title: 'req/s', align: 'right' },
      { title: 'p50 ms', align: 'right' },
      { title: 'p99 ms', align: 'right' },
      { title: 'errors', align: 'right' },
      { title: 'CPU % client/master/workers/others' },
      { title: 'backlog', align: 'right' },
      { title: 'N/t', align: 'right' },
      { title: 'cores line', align: 'right' },
      { title: 'c/t', align: 'right' },
      { title: 'limit' },
      { title: 'of line', align: 'right' },
    ],
    rows.map((r) => [
      r.workerClass,
      String(r.workers),
      fmtRps(r.load.rps),
      fmtMs(r.load.p50Ms),
      fmtMs(r.load.p99Ms),
      String(r.load.errors),
      fmtCpu(r.cpu),
      r.backlog === undefined ? '—' : r.backlog.mean.toFixed(1),
      line(r.lines.waiting),
      line(r.lines.cores),
      line(r.lines.concurrency),
      r.limit,
      r.limit === 'master' ? '—' : fmtRatio(r.efficiency),
    ]),
  );
}

function describeCalibration(c: Calibration): string {
  const us = (x: number): string => `${Math.round(x * 1000)} µs`;
  const cpu = `CPU per request: server ${us(c.serverCpuMs)}, client ${us(c.clientCpuMs)}`;
  return `  ${c.workerClass.padEnd(5)} ×1, c=1: t = ${fmtMs(c.serviceMs)} ms per request; ${cpu} (${c.requests} requests)\n`;
}

function describe(rec: Recommendation): string {
  const lines = [`Recommendation: -k ${rec.workerClass} -w ${rec.workers}  (${rec.shape})`, `  ${rec.reason}`];
  for (const c of rec.caveats) lines.push(`  Note: ${c}.`);
  return `${lines.join('\n')}\n`;
}

export async function runBenchCommand(argv: readonly string[], io: BenchIo, version: string): Promise<number> {
  const parsed = await runCommand(benchCommand, argv, version);
  if (parsed.kind !== 'parsed') {
    io.stdout(parsed.output.endsWith('\n') ? parsed.output : `${parsed.output}\n`);
    return 0;
  }
  const args = parsed.value;
  const cores = availableParallelism();
  const hasWrk = wrkInstalled();
  if (!hasWrk) {
    io.stderr('note: wrk is not installed (apt-get install wrk): autocannon is used, which mis-times servers that close each connection\n');
  }
  stopServersOnSignal();
  const runs = args.classes.flatMap((workerClass) => args.workers.map((workers) => ({ workerClass, workers })));
  const calibrationS = Math.min(CALIBRATION_S, args.durationS);
  const perRun = Math.ceil(args.warmupS) + args.durationS + RUN_OVERHEAD_S;
  const perCalibration = Math.ceil(args.warmupS) + calibrationS + RUN_OVERHEAD_S;
  const totalS = args.classes.length * perCalibration + runs.length * perRun;
  io.stderr(
    `tsgun bench: ${args.classes.length} calibration run(s) at c=1, then ${runs.length} runs of ${args.durationS} s ` +
      `(c=${args.connections}, ${args.route}), about ${fmtDuration(totalS)} in all\n`,
  );
  const clock = new Clock(args.classes.length + runs.length, totalS, io);
  try {
    const calibrations: Partial<Record<WorkerClass, Calibration>> = {};
    for (const workerClass of args.classes) {
      clock.step(`calibrate ${workerClass} ×1 c=1`, perCalibration);
      const m = await measure(args, { workerClass, workers: 1 }, 1, calibrationS, args.warmupS, hasWrk);
      const cal = calibrationFrom(workerClass, m);
      if (cal) calibrations[workerClass] = cal;
    }
    const measured: MeasuredRow[] = [];
    for (const run of runs) {
      clock.step(`${run.workerClass} ×${run.workers}`, perRun);
      measured.push(await measure(args, run, args.connections, args.durationS, args.warmupS, hasWrk));
    }
    const rows = attributeRows(measured, calibrations, cores, args.connections);
    const rec = benchRecommendation(rows, calibrations, cores, args.connections);
    if (args.json) {
      const tool = hasWrk ? 'wrk' : 'autocannon';
      const out = { app: args.app, route: args.route, cores, connections: args.connections, tool, calibrations, rows, recommendation: rec };
      io.stdout(`${JSON.stringify(out, (_k, v: unknown) => (v === Number.POSITIVE_INFINITY ? null : v), 2)}\n`);
    } else {
      io.stdout('\nService time and CPU per request, measured (one worker, one connection):\n');
      for (const c of Object.values(calibrations)) io.stdout(describeCalibration(c));
      io.stdout(`\n${table(rows)}\n\n`);
      io.stdout(
        `CPU in % of one core over each run; ${cores} cores here; load: ${hasWrk ? 'wrk -t1' : 'autocannon'}, c=${args.connections}, ` +
          `${args.durationS} s per run. backlog = mean connections waiting in the kernel accept queue. Lines: N/t (one request per ` +
          `worker), cores/CPU per request (client's CPU included), c/t (the client's connections); ` +
          `"of line" = req/s over the line of the limit.\n\n`,
      );
      io.stdout(describe(rec));
    }
    return 0;
  } finally {
    await stopAllServers();
  }
}
