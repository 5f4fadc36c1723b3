/**
 * Issue 16's dirty-worker benchmark: gunicorn's six scenarios (4 dirty workers, one task at a
 * time each) through the real CLI — an HTTP request to an async worker whose handler awaits
 * `dirty.execute()` — printed beside gunicorn's published figures, plus a hello route's p99
 * while the pool is saturated. A closed-loop client: `c` loops, `n` requests in all.
 *
 *   npm run bench:dirty [-- --scale 0.5] [--out docs/bench]
 *
 * --scale multiplies every request count (same concurrency) to keep a run short.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { markdownTable } from '../src/bench/table.js';
import { cores, cpuModel } from './lib/machine.js';
import { ROOT } from './lib/servers.js';

const { values: opts } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    out: { type: 'string', default: 'docs/bench' },
    'http-workers': { type: 'string', default: '2' },
  },
});
const SCALE = Number(opts.scale);
const DIRTY_WORKERS = 4;
const CORES = cores();
const BIN = resolve(ROOT, 'dist/bin/tsgun.js');

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly path: string;
  readonly concurrency: number;
  readonly requests: number;
  /** gunicorn's figure from the issue. */
  readonly gunicorn: string;
  /** The theoretical line (req/s) and the share of it that is the target. */
  readonly line: number;
  readonly share: number;
  readonly p50TargetMs?: number;
}

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'baseline',
    title: 'baseline 10 ms sleep',
    path: '/task?m=sleep&a=10',
    concurrency: 1,
    requests: 1000,
    gunicorn: '81.5 req/s, p50 12.8 ms, p99 13.1 ms',
    line: 1 / 0.01,
    share: 0,
    p50TargetMs: 11,
  },
  {
    id: 'throughput',
    title: 'throughput 10 ms sleep',
    path: '/task?m=sleep&a=10',
    concurrency: 100,
    requests: 5000,
    gunicorn: '334.4 req/s (83.5% of 400)',
    line: DIRTY_WORKERS / 0.01,
    share: 0.95,
  },
  {
    id: 'overload',
    title: 'overload 10 ms sleep',
    path: '/task?m=sleep&a=10',
    concurrency: 200,
    requests: 2000,
    gunicorn: '334.1 req/s, 0 failures',
    line: DIRTY_WORKERS / 0.01,
    share: 0.95,
  },
  {
    id: 'cpu',
    title: 'CPU 100 ms',
    path: '/task?m=cpu&a=100',
    concurrency: 20,
    requests: 500,
    gunicorn: '39.8 req/s',
    line: Math.min(DIRTY_WORKERS, CORES) / 0.1,
    share: 0.95,
  },
  {
    id: 'io',
    title: 'I/O 500 ms',
    path: '/task?m=io&a=500',
    concurrency: 50,
    requests: 200,
    gunicorn: '7.9 req/s',
    line: DIRTY_WORKERS / 0.5,
    share: 0.95,
  },
  {
    id: 'mixed',
    title: 'mixed 50 ms CPU + 50 ms sleep',
    path: '/task?m=mixed&a=50,50',
    concurrency: 30,
    requests: 500,
    gunicorn: '38.5 req/s',
    line: Math.min(DIRTY_WORKERS / 0.1, CORES / 0.05),
    share: 0.9,
  },
];

interface LoadStats {
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: Readonly<Record<string, number>>;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** `concurrency` loops send requests back to back until `requests` were sent (or the deadline). */
async function closedLoop(url: string, concurrency: number, requests: number, deadlineMs: number): Promise<LoadStats> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let issued = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = Date.now() + deadlineMs;
  const one = (): Promise<void> =>
    new Promise((done) => {
      const t0 = performance.now();
      // Light on purpose (no per-request timer, the body read only on failure): the client shares the 2 cores.
      const req = http.get(url, { agent }, (res) => {
        if (res.statusCode === 200) {
          res.resume();
          res.on('end', () => {
            ok++;
            latencies.push(performance.now() - t0);
            done();
          });
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          failed++;
          const code = /"error":"([A-Z_]+)"/.exec(body)?.[1] ?? String(res.statusCode);
          errors[code] = (errors[code] ?? 0) + 1;
          done();
        });
      });
      req.on('error', (err) => {
        failed++;
        errors[err.message] = (errors[err.message] ?? 0) + 1;
        done();
      });
    });
  const loop = async (): Promise<void> => {
    while (issued < requests && Date.now() < deadline) {
      issued++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { ok, failed, seconds, rps: ok / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

function startTsgun(): Promise<Server> {
  const args = [
    'bench/dirty-apps/app.mjs',
    '-k',
    'async',
    '-w',
    opts['http-workers'],
    '-b',
    '127.0.0.1:0',
    '--no-control-socket',
    '--dirty-app',
    'bench/dirty-apps/tasks.mjs',
    '--dirty-workers',
    String(DIRTY_WORKERS),
    '--dirty-max-queue',
    '1024',
  ];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolveStart, reject) => {
    let buffered = '';
    let url = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tsgun did not become ready: ${buffered.slice(-2000)}`));
    }, 30_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      url ||= /Listening at: (http:\/\/[^"\s]+)/.exec(buffered)?.[1] ?? '';
      if (url && /Ready: /.test(buffered)) {
        clearTimeout(timer);
        resolveStart({
          child,
          url,
          stop: () =>
            new Promise((done) => {
              const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
              child.once('exit', () => {
                clearTimeout(kill);
                done();
              });
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tsgun exited with code ${code}: ${buffered.slice(-2000)}`));
    });
  });
}

interface Result {
  readonly scenario: Scenario;
  readonly load: LoadStats;
  readonly requests: number;
}

function verdict(r: Result): { target: string; met: boolean } {
  const s = r.scenario;
  if (s.p50TargetMs !== undefined) return { target: `p50 ≤ ${s.p50TargetMs} ms`, met: r.load.p50 <= s.p50TargetMs && r.load.failed === 0 };
  const want = s.share * s.line;
  return {
    target: `≥ ${want.toFixed(1)} req/s (${Math.round(s.share * 100)}% of ${s.line.toFixed(0)}), 0 failures`,
    met: r.load.rps >= want && r.load.failed === 0,
  };
}

function fmt(l: LoadStats): string {
  const errs = Object.entries(l.errors)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  return `${l.rps.toFixed(1)} req/s, p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, ${l.failed} failures${errs ? ` (${errs})` : ''}`;
}

async function main(): Promise<void> {
  const server = await startTsgun();
  const results: Result[] = [];
  const hello: { during: string; load: LoadStats; pool: LoadStats }[] = [];
  try {
    // Warm-up: JIT, connections, every dirty worker.
    await closedLoop(`${server.url}/task?m=sleep&a=1`, 8, 200, 10_000);
    for (const s of SCENARIOS) {
      const requests = Math.max(s.concurrency, Math.round(s.requests * SCALE));
      const load = await closedLoop(`${server.url}${s.path}`, s.concurrency, requests, 120_000);
      results.push({ scenario: s, load, requests });
      process.stderr.write(`${s.title} c=${s.concurrency} n=${requests}: ${fmt(load)}\n`);
    }
    // The HTTP workers must keep answering while every dirty worker is busy and tasks queue.
    for (const [during, path, c, n] of [
      ['CPU 100 ms, c=20 (pool saturated, queue ~16)', '/task?m=cpu&a=100', 20, Math.round(200 * SCALE)],
      ['10 ms sleep, c=200 (pool saturated, queue ~196)', '/task?m=sleep&a=10', 200, Math.round(3000 * SCALE)],
    ] as const) {
      const poolLoad = closedLoop(`${server.url}${path}`, c, n, 60_000);
      await new Promise((r) => setTimeout(r, 300));
      const probe = await closedLoop(`${server.url}/hello`, 1, 100_000, Math.max(2000, (n / (c === 20 ? 20 : 400)) * 1000 - 1500));
      const pool = await poolLoad;
      hello.push({ during, load: probe, pool });
      process.stderr.write(`hello during ${during}: ${fmt(probe)}; pool ${fmt(pool)}\n`);
    }
  } finally {
    await server.stop();
  }

  const rows = results.map((r) => {
    const v = verdict(r);
    return [
      r.scenario.title,
      `c=${r.scenario.concurrency}, ${r.requests} requests`,
      fmt(r.load),
      r.scenario.gunicorn,
      v.target,
      v.met ? 'met' : 'MISSED',
    ];
  });
  for (const h of hello) {
    const met = h.load.p99 < 5 && h.load.failed === 0;
    rows.push([`hello route while the pool is saturated`, h.during, fmt(h.load), '—', 'p99 < 5 ms', met ? 'met' : 'MISSED']);
  }
  const table = markdownTable(
    ['scenario', 'load', 'tsgun', 'gunicorn 25 (issue)', 'target', 'verdict'].map((title) => ({ title })),
    rows,
  );
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpuModel(),
    cores: CORES,
    dirtyWorkers: DIRTY_WORKERS,
    httpWorkers: Number(opts['http-workers']),
    scale: SCALE,
  };
  process.stdout.write(`\n${table}\n`);
  const outDir = resolve(ROOT, opts.out);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    resolve(outDir, 'dirty.json'),
    `${JSON.stringify({ meta, results: results.map((r) => ({ ...r, verdict: verdict(r) })), hello }, null, 2)}\n`,
  );
  writeFileSync(
    resolve(outDir, 'dirty.md'),
    `# Dirty workers: gunicorn's dirty-arbiter benchmark, side by side\n\n` +
      `\`npm run bench:dirty\` (bench/dirty.ts) on ${meta.date.slice(0, 10)}: ${meta.cpu}, ${CORES} cores, Node ${meta.node}. ` +
      `tsgun \`-k async -w ${meta.httpWorkers}\` with \`--dirty-workers ${DIRTY_WORKERS}\`; each request is one HTTP request whose ` +
      `handler awaits \`dirty.execute()\` (closed loop, keep-alive, client in the same machine). Sleep = \`Atomics.wait\` ` +
      `(blocking, like \`time.sleep\`); CPU = spin until the process used that much CPU time; I/O = \`setTimeout\`. ` +
      `gunicorn's figures are from its own run (issue 16), not from this machine. Lines: sleep t → 4/t; CPU t → min(4, cores)/t; ` +
      `mixed → min(4/(tc+ts), cores/tc). Request counts ×${SCALE}.\n\n${table}\n`,
  );
}

await main();
