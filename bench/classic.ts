/**
 * The classic cases of "N workers ≠ N× QPS", as named profiles, each beside gunicorn when it is
 * installed, each writing docs/bench/classic-<name>.{md,json,svg} (theory dashed):
 *
 *   hello       hello at 1/2/4 workers by a single-threaded Node client (autocannon) that saturates
 *               its core — the "2200 / 2230 / 2280 req/s" trap — then by wrk
 *   dirty-pool  sync workers × 10 ms blocking, c = 2N (gunicorn's dirty-pool result: 334 of 400 at N=4)
 *   django      50 ms upstream wait + 2 ms CPU at 200 clients against a 1200 req/s target: sync N vs async
 *   email       a 500 ms blocking "send the email" in the request vs the same work after the response
 *   mixed       5 ms CPU + 20 ms wait: prefork (sync) vs one event loop (async ×1) vs both (async × cores)
 *   overload    open-loop load at 10× capacity, then 0.5×: --max-queue-time vs no bound vs gunicorn
 *
 *   npm run bench:classic -- --profile dirty-pool [--duration 3]     (one profile per run: ≤ 5 min)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tsgunServer } from '../src/bench/case.js';
import { runAutocannon, type LoadSpec, type Measured } from '../src/bench/load.js';
import { freePort, startServer, stopAllServers, stopServersOnSignal, type ServerSpec } from '../src/bench/server.js';
import { fmtCpu, fmtMs, fmtRps, markdownTable } from '../src/bench/table.js';
import { runWrk, wrkInstalled } from '../src/bench/wrk.js';
import { cores, cpuModel, toolVersions } from './lib/machine.js';
import { bins, runOpenLoop, type Bin, type Phase } from './lib/open-loop.js';
import { Progress } from './lib/progress.js';
import { gunicornInstalled, ROOT, serverSpec } from './lib/servers.js';
import { PALETTE, renderChart, type Series } from './lib/svg-chart.js';
import { runWrkPercentiles, type WrkPercentiles } from './lib/wrk-percentiles.js';

const APP = 'bench/apps/classic.js';
const OUT = resolve(ROOT, 'docs/bench');

interface Row {
  readonly series: string;
  readonly x: number;
  readonly cells: Readonly<Record<string, string>>;
  readonly y: number;
}

interface Result {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
  readonly theory: readonly Series[];
  readonly notes: readonly string[];
  readonly extra?: unknown;
}

type Kind =
  | { readonly server: 'tsgun'; readonly workerClass: 'sync' | 'async'; readonly extraArgs?: readonly string[] }
  | { readonly server: 'gunicorn' };

function spec(kind: Kind, workers: number, port: number, readyPath: string): ServerSpec {
  if (kind.server === 'tsgun') {
    return tsgunServer({
      app: APP,
      workers,
      workerClass: kind.workerClass,
      port,
      readyPath,
      cwd: ROOT,
      ...(kind.extraArgs ? { extraArgs: kind.extraArgs } : {}),
    });
  }
  return {
    label: `gunicorn ×${workers}`,
    command: 'gunicorn',
    args: [
      '-w',
      String(workers),
      '-b',
      `127.0.0.1:${port}`,
      '--chdir',
      `${ROOT}bench/baselines`,
      '--log-level',
      'warning',
      '--backlog',
      '2048',
      'wsgi_classic:app',
    ],
    workers,
    port,
    readyPath,
    cwd: ROOT,
  };
}

async function withServer<T>(
  s: (port: number) => ServerSpec,
  run: (url: string, server: Awaited<ReturnType<typeof startServer>>) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  const server = await startServer(s(port));
  try {
    return await run(server.url, server);
  } finally {
    await server.stop();
  }
}

function pctRow(m: WrkPercentiles): Record<string, string> {
  return {
    'req/s': fmtRps(m.rps),
    'p50 ms': fmtMs(m.p50Ms),
    'p95 ms': fmtMs(m.p95Ms),
    'p99 ms': fmtMs(m.p99Ms),
    errors: String(m.errors + m.non2xx),
  };
}

const PCT_COLUMNS = ['req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'];

/** Closed-loop wrk runs over a list of cases; one progress step each. */
async function sweep(
  progress: Progress,
  cases: readonly { series: string; kind: Kind; workers: number; x: number; path: string; connections: number }[],
  durationS: number,
  cost: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of cases) {
    progress.step(`${c.series} x=${c.x}`, cost);
    const m = await withServer(
      (port) => spec(c.kind, c.workers, port, c.path),
      (url) => runWrkPercentiles(`${url}${c.path}`, c.connections, durationS),
    );
    rows.push({ series: c.series, x: c.x, cells: { workers: String(c.workers), c: String(c.connections), ...pctRow(m) }, y: m.rps });
  }
  return rows;
}

const hasGunicorn = gunicornInstalled();
const TSGUN_SYNC: Kind = { server: 'tsgun', workerClass: 'sync' };
const TSGUN_ASYNC: Kind = { server: 'tsgun', workerClass: 'async' };
const GUNICORN: Kind = { server: 'gunicorn' };

function line(name: string, points: readonly (readonly [number, number])[], i: number): Series {
  return { name, color: PALETTE[i % PALETTE.length] as string, dashed: true, points };
}

const PROFILES: Record<string, { readonly steps: number; run(progress: Progress, d: number): Promise<Result> }> = {
  hello: {
    steps: 12,
    async run(progress, d) {
      const rows: Row[] = [];
      const kinds: [string, 'tsgun-async' | 'tsgun-sync' | 'gunicorn', 'autocannon' | 'wrk'][] = [
        ['tsgun async, autocannon', 'tsgun-async', 'autocannon'],
        ['tsgun async, wrk', 'tsgun-async', 'wrk'],
        ['tsgun sync, wrk', 'tsgun-sync', 'wrk'],
        ...(hasGunicorn ? [['gunicorn sync, wrk', 'gunicorn', 'wrk'] as [string, 'gunicorn', 'wrk']] : []),
      ];
      for (const [series, server, tool] of kinds) {
        for (const workers of [1, 2, 4]) {
          progress.step(`${series} ×${workers}`, d + 3);
          const group = {
            server: server === 'gunicorn' ? 'gunicorn' : 'tsgun',
            workerClass: server === 'tsgun-async' ? 'async' : 'sync',
            workers,
            handler: 'hello',
            runs: [],
          } as const;
          const m: Measured = await withServer(
            (port) => serverSpec(group, port),
            (url, s) => {
              const load: LoadSpec = { url: `${url}/`, connections: 50, durationS: d, warmupS: 0.5, close: false, timeoutS: 10 };
              return tool === 'wrk' ? runWrk(load, s.parties) : runAutocannon(load, s.parties);
            },
          );
          rows.push({
            series,
            x: workers,
            y: m.load.rps,
            cells: {
              workers: String(workers),
              'req/s': fmtRps(m.load.rps),
              'p99 ms': fmtMs(m.load.p99Ms),
              'CPU % client/master/workers/others': fmtCpu(m.cpu),
            },
          });
        }
      }
      return {
        title: 'hello: the client is part of the experiment',
        xLabel: 'workers',
        yLabel: 'req/s',
        columns: ['workers', 'req/s', 'p99 ms', 'CPU % client/master/workers/others'],
        rows,
        theory: [],
        notes: ['c=50, keep-alive where the server allows it (tsgun sync and gunicorn sync close every connection).'],
      };
    },
  },
  'dirty-pool': {
    steps: hasGunicorn ? 8 : 4,
    async run(progress, d) {
      const ns = [1, 2, 4, 8];
      const cases = [
        ...ns.map((n) => ({ series: 'tsgun sync', kind: TSGUN_SYNC, workers: n, x: n, path: '/sleep?ms=10', connections: 2 * n })),
        ...(hasGunicorn
          ? ns.map((n) => ({ series: 'gunicorn sync', kind: GUNICORN, workers: n, x: n, path: '/sleep?ms=10', connections: 2 * n }))
          : []),
      ];
      const rows = await sweep(progress, cases, d, d + 3);
      return {
        title: 'sync workers × 10 ms blocking (dirty pool)',
        xLabel: 'workers',
        yLabel: 'req/s',
        columns: ['workers', 'c', ...PCT_COLUMNS],
        rows,
        theory: [
          line(
            'N/t',
            ns.map((n) => [n, n / 0.01]),
            6,
          ),
        ],
        notes: ['c = 2N (every worker always has a request waiting); theory N / 10 ms.'],
      };
    },
  },
  django: {
    steps: hasGunicorn ? 7 : 4,
    async run(progress, d) {
      const c = 200;
      const cases = [
        ...[4, 8, 16].map((n) => ({ series: 'tsgun sync', kind: TSGUN_SYNC, workers: n, x: n, path: '/django', connections: c })),
        ...(hasGunicorn
          ? [4, 8, 16].map((n) => ({ series: 'gunicorn sync', kind: GUNICORN, workers: n, x: n, path: '/django', connections: c }))
          : []),
        { series: 'tsgun async', kind: TSGUN_ASYNC, workers: 2, x: 2, path: '/django', connections: c },
      ];
      const rows = await sweep(progress, cases, d, d + 3);
      const xs = [2, 4, 8, 16];
      return {
        title: 'Django-like view (50 ms wait + 2 ms CPU), 200 clients',
        xLabel: 'workers',
        yLabel: 'req/s',
        columns: ['workers', 'c', ...PCT_COLUMNS],
        rows,
        theory: [
          line(
            'sync N/52 ms',
            xs.map((n) => [n, n / 0.052]),
            5,
          ),
          line(
            'target 1200',
            xs.map((n) => [n, 1200]),
            6,
          ),
          line(
            'cores / 2 ms CPU',
            xs.map((n) => [n, cores() / 0.002]),
            3,
          ),
        ],
        notes: [
          'Target 1200 req/s. Theory: sync N/52 ms; async min(c/52 ms, cores/2 ms CPU) — 2 cores of 2 ms CPU cap it at 1000 req/s before anything else.',
        ],
      };
    },
  },
  email: {
    steps: hasGunicorn ? 9 : 6,
    async run(progress, d) {
      const cs = [4, 8, 16];
      const cases = [
        ...cs.map((c) => ({
          series: 'tsgun sync ×4, email in the request',
          kind: TSGUN_SYNC,
          workers: 4,
          x: c,
          path: '/email-inline',
          connections: c,
        })),
        ...(hasGunicorn
          ? cs.map((c) => ({
              series: 'gunicorn sync ×4, email in the request',
              kind: GUNICORN,
              workers: 4,
              x: c,
              path: '/email-inline',
              connections: c,
            }))
          : []),
        ...cs.map((c) => ({
          series: 'tsgun async ×2, email after the response',
          kind: TSGUN_ASYNC,
          workers: 2,
          x: c,
          path: '/email-after',
          connections: c,
        })),
      ];
      const rows = await sweep(progress, cases, Math.max(d, 4), Math.max(d, 4) + 3);
      return {
        title: 'a 500 ms side effect in the request vs after the response',
        xLabel: 'concurrent clients',
        yLabel: 'req/s',
        columns: ['workers', 'c', ...PCT_COLUMNS],
        rows,
        theory: [
          line(
            'in the request: min(c, 4)/0.5 s',
            cs.map((c) => [c, Math.min(c, 4) / 0.5]),
            6,
          ),
        ],
        notes: [
          'In the request every response waits 500 ms and 4 workers cap it at 8 req/s; after the response the client gets its answer at once.',
        ],
      };
    },
  },
  mixed: {
    steps: hasGunicorn ? 8 : 5,
    async run(progress, d) {
      const c = 64;
      const cases = [
        ...[2, 4, 8].map((n) => ({ series: 'prefork: tsgun sync', kind: TSGUN_SYNC, workers: n, x: n, path: '/mixed', connections: c })),
        ...(hasGunicorn
          ? [2, 4, 8].map((n) => ({ series: 'prefork: gunicorn sync', kind: GUNICORN, workers: n, x: n, path: '/mixed', connections: c }))
          : []),
        { series: 'event loop: tsgun async ×1', kind: TSGUN_ASYNC, workers: 1, x: 1, path: '/mixed', connections: c },
        { series: 'both: tsgun async × cores', kind: TSGUN_ASYNC, workers: cores(), x: cores(), path: '/mixed', connections: c },
      ];
      const rows = await sweep(progress, cases, d, d + 3);
      const xs = [1, 2, 4, 8];
      return {
        title: 'mixed handler (5 ms CPU + 20 ms wait), 64 clients',
        xLabel: 'workers',
        yLabel: 'req/s',
        columns: ['workers', 'c', ...PCT_COLUMNS],
        rows,
        theory: [
          line(
            'prefork N/25 ms',
            xs.map((n) => [n, n / 0.025]),
            5,
          ),
          line(
            'CPU: min(N, cores)/5 ms',
            xs.map((n) => [n, Math.min(n, cores()) / 0.005]),
            6,
          ),
        ],
        notes: [
          'Prefork follows N/25 ms until the cores (cores/5 ms = 400 req/s here); one event loop overlaps the waits but has one core; async × cores has both.',
        ],
      };
    },
  },
  overload: {
    steps: hasGunicorn ? 3 : 2,
    async run(progress, d) {
      // 2 sync workers × 20 ms = 100 req/s of capacity: 10× for d s, then half of it for d s.
      const phases: Phase[] = [
        { rps: 1000, seconds: d },
        { rps: 50, seconds: d },
      ];
      const totalS = 2 * d;
      const kinds: [string, Kind][] = [
        ['tsgun sync ×2, --max-queue-time 100', { server: 'tsgun', workerClass: 'sync', extraArgs: ['--max-queue-time', '100'] }],
        ['tsgun sync ×2, no bound', TSGUN_SYNC],
        ...(hasGunicorn ? [['gunicorn sync ×2', GUNICORN] as [string, Kind]] : []),
      ];
      const rows: Row[] = [];
      const perServer: Record<string, Bin[]> = {};
      for (const [series, kind] of kinds) {
        progress.step(series, totalS + 8);
        const samples = await withServer(
          (port) => spec(kind, 2, port, '/sleep?ms=1'),
          (url) => runOpenLoop(`${url}/sleep?ms=20`, phases, 5000),
        );
        const b = bins(samples, 0.5, totalS);
        perServer[series] = b;
        for (const [phase, from, to] of [
          ['10× capacity', 0, d],
          ['0.5× capacity', d, totalS],
        ] as const) {
          const mine = samples.filter((s) => s.sentAtS >= from && s.sentAtS < to);
          const ok = mine
            .filter((s) => s.status >= 200 && s.status < 300)
            .map((s) => s.latencyMs)
            .sort((a, b2) => a - b2);
          const share = (n: number): string => `${Math.round((n / Math.max(1, mine.length)) * 100)}%`;
          rows.push({
            series,
            x: from,
            y: ok.length > 0 ? (ok[Math.floor(0.99 * (ok.length - 1))] as number) : 0,
            cells: {
              phase,
              sent: String(mine.length),
              '2xx': share(ok.length),
              '503': share(mine.filter((s) => s.status === 503).length),
              'timeout/error': share(mine.filter((s) => s.status === 0).length),
              'admitted p50 ms': ok.length > 0 ? fmtMs(ok[Math.floor(0.5 * (ok.length - 1))] as number) : '—',
              'admitted p99 ms': ok.length > 0 ? fmtMs(ok[Math.floor(0.99 * (ok.length - 1))] as number) : '—',
            },
          });
        }
      }
      const xs = bins([], 0.5, totalS).map((b) => b.fromS);
      return {
        title: 'overload: 10× capacity, then 0.5× (admitted p99 per 0.5 s of send time)',
        xLabel: 'send time (s)',
        yLabel: 'p99 of 2xx, ms',
        columns: ['phase', 'sent', '2xx', '503', 'timeout/error', 'admitted p50 ms', 'admitted p99 ms'],
        rows,
        theory: [
          line(
            'bound + t = 120 ms',
            xs.map((x) => [x, 120]),
            6,
          ),
        ],
        notes: [
          `Open loop: 1000 req/s for ${d} s, then 50 req/s for ${d} s, one connection per request, 5 s client timeout, X-Request-Start stamped by the client as nginx would.`,
          'Capacity: 2 sync workers × 20 ms = 100 req/s.',
        ],
        extra: perServer,
      };
    },
  },
};

function chart(r: Result): string {
  const names = [...new Set(r.rows.map((row) => row.series))];
  const series: Series[] = names.map((name, i) => ({
    name,
    color: PALETTE[i % PALETTE.length] as string,
    points: r.rows.filter((row) => row.series === name).map((row) => [row.x, row.y] as const),
  }));
  const extra = r.extra as Record<string, Bin[]> | undefined;
  const measured: Series[] = extra
    ? Object.entries(extra).map(([name, b], i) => ({
        name,
        color: PALETTE[i % PALETTE.length] as string,
        points: b.filter((x) => x.ok > 0).map((x) => [x.fromS, x.okP99Ms] as const),
      }))
    : series;
  const xs = [...new Set([...measured, ...r.theory].flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  return renderChart({ title: r.title, xLabel: r.xLabel, yLabel: r.yLabel, xValues: xs, series: [...measured, ...r.theory] });
}

function markdown(name: string, r: Result, d: number): string {
  const table = markdownTable(
    [{ title: 'server' }, ...r.columns.map((c) => ({ title: c, align: c === 'phase' ? ('left' as const) : ('right' as const) }))],
    r.rows.map((row) => [row.series, ...r.columns.map((c) => row.cells[c] ?? '')]),
  );
  const tools = Object.entries(toolVersions())
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `# Classic profile: ${name}`,
    '',
    `${r.title}. ${cores()} cores (${cpuModel()}), Node ${process.version}, ${tools}; ${d} s per point. Regenerate: \`npm run bench:classic -- --profile ${name}\`.`,
    '',
    table,
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
    `![${name}](classic-${name}.svg)`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { profile: { type: 'string' }, duration: { type: 'string' } } });
  const name = values.profile ?? '';
  const profile = PROFILES[name];
  if (!profile) throw new Error(`--profile: one of ${Object.keys(PROFILES).join(', ')}`);
  if (!wrkInstalled()) throw new Error('wrk is required (apt-get install wrk)');
  const d = Number(values.duration ?? 3);
  stopServersOnSignal();
  const progress = new Progress(profile.steps, profile.steps * (d + 3) + (name === 'overload' ? profile.steps * (d + 8) : 0));
  try {
    const result = await profile.run(progress, d);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(
      `${OUT}/classic-${name}.json`,
      `${JSON.stringify({ profile: name, durationS: d, cores: cores(), node: process.version, ...result }, null, 2)}\n`,
    );
    writeFileSync(`${OUT}/classic-${name}.svg`, chart(result));
    const md = markdown(name, result, d);
    writeFileSync(`${OUT}/classic-${name}.md`, md);
    process.stdout.write(md);
  } finally {
    await stopAllServers();
  }
}

await main();
