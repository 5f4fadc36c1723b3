/**
 * Issue 9's balance measurements: with `-k sync -w 8` and a 10 ms handler (async sleep and
 * blocking Atomics.wait), c=16 for ~10 s:
 *   - req/s vs the theoretical 8 / 0.010 = 800 (target ≥ 93%), p99 vs 4 × 10 ms;
 *   - each worker's share of requests (max/min, target ≤ 1.2×), keep-alive and Connection: close,
 *     both classes, with node:cluster RR and NONE beside for reference;
 *   - scaling: sync, w = 1, 2, 4, 8, 16, 32 at c = max(16, 2N), target ≥ 93% of N/t.
 * Shares are counted by the x-worker-pid response header: autocannon reads it through its
 * client's 'headers' event (keep-alive runs); wrk through a Lua response() counter
 * (Connection: close runs, which autocannon mishandles). Both run as separate processes.
 *
 *   npm run bench:balance [-- --quick] [--duration S] [--out DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tsgunServer } from '../src/bench/case.js';
import { runAutocannon, type LoadSpec, type Measured } from '../src/bench/load.js';
import { freePort, startServer, stopAllServers, stopServersOnSignal, type RunningServer, type ServerSpec } from '../src/bench/server.js';
import { fmtCpu, fmtDuration, fmtMs, fmtRatio, fmtRps, markdownTable } from '../src/bench/table.js';
import { theoreticalRps, type WorkKind, type WorkerClass } from '../src/bench/theory.js';
import { HANDLERS, type HandlerId } from './lib/cases.js';
import { cores, cpuModel, toolVersions } from './lib/machine.js';
import { Progress } from './lib/progress.js';
import { ROOT, serverSpec } from './lib/servers.js';
import { fmtCounts, fmtShareRatio, summarizeShares, type ShareSummary } from './lib/shares.js';
import { runWrk, wrkInstalled } from '../src/bench/wrk.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
  },
});

const DURATION = opts.duration ? Number(opts.duration) : opts.quick ? 3 : 10;
const SCALE_DURATION = opts.duration ? Number(opts.duration) : opts.quick ? 2 : 5;
const WARMUP = opts.quick ? 0.3 : 1;
const HANDLER_MS = 10;
const TARGET_EFF = 0.93;
const TARGET_SHARE = 1.2;
const HAS_WRK = wrkInstalled();

type Server = 'tsgun' | 'cluster-rr' | 'cluster-none';
type Mode = 'keep-alive' | 'close';

interface Case {
  readonly server: Server;
  readonly workerClass: WorkerClass;
  readonly handler: Extract<HandlerId, 'sleep-async' | 'sleep-blocking'>;
  readonly workers: number;
  readonly connections: number;
  readonly modes: readonly Mode[];
  readonly durationS: number;
}

interface Result {
  readonly c: Case;
  readonly mode: Mode;
  readonly tool: 'autocannon' | 'wrk';
  readonly m: Measured;
  readonly theory: number;
  readonly shares: ShareSummary;
}

const work: Record<Case['handler'], WorkKind> = { 'sleep-async': 'wait-async', 'sleep-blocking': 'wait-blocking' };

function spec(c: Case, port: number): ServerSpec {
  const h = HANDLERS[c.handler];
  if (c.server === 'tsgun')
    return tsgunServer({ app: h.app, workers: c.workers, workerClass: c.workerClass, port, readyPath: h.path, cwd: ROOT });
  return serverSpec({ server: c.server, workerClass: 'async', workers: c.workers, handler: c.handler, runs: [] }, port);
}

function label(c: Case): string {
  return c.server === 'tsgun' ? `tsgun ${c.workerClass}` : c.server === 'cluster-rr' ? 'node:cluster RR' : 'node:cluster NONE';
}

async function measure(c: Case, mode: Mode, server: RunningServer): Promise<Result> {
  const h = HANDLERS[c.handler];
  const load: LoadSpec = {
    url: `${server.url}${h.path}`,
    connections: c.connections,
    durationS: c.durationS,
    warmupS: WARMUP,
    close: mode === 'close',
    timeoutS: 10,
    countHeader: 'x-worker-pid',
  };
  // tsgun's sync workers close after every response, which autocannon mishandles: wrk for those too.
  const serverCloses = c.server === 'tsgun' && c.workerClass === 'sync';
  const useWrk = HAS_WRK && (mode === 'close' || serverCloses);
  const m = useWrk ? await runWrk(load, server.parties) : await runAutocannon(load, server.parties);
  // The baselines behave like async workers, but a blocked loop still holds one request.
  const cls = c.server === 'tsgun' ? c.workerClass : 'async';
  const theory =
    theoreticalRps({
      work: work[c.handler],
      handlerMs: HANDLER_MS,
      workers: c.workers,
      workerClass: cls,
      connections: c.connections,
      cores: cores(),
    }) ?? 0;
  return { c, mode, tool: useWrk ? 'wrk' : 'autocannon', m, theory, shares: summarizeShares(m.load.shares, server.parties.workers()) };
}

const ok = (pass: boolean): string => (pass ? 'yes' : '**no**');

function balanceTable(results: readonly Result[]): string {
  return markdownTable(
    [
      { title: 'server' },
      { title: 'handler' },
      { title: 'conn' },
      { title: 'tool' },
      { title: 'req/s', align: 'right' },
      { title: 'theory', align: 'right' },
      { title: 'eff.', align: 'right' },
      { title: '≥93%' },
      { title: 'p99 ms', align: 'right' },
      { title: '≤40 ms' },
      { title: 'errors', align: 'right' },
      { title: 'shares max/min' },
      { title: '≤1.2×' },
      { title: 'requests per worker' },
      { title: 'CPU % cli/mst/wrk/oth' },
    ],
    results.map((r) => {
      const eff = r.m.load.rps / r.theory;
      return [
        label(r.c),
        r.c.handler,
        r.mode,
        r.tool,
        fmtRps(r.m.load.rps),
        fmtRps(r.theory),
        fmtRatio(eff),
        ok(eff >= TARGET_EFF),
        fmtMs(r.m.load.p99Ms),
        ok(r.m.load.p99Ms <= 4 * HANDLER_MS),
        String(r.m.load.errors),
        fmtShareRatio(r.shares.ratio),
        ok(r.shares.ratio <= TARGET_SHARE),
        fmtCounts(r.shares),
        fmtCpu(r.m.cpu),
      ];
    }),
  );
}

function scalingTable(results: readonly Result[]): string {
  return markdownTable(
    [
      { title: 'handler' },
      { title: 'N', align: 'right' },
      { title: 'c', align: 'right' },
      { title: 'req/s', align: 'right' },
      { title: 'N/t', align: 'right' },
      { title: 'eff.', align: 'right' },
      { title: '≥93%' },
      { title: 'p50 ms', align: 'right' },
      { title: 'p99 ms', align: 'right' },
      { title: 'shares max/min' },
      { title: 'CPU % cli/mst/wrk/oth' },
    ],
    results.map((r) => {
      const eff = r.m.load.rps / r.theory;
      return [
        r.c.handler,
        String(r.c.workers),
        String(r.c.connections),
        fmtRps(r.m.load.rps),
        fmtRps(r.theory),
        fmtRatio(eff),
        ok(eff >= TARGET_EFF),
        fmtMs(r.m.load.p50Ms),
        fmtMs(r.m.load.p99Ms),
        fmtShareRatio(r.shares.ratio),
        fmtCpu(r.m.cpu),
      ];
    }),
  );
}

async function runCases(cases: readonly Case[], progress: Progress): Promise<Result[]> {
  const results: Result[] = [];
  for (const c of cases) {
    const server = await startServer(spec(c, await freePort()));
    try {
      for (const mode of c.modes) {
        progress.step(`${label(c)} ×${c.workers} ${c.handler} ${mode} c=${c.connections}`, WARMUP + c.durationS + 2);
        try {
          results.push(await measure(c, mode, server));
        } catch (err) {
          process.stderr.write(`  failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    } finally {
      await server.stop();
    }
  }
  return results;
}

async function main(): Promise<void> {
  const handlers = ['sleep-async', 'sleep-blocking'] as const;
  const both: readonly Mode[] = ['keep-alive', 'close'];
  const balance: Case[] = [
    ...(['sync', 'async'] as const).flatMap((workerClass) =>
      handlers.map((handler) => ({
        server: 'tsgun' as const,
        workerClass,
        handler,
        workers: 8,
        connections: 16,
        modes: both,
        durationS: DURATION,
      })),
    ),
    ...(['cluster-rr', 'cluster-none'] as const).map((server) => ({
      server,
      workerClass: 'async' as const,
      handler: 'sleep-blocking' as const,
      workers: 8,
      connections: 16,
      modes: both,
      durationS: DURATION,
    })),
  ];
  const scaling: Case[] = handlers.flatMap((handler) =>
    [1, 2, 4, 8, 16, 32].map((workers) => ({
      server: 'tsgun' as const,
      workerClass: 'sync' as const,
      handler,
      workers,
      connections: Math.max(16, 2 * workers),
      modes: ['keep-alive'] as const,
      durationS: SCALE_DURATION,
    })),
  );
  const steps = [...balance, ...scaling].reduce((n, c) => n + c.modes.length, 0);
  const estimate = [...balance, ...scaling].reduce((s, c) => s + c.modes.length * (WARMUP + c.durationS + 1.5) + 1.5, 0);
  process.stderr.write(
    `bench:balance: ${steps} runs (${DURATION} s balance, ${SCALE_DURATION} s scaling), about ${fmtDuration(estimate)}\n`,
  );
  if (!HAS_WRK)
    process.stderr.write('note: wrk not installed: Connection: close runs use autocannon, whose close handling is unreliable\n');
  stopServersOnSignal();
  const progress = new Progress(steps, estimate);
  let balanceResults: Result[];
  let scalingResults: Result[];
  try {
    balanceResults = await runCases(balance, progress);
    scalingResults = await runCases(scaling, progress);
  } finally {
    await stopAllServers();
  }
  const tools = Object.entries(toolVersions())
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const text = [
    `## Balance: 8 workers, 10 ms handler, c=16 (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `${cores()} cores (${cpuModel()}), Node ${process.versions.node}, ${tools}. ${DURATION} s per run after ${WARMUP} s warm-up. ` +
      'Shares counted by `x-worker-pid` (autocannon client headers for keep-alive, a wrk Lua counter for `Connection: close`); ' +
      'targets from issue 9: ≥ 93% of 800 req/s, p99 ≤ 4 × 10 ms, max/min share ≤ 1.2×.',
    '',
    balanceTable(balanceResults),
    '',
    `## Scaling: tsgun -k sync, 10 ms handler, c = max(16, 2N), ${SCALE_DURATION} s per run`,
    '',
    scalingTable(scalingResults),
    '',
  ].join('\n');
  const outDir = resolve(ROOT, opts.out);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(resolve(outDir, 'balance.md'), text);
  writeFileSync(resolve(outDir, 'balance.json'), `${JSON.stringify({ balance: balanceResults, scaling: scalingResults }, null, 2)}\n`);
  process.stdout.write(`\n${text}`);
  process.stderr.write(`bench:balance: done in ${fmtDuration(progress.elapsedS())}; wrote ${outDir}/balance.{md,json}\n`);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench:balance: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await stopAllServers();
  process.exit(1);
});
