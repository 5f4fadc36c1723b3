/**
 * `tsgun bench APP`: run the user's app under tsgun for each worker class and count, measure
 * each run with autocannon in a separate process, attribute the CPU, and recommend a setting.
 */
import { availableParallelism } from 'node:os';
import { runCommand } from '../cli/args.js';
import { benchCommand, type BenchArgs } from './args.js';
import { judge, tsgunServer, type Judged } from './case.js';
import { runAutocannon, type Measured } from './load.js';
import { recommend, type Recommendation, type SweepPoint } from './recommend.js';
import { freePort, startServer, stopAllServers, stopServersOnSignal } from './server.js';
import { fmtCpu, fmtDuration, fmtMs, fmtRps, markdownTable } from './table.js';
import type { WorkerClass } from './theory.js';
import { runWrk, wrkInstalled } from './wrk.js';

export interface BenchIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

interface BenchRow extends Measured, Judged {
  readonly workerClass: WorkerClass;
  readonly workers: number;
}

/** Server start and stop around each run, on top of warm-up and measurement. */
const RUN_OVERHEAD_S = 2;

function toPoint(row: BenchRow): SweepPoint {
  const total = row.load.requests + row.load.errors;
  return {
    workerClass: row.workerClass,
    workers: row.workers,
    rps: row.load.rps,
    p99Ms: row.load.p99Ms,
    errorRate: total > 0 ? row.load.errors / total : 1,
    limit: row.limit,
  };
}

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
      { title: 'limit' },
    ],
    rows.map((r) => [r.workerClass, String(r.workers), fmtRps(r.load.rps), fmtMs(r.load.p50Ms), fmtMs(r.load.p99Ms), String(r.load.errors), fmtCpu(r.cpu), r.limit]),
  );
}

async function sweep(args: BenchArgs, io: BenchIo, cores: number): Promise<BenchRow[]> {
  const hasWrk = wrkInstalled();
  if (!hasWrk && args.classes.includes('sync')) {
    io.stderr('note: wrk is not installed (apt-get install wrk): sync runs use autocannon, which mis-times servers that close each connection\n');
  }
  const runs = args.classes.flatMap((workerClass) => args.workers.map((workers) => ({ workerClass, workers })));
  const perRun = args.warmupS + args.durationS + RUN_OVERHEAD_S;
  io.stderr(`tsgun bench: ${runs.length} runs of ${args.durationS} s (c=${args.connections}, ${args.route}), about ${fmtDuration(runs.length * perRun)} in all\n`);
  const started = performance.now();
  const rows: BenchRow[] = [];
  for (const [i, run] of runs.entries()) {
    const elapsed = (performance.now() - started) / 1000;
    io.stderr(`[${i + 1}/${runs.length}] ${run.workerClass} ×${run.workers}  elapsed ${fmtDuration(elapsed)}, ~${fmtDuration((runs.length - i) * perRun)} left\n`);
    const port = await freePort();
    const server = await startServer(tsgunServer({ app: args.app, workers: run.workers, workerClass: run.workerClass, port, readyPath: args.route }));
    try {
      const spec = { url: `${server.url}${args.route}`, connections: args.connections, durationS: args.durationS, warmupS: args.warmupS, close: false, timeoutS: 10 };
      // Sync workers close after each response, which autocannon mishandles; wrk reconnects.
      const measured = run.workerClass === 'sync' && hasWrk ? await runWrk(spec, server.parties) : await runAutocannon(spec, server.parties);
      const judged = judge(measured, { work: 'none', handlerMs: 0, workers: run.workers, workerClass: run.workerClass, connections: args.connections, cores });
      rows.push({ ...run, ...measured, ...judged });
    } finally {
      await server.stop();
    }
  }
  return rows;
}

function describe(rec: Recommendation): string {
  const lines = [`Recommendation: -k ${rec.workerClass} -w ${rec.workers}`, `  ${rec.reason}`];
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
  stopServersOnSignal();
  try {
    const rows = await sweep(args, io, cores);
    const rec = recommend(rows.map(toPoint), cores);
    if (args.json) {
      io.stdout(`${JSON.stringify({ app: args.app, route: args.route, cores, connections: args.connections, rows, recommendation: rec }, null, 2)}\n`);
    } else {
      io.stdout(`\n${table(rows)}\n\nCPU is in % of one core over each run; ${cores} cores here. Load: autocannon, c=${args.connections}, ${args.durationS} s per run.\n\n`);
      io.stdout(describe(rec));
    }
    return 0;
  } finally {
    await stopAllServers();
  }
}
