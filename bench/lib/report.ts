/** The suite's results as Markdown tables and SVG charts. Pure: rows in, text out. */
import type { CpuSplit, Limit } from '../../src/bench/limit.js';
import { fmtCpu, fmtMs, fmtRatio, fmtRps, markdownTable, type Column } from '../../src/bench/table.js';
import type { WorkerClass } from '../../src/bench/theory.js';
import { HANDLERS, type HandlerId, type Mode, type ServerKind, type Tool } from './cases.js';
import { PALETTE, renderChart, type Series } from './svg-chart.js';

export interface Row {
  readonly server: ServerKind;
  readonly workerClass: WorkerClass;
  readonly workers: number;
  readonly handler: HandlerId;
  readonly mode: Mode;
  readonly tool: Tool;
  readonly connections: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly requests: number;
  readonly cpu: CpuSplit;
  readonly theoretical: number | undefined;
  readonly efficiency: number | undefined;
  readonly limit: Limit | 'failed';
  readonly reason: string;
}

export interface Meta {
  readonly date: string;
  readonly profile: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly tools: Readonly<Record<string, string>>;
  readonly durationS: number;
  readonly warmupS: number;
  readonly elapsedS: number;
  readonly notes: readonly string[];
}

export const SERVER_NAMES: Readonly<Record<ServerKind, string>> = {
  tsgun: 'tsgun',
  'cluster-rr': 'node:cluster RR',
  'cluster-none': 'node:cluster NONE',
  single: 'node:http ×1',
  gunicorn: 'gunicorn sync',
};

const COLUMNS: readonly Column[] = [
  { title: 'server' },
  { title: 'class' },
  { title: 'N', align: 'right' },
  { title: 'conn' },
  { title: 'tool' },
  { title: 'req/s', align: 'right' },
  { title: 'theory', align: 'right' },
  { title: 'eff.', align: 'right' },
  { title: 'p50 ms', align: 'right' },
  { title: 'p99 ms', align: 'right' },
  { title: 'errors', align: 'right' },
  { title: 'CPU % cli/mst/wrk/oth' },
  { title: 'limit' },
];

function cells(r: Row): string[] {
  const cls = r.server === 'tsgun' ? r.workerClass : '—';
  if (r.limit === 'failed')
    return [
      SERVER_NAMES[r.server],
      cls,
      String(r.workers),
      r.mode,
      r.tool,
      '—',
      '—',
      '—',
      '—',
      '—',
      '—',
      '—',
      `failed: ${r.reason.slice(0, 60)}`,
    ];
  return [
    SERVER_NAMES[r.server],
    cls,
    String(r.workers),
    r.mode,
    r.tool,
    fmtRps(r.rps),
    r.theoretical === undefined ? '—' : fmtRps(r.theoretical),
    fmtRatio(r.efficiency),
    fmtMs(r.p50Ms),
    fmtMs(r.p99Ms),
    String(r.errors),
    fmtCpu(r.cpu),
    r.limit,
  ];
}

export function handlerTitle(id: HandlerId, rows: readonly Row[]): string {
  const h = HANDLERS[id];
  const c = [...new Set(rows.filter((r) => r.handler === id).map((r) => r.connections))].join('/');
  return `${id}: \`${h.app}\` \`${h.path}\`, c=${c}`;
}

export function tables(rows: readonly Row[]): string {
  const out: string[] = [];
  for (const id of Object.keys(HANDLERS) as HandlerId[]) {
    const mine = rows.filter((r) => r.handler === id);
    if (mine.length === 0) continue;
    out.push(`### ${handlerTitle(id, rows)}\n\n${markdownTable(COLUMNS, mine.map(cells))}\n`);
  }
  return out.join('\n');
}

/** Charts: tsgun req/s vs workers, one per (class, connection mode), one line per handler. */
export function charts(rows: readonly Row[], cores: number): { readonly file: string; readonly title: string; readonly svg: string }[] {
  const out: { file: string; title: string; svg: string }[] = [];
  for (const cls of ['sync', 'async'] as const) {
    for (const mode of ['keep-alive', 'close'] as const) {
      // One load generator per chart: the one every row of that class and mode was measured with
      // (wrk wherever the server closes connections: close runs and the sync class).
      const tool = cls === 'async' && mode === 'keep-alive' ? 'autocannon' : 'wrk';
      const mine = rows.filter(
        (r) => r.server === 'tsgun' && r.tool === tool && r.workerClass === cls && r.mode === mode && r.limit !== 'failed',
      );
      const xValues = [...new Set(mine.map((r) => r.workers))].sort((a, b) => a - b);
      if (xValues.length < 2) continue;
      const series: Series[] = [];
      (Object.keys(HANDLERS) as HandlerId[]).forEach((id, i) => {
        const points = mine.filter((r) => r.handler === id).sort((a, b) => a.workers - b.workers);
        if (points.length === 0) return;
        const color = PALETTE[i % PALETTE.length] as string;
        series.push({ name: id, color, points: points.map((r) => [r.workers, r.rps] as const) });
        const theory = points.filter((r) => r.theoretical !== undefined).map((r) => [r.workers, r.theoretical as number] as const);
        if (theory.length > 0) series.push({ name: `${id} theory`, color, dashed: true, points: theory });
      });
      const title = `tsgun -k ${cls}, ${mode} (${tool}): req/s vs workers (${cores} cores)`;
      out.push({
        file: `scaling-${cls}-${mode}.svg`,
        title,
        svg: renderChart({ title, xLabel: 'workers', yLabel: 'req/s (log scale)', xValues, series }),
      });
    }
  }
  return out;
}

export function markdownReport(meta: Meta, rows: readonly Row[], chartFiles: readonly { file: string; title: string }[]): string {
  const tools = Object.entries(meta.tools)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `# tsgun benchmark results (${meta.profile} profile)`,
    '',
    `${meta.date} · ${meta.cores} cores (${meta.cpuModel}) · Node ${meta.node} · ${tools}`,
    '',
    `Each run: ${meta.warmupS} s warm-up + ${meta.durationS} s measured (wrk: whole seconds, no warm-up), loopback. Whole sweep: ${Math.round(meta.elapsedS)} s.`,
    '',
    'Columns: **theory** = N/t for waiting handlers (c/t for async waits), min(N, cores)/t for CPU work, none for hello; ' +
      '**eff.** = req/s ÷ theory; **CPU** = % of one core used by the load generator / the master / all workers / everything else on the machine over the run; ' +
      '**limit** = what stopped it: `client-bound` (load generator ≥ 85% of a core), `cores-saturated`, `workers-busy` (≥ 90% of N/t), `master-bound`, `other`.',
    '',
  ];
  if (meta.notes.length > 0) lines.push(...meta.notes.map((n) => `> ${n}`), '');
  for (const c of chartFiles) lines.push(`![${c.title}](${c.file})`, '');
  lines.push(tables(rows));
  return `${lines.join('\n')}\n`;
}
