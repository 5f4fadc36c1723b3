/**
 * Issue 9's speed and cost comparison, all in one run on one machine: hello world with 2 workers.
 *   - keep-alive: tsgun vs a plain node:cluster + http.createServer script (target ≥ 1.15×);
 *   - Connection: close: tsgun vs node:cluster's default round-robin (target ≥ 2×);
 *   - vs Debian's gunicorn sync, same worker count, equivalent WSGI app (target ≥ 5×), if installed;
 *   - cost: master RSS and CPU when idle (≤ 60 MB, ~0), worker RSS vs a bare node:http process
 *     serving the same app after the same load (≤ +10 MB).
 * Load: wrk (one thread) when installed, else autocannon; each in its own process. Servers are
 * measured in turn for several rounds and the median kept, so drift hits every server alike.
 *
 * Then issue 12's sync sweep (bench/sync-sweep.ts): hello and a 10 ms blocking handler at N = 1 … 32
 * for tsgun sync (native and fallback accept paths), gunicorn sync and raw node:cluster.
 *
 *   npm run bench:compare [-- --quick] [--rounds R] [--duration S] [--out DIR]
 *                         [--only classic|sync-hello|sync-sleep] [--n 1,2,4]
 * `--only`/`--n` run one part (keep each machine-exclusive run short); results of the parts are
 * merged in DIR/compare-sync.json and compare.md shows everything measured so far.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runAutocannon, type LoadSpec, type Measured } from '../src/bench/load.js';
import { cpuSeconds, rssBytes } from '../src/bench/proc.js';
import { freePort, startServer, stopAllServers, stopServersOnSignal, type RunningServer } from '../src/bench/server.js';
import { fmtCpu, fmtDuration, fmtMs, fmtRps, markdownTable } from '../src/bench/table.js';
import type { WorkerClass } from '../src/bench/theory.js';
import { HANDLERS, type Mode, type ServerKind } from './lib/cases.js';
import { cores, cpuModel, toolVersions } from './lib/machine.js';
import { Progress } from './lib/progress.js';
import { gunicornInstalled, ROOT, serverSpec } from './lib/servers.js';
import { runWrk, wrkInstalled } from '../src/bench/wrk.js';
import { HELLO_N, SLEEP_N, handlerTimes, renderSweep, runSweep, type SweepRow, type SyncServer } from './sync-sweep.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
    only: { type: 'string' },
    n: { type: 'string' },
    warmup: { type: 'string' },
  },
});

const ROUNDS = opts.rounds ? Number(opts.rounds) : opts.quick ? 1 : 3;
const DURATION = opts.duration ? Number(opts.duration) : opts.quick ? 2 : 5;
const WORKERS = 2;
const CONNECTIONS = 50;
const IDLE_S = 3;
const HAS_WRK = wrkInstalled();
const HAS_GUNICORN = gunicornInstalled();
const MB = 1024 * 1024;

interface Contender {
  readonly id: string;
  readonly server: ServerKind;
  readonly workerClass: WorkerClass;
}

const CONTENDERS: readonly Contender[] = [
  { id: 'tsgun sync', server: 'tsgun', workerClass: 'sync' },
  { id: 'tsgun async', server: 'tsgun', workerClass: 'async' },
  { id: 'node:cluster RR', server: 'cluster-rr', workerClass: 'async' },
  { id: 'node:cluster NONE', server: 'cluster-none', workerClass: 'async' },
  ...(HAS_GUNICORN ? [{ id: 'gunicorn sync', server: 'gunicorn' as const, workerClass: 'sync' as const }] : []),
  { id: 'node:http ×1', server: 'single', workerClass: 'async' },
];

interface Sample {
  readonly id: string;
  readonly mode: Mode;
  readonly m: Measured;
}

interface Cost {
  readonly id: string;
  readonly masterRssMb: number | undefined;
  readonly masterIdleCpu: number | undefined;
  readonly workerRssMb: readonly number[];
}

function start(c: Contender, port: number): Promise<RunningServer> {
  const workers = c.server === 'single' ? 1 : WORKERS;
  return startServer(serverSpec({ server: c.server, workerClass: c.workerClass, workers, handler: 'hello', runs: [] }, port));
}

function load(server: RunningServer, mode: Mode): Promise<Measured> {
  const spec: LoadSpec = {
    url: `${server.url}${HANDLERS.hello.path}`,
    connections: CONNECTIONS,
    durationS: DURATION,
    warmupS: 0.5,
    close: mode === 'close',
    timeoutS: 10,
  };
  return HAS_WRK ? runWrk(spec, server.parties) : runAutocannon(spec, server.parties);
}

async function idleCost(server: RunningServer): Promise<Pick<Cost, 'masterRssMb' | 'masterIdleCpu'>> {
  const master = server.parties.master;
  if (master === undefined) return { masterRssMb: undefined, masterIdleCpu: undefined };
  const before = cpuSeconds([master]).get(master);
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const after = cpuSeconds([master]).get(master);
  const rss = rssBytes(master);
  return {
    masterRssMb: rss === undefined ? undefined : rss / MB,
    masterIdleCpu: before === undefined || after === undefined ? undefined : (after - before) / IDLE_S,
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const ONLY = opts.only;
if (ONLY !== undefined && !['classic', 'sync-hello', 'sync-sleep'].includes(ONLY)) throw new Error('--only classic|sync-hello|sync-sleep');
const SWEEP_SERVERS: readonly SyncServer[] = [
  'tsgun native',
  'tsgun fallback',
  ...(HAS_GUNICORN ? ['gunicorn sync' as const] : []),
  'node:cluster NONE',
];

interface SyncResults {
  rows: SweepRow[];
  times?: { node: number; python: number | undefined };
  at?: string;
}

async function syncSweep(outDir: string): Promise<string> {
  const file = resolve(outDir, 'compare-sync.json');
  const saved: SyncResults = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SyncResults) : { rows: [] };
  const PARTS = { 'sync-hello': ['hello'], 'sync-sleep': ['sleep'], classic: [] } as const;
  const parts: readonly ('hello' | 'sleep')[] = ONLY === undefined ? ['hello', 'sleep'] : PARTS[ONLY as keyof typeof PARTS];
  const chosen = opts.n?.split(',').map(Number);
  const duration = opts.duration ? Number(opts.duration) : opts.quick ? 2 : 5;
  const warmup = opts.warmup ? Number(opts.warmup) : opts.quick ? 1 : 4;
  for (const part of parts) {
    const counts = (part === 'hello' ? HELLO_N : SLEEP_N).filter((n) => !chosen || chosen.includes(n));
    if (part === 'sleep') saved.times = handlerTimes();
    const rows = await runSweep(part, SWEEP_SERVERS, counts, duration, warmup, ROUNDS, (label) => process.stderr.write(`  ${label}\n`));
    const fresh = new Set(rows.map((r) => `${r.part}/${r.server}/${r.workers}`));
    saved.rows = [...saved.rows.filter((r) => !fresh.has(`${r.part}/${r.server}/${r.workers}`)), ...rows];
  }
  if (parts.length > 0) {
    saved.at = new Date().toISOString().slice(0, 16).replace('T', ' ');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  }
  if (saved.rows.length === 0) return '';
  const tools = Object.entries(toolVersions())
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `## Sync sweep (issue 12), last part measured ${saved.at ?? '—'} UTC`,
    '',
    `${cores()} cores (${cpuModel()}), Node ${process.versions.node}, ${tools}. wrk -t1 -H 'Connection: close' in its own process, ` +
      `${duration} s per window after an unmeasured warm-up of ${warmup} s + 0.75 s × N at c=32 (10 ms servers: with ?ms=0, then 30 s at ` +
      `the measured load), then ${ROUNDS} windows in a row, the median kept; servers one after another, started fresh per N ` +
      '(not interleaved: an idle V8 server is cold again when its turn comes, see docs/bench/sync-10ms-profile.md).',
    '',
    renderSweep(saved.rows, saved.times ?? { node: 10, python: undefined }),
  ].join('\n');
}

async function main(): Promise<void> {
  const outDir = resolve(ROOT, opts.out);
  stopServersOnSignal();
  let classic: string;
  const classicFile = resolve(outDir, 'compare-classic.md');
  if (ONLY === undefined || ONLY === 'classic') {
    classic = await classicCompare();
    mkdirSync(outDir, { recursive: true });
    writeFileSync(classicFile, classic);
  } else {
    classic = existsSync(classicFile) ? readFileSync(classicFile, 'utf8') : '';
  }
  const sync = await syncSweep(outDir);
  await stopAllServers();
  const text = [classic, sync].filter((x) => x !== '').join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(resolve(outDir, 'compare.md'), text);
  process.stdout.write(`\n${text}`);
}

async function classicCompare(): Promise<string> {
  const modes: readonly Mode[] = ['keep-alive', 'close'];
  const steps = ROUNDS * CONTENDERS.length * modes.length;
  const estimate = ROUNDS * CONTENDERS.length * (2 + modes.length * (DURATION + 1.5)) + IDLE_S * CONTENDERS.length;
  process.stderr.write(
    `bench:compare: ${ROUNDS} round(s) × ${CONTENDERS.length} servers × ${modes.length} modes, ${DURATION} s each with ${HAS_WRK ? 'wrk' : 'autocannon'}; about ${fmtDuration(estimate)}\n`,
  );
  if (!HAS_GUNICORN) process.stderr.write('note: gunicorn not installed: no gunicorn comparison (apt-get install gunicorn)\n');
  const progress = new Progress(steps, estimate);
  const samples: Sample[] = [];
  const costs = new Map<string, Cost>();
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const c of CONTENDERS) {
        const server = await start(c, await freePort());
        try {
          const idle = round === 1 ? await idleCost(server) : undefined;
          for (const mode of modes) {
            progress.step(`round ${round}: ${c.id} ${mode}`, DURATION + 1.5 + (mode === modes[0] ? 2 : 0));
            try {
              samples.push({ id: c.id, mode, m: await load(server, mode) });
            } catch (err) {
              process.stderr.write(`  failed: ${err instanceof Error ? err.message : String(err)}\n`);
            }
          }
          if (idle) {
            const workerRssMb = server.parties.workers().map((pid) => (rssBytes(pid) ?? 0) / MB);
            costs.set(c.id, { id: c.id, ...idle, workerRssMb });
          }
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await stopAllServers();
  }

  const rps = (id: string, mode: Mode): number | undefined => {
    const xs = samples.filter((s) => s.id === id && s.mode === mode).map((s) => s.m.load.rps);
    return xs.length > 0 ? median(xs) : undefined;
  };
  const last = (id: string, mode: Mode): Sample | undefined => samples.filter((s) => s.id === id && s.mode === mode).at(-1);

  const throughput = markdownTable(
    [
      { title: 'server' },
      { title: 'conn' },
      { title: 'req/s (median)', align: 'right' },
      { title: 'rounds' },
      { title: 'p99 ms (last)', align: 'right' },
      { title: 'errors (last)', align: 'right' },
      { title: 'CPU % cli/mst/wrk/oth (last)' },
    ],
    CONTENDERS.flatMap((c) =>
      modes.map((mode) => {
        const all = samples.filter((s) => s.id === c.id && s.mode === mode).map((s) => fmtRps(s.m.load.rps));
        const l = last(c.id, mode);
        const r = rps(c.id, mode);
        return [
          c.id,
          mode,
          r === undefined ? 'failed' : fmtRps(r),
          all.join(' '),
          l ? fmtMs(l.m.load.p99Ms) : '—',
          l ? String(l.m.load.errors) : '—',
          l ? fmtCpu(l.m.cpu) : '—',
        ];
      }),
    ),
  );

  const ratioRows: string[][] = [];
  const ratio = (a: string, b: string, mode: Mode, target: number | undefined): void => {
    const x = rps(a, mode);
    const y = rps(b, mode);
    if (x === undefined || y === undefined || y === 0) return;
    const r = x / y;
    ratioRows.push([
      `${a} / ${b}`,
      mode,
      `${r.toFixed(2)}×`,
      target === undefined ? '—' : `≥ ${target}×`,
      target === undefined ? '—' : r >= target ? 'yes' : '**no**',
    ]);
  };
  for (const t of ['tsgun sync', 'tsgun async']) {
    ratio(t, 'node:cluster RR', 'keep-alive', 1.15);
    ratio(t, 'node:cluster RR', 'close', 2);
    ratio(t, 'node:cluster NONE', 'keep-alive', undefined);
    ratio(t, 'node:cluster NONE', 'close', undefined);
    if (HAS_GUNICORN) {
      ratio(t, 'gunicorn sync', 'keep-alive', 5);
      ratio(t, 'gunicorn sync', 'close', 5);
    }
  }
  const ratios = markdownTable(
    [{ title: 'ratio' }, { title: 'conn' }, { title: 'measured', align: 'right' }, { title: 'target' }, { title: 'met' }],
    ratioRows,
  );

  const bare = costs.get('node:http ×1')?.workerRssMb[0];
  const mb = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(1));
  const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;
  const costTable = markdownTable(
    [
      { title: 'server' },
      { title: 'master RSS MB', align: 'right' },
      { title: 'master idle CPU %', align: 'right' },
      { title: 'worker RSS MB after load' },
      { title: 'worker − bare node MB', align: 'right' },
    ],
    [...costs.values()].map((c) => [
      c.id,
      mb(c.masterRssMb),
      c.masterIdleCpu === undefined ? '—' : (c.masterIdleCpu * 100).toFixed(2),
      c.workerRssMb.map(mb).join(' '),
      bare === undefined || c.workerRssMb.length === 0 ? '—' : signed(Math.max(...c.workerRssMb) - bare),
    ]),
  );

  const tools = Object.entries(toolVersions())
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const text = [
    `## Compare: hello world, ${WORKERS} workers, c=${CONNECTIONS} (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `${cores()} cores (${cpuModel()}), Node ${process.versions.node}, ${tools}. Load: ${HAS_WRK ? 'wrk -t1' : 'autocannon'} in its own process, ` +
      `${DURATION} s per run, ${ROUNDS} round(s), median shown. Targets from issue 9.`,
    '',
    ratios,
    '',
    throughput,
    '',
    `### Cost (master idle over ${IDLE_S} s before load; RSS of workers after the round-1 runs; bare = one node:http process, same app, same load)`,
    '',
    costTable,
    '',
    'Targets: master RSS ≤ 60 MB, master idle CPU ≈ 0, worker ≤ bare + 10 MB.',
    '',
  ].join('\n');
  const outDir = resolve(ROOT, opts.out);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(resolve(outDir, 'compare.json'), `${JSON.stringify({ samples, costs: [...costs.values()] }, null, 2)}\n`);
  process.stderr.write(`bench:compare: classic part done in ${fmtDuration(progress.elapsedS())}\n`);
  return text;
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench:compare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await stopAllServers();
  process.exit(1);
});
