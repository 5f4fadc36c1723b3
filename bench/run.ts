/**
 * The "N workers ≠ N× QPS" sweep: tsgun and its baselines (node:http, node:cluster RR and NONE,
 * gunicorn sync) over handlers, worker counts, classes and connection modes, each run measured
 * with autocannon (and wrk when installed) in a separate process while /proc gives the CPU of
 * the client, the master and every worker.
 *
 *   npm run bench -- --quick                 # < 3 min on 2 cores
 *   npm run bench -- --out docs/bench        # full sweep, files ready for the docs
 *   options: --only REGEX (filter cases by label), --duration S, --no-wrk, --no-gunicorn
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { judge } from '../src/bench/case.js';
import { runAutocannon, type Measured } from '../src/bench/load.js';
import { freePort, startServer, stopAllServers, stopServersOnSignal, type RunningServer } from '../src/bench/server.js';
import { fmtDuration } from '../src/bench/table.js';
import {
  baselineClass,
  estimateSeconds,
  GROUP_OVERHEAD_S,
  HANDLERS,
  profile,
  runSeconds,
  type Group,
  type LoadRun,
  type Profile,
} from './lib/cases.js';
import { cores, cpuModel, toolVersions } from './lib/machine.js';
import { Progress } from './lib/progress.js';
import { charts, markdownReport, tables, SERVER_NAMES, type Meta, type Row } from './lib/report.js';
import { gunicornInstalled, ROOT, serverSpec } from './lib/servers.js';
import { runWrk, wrkInstalled } from '../src/bench/wrk.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
    only: { type: 'string' },
    duration: { type: 'string' },
    /** Rewrite results.md and the charts from an earlier run's results.json (no load). */
    replot: { type: 'string' },
    'no-wrk': { type: 'boolean', default: false },
    'no-gunicorn': { type: 'boolean', default: false },
  },
});

function label(g: Group): string {
  const cls = g.server === 'tsgun' ? ` ${g.workerClass}` : '';
  return `${SERVER_NAMES[g.server]}${cls} ×${g.workers} ${g.handler}`;
}

function selectGroups(p: Profile, notes: string[]): Group[] {
  let groups = [...p.groups];
  if (opts.only) {
    const re = new RegExp(opts.only);
    groups = groups.filter((g) => re.test(label(g)));
  }
  if (opts['no-gunicorn'] || !gunicornInstalled()) {
    if (groups.some((g) => g.server === 'gunicorn')) {
      notes.push(
        opts['no-gunicorn']
          ? 'gunicorn skipped (--no-gunicorn).'
          : 'gunicorn is not installed: its baseline rows are skipped (apt-get install gunicorn).',
      );
    }
    groups = groups.filter((g) => g.server !== 'gunicorn');
  }
  if (opts['no-wrk'] || !wrkInstalled()) {
    if (groups.some((g) => g.runs.some((r) => r.tool === 'wrk'))) {
      notes.push(
        `${opts['no-wrk'] ? 'wrk skipped (--no-wrk)' : 'wrk is not installed (apt-get install wrk)'}: every run uses autocannon, ` +
          'whose `Connection: close` and gunicorn figures are unreliable (it reuses the closing connection).',
      );
    }
    // One run per connection mode, all with autocannon.
    groups = groups.map((g) => ({
      ...g,
      runs: [...new Set(g.runs.map((r) => r.mode))].map((mode) => ({ mode, tool: 'autocannon' as const })),
    }));
  }
  return groups;
}

async function measure(p: Profile, g: Group, run: LoadRun, server: RunningServer): Promise<Measured> {
  const h = HANDLERS[g.handler];
  const spec = {
    url: `${server.url}${h.path}`,
    connections: h.connections,
    durationS: p.durationS,
    warmupS: p.warmupS,
    close: run.mode === 'close',
    timeoutS: 10,
  };
  return run.tool === 'wrk' ? runWrk(spec, server.parties) : runAutocannon(spec, server.parties);
}

function failedRow(g: Group, run: LoadRun, err: unknown): Row {
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return {
    ...g,
    ...run,
    connections: HANDLERS[g.handler].connections,
    rps: 0,
    p50Ms: 0,
    p99Ms: 0,
    errors: 0,
    requests: 0,
    cpu: { client: 0, master: 0, workers: 0, others: 0 },
    theoretical: undefined,
    efficiency: undefined,
    limit: 'failed',
    reason: message,
  };
}

async function runGroup(p: Profile, g: Group, progress: Progress, nCores: number): Promise<Row[]> {
  const h = HANDLERS[g.handler];
  const rows: Row[] = [];
  let server: RunningServer | undefined;
  try {
    server = await startServer(serverSpec(g, await freePort()));
  } catch (err) {
    for (const run of g.runs) {
      progress.step(`${label(g)} ${run.mode} ${run.tool}`, runSeconds(p, run));
      rows.push(failedRow(g, run, err));
    }
    return rows;
  }
  try {
    for (const run of g.runs) {
      progress.step(`${label(g)} ${run.mode} ${run.tool}`, runSeconds(p, run) + (run === g.runs[0] ? GROUP_OVERHEAD_S : 0));
      try {
        const m = await measure(p, g, run, server);
        const model = {
          work: h.work,
          handlerMs: h.handlerMs,
          workers: g.workers,
          workerClass: g.server === 'tsgun' ? g.workerClass : baselineClass(g.server),
          connections: h.connections,
          cores: nCores,
        };
        const j = judge(m, model);
        rows.push({ ...g, ...run, connections: h.connections, ...m.load, cpu: m.cpu, ...j });
      } catch (err) {
        rows.push(failedRow(g, run, err));
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}

async function main(): Promise<void> {
  if (opts.replot) {
    const saved = JSON.parse(readFileSync(resolve(ROOT, opts.replot), 'utf8')) as { meta: Meta; rows: Row[] };
    writeReport(saved.meta, saved.rows);
    process.stderr.write(`bench: rewrote ${resolve(ROOT, opts.out)}/results.md and charts from ${opts.replot}\n`);
    return;
  }
  const base = profile(opts.quick ? 'quick' : 'full');
  const p: Profile = opts.duration ? { ...base, durationS: Number(opts.duration) } : base;
  const notes: string[] = [];
  const groups = selectGroups(p, notes);
  const nCores = cores();
  const estimate = estimateSeconds(p, groups);
  const steps = groups.reduce((n, g) => n + g.runs.length, 0);
  process.stderr.write(
    `bench: ${p.name} profile, ${steps} runs on ${groups.length} servers, ${p.durationS} s each; about ${fmtDuration(estimate)} in all\n`,
  );
  for (const n of notes) process.stderr.write(`note: ${n}\n`);
  stopServersOnSignal();
  const progress = new Progress(steps, estimate);
  const rows: Row[] = [];
  try {
    for (const g of groups) rows.push(...(await runGroup(p, g, progress, nCores)));
  } finally {
    await stopAllServers();
  }

  const meta: Meta = {
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    profile: p.name,
    cores: nCores,
    cpuModel: cpuModel(),
    node: process.versions.node,
    tools: toolVersions(),
    durationS: p.durationS,
    warmupS: p.warmupS,
    elapsedS: progress.elapsedS(),
    notes,
  };
  writeReport(meta, rows);
  process.stdout.write(`\n${tables(rows)}\n`);
  process.stderr.write(`\nbench: done in ${fmtDuration(meta.elapsedS)}; wrote ${resolve(ROOT, opts.out)}/results.{md,json} and charts\n`);
}

function writeReport(meta: Meta, rows: readonly Row[]): void {
  const outDir = resolve(ROOT, opts.out);
  mkdirSync(outDir, { recursive: true });
  const svgs = charts(rows, meta.cores);
  for (const c of svgs) writeFileSync(resolve(outDir, c.file), c.svg);
  writeFileSync(resolve(outDir, 'results.json'), `${JSON.stringify({ meta, rows }, null, 2)}\n`);
  writeFileSync(resolve(outDir, 'results.md'), markdownReport(meta, rows, svgs));
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await stopAllServers();
  process.exit(1);
});
