/**
 * The dirty pool as `tsgun ctl dirty` / `ctl stats` show it and as Prometheus series, built
 * from the arbiter's latest snapshot (at most a second old; fresh after every pool change).
 */
import { DURATION_BUCKETS } from '../ipc/stats-snapshot.js';
import type { DirtyView } from './pool.js';

/** The part of the dirty pool the control socket may use. */
export interface DirtyControl {
  view(): DirtyView;
  scale(delta: number): { from: number; to: number };
}

export interface DirtyStatsView {
  readonly target: number;
  readonly running: number;
  readonly busy: number;
  readonly queueDepth: number;
  readonly maxQueue: number;
  readonly tasks: number;
  readonly errors: number;
  /** By `task.method`: count, errors by code, mean seconds. */
  readonly byTask: Readonly<
    Record<string, { readonly count: number; readonly errors: Readonly<Record<string, number>>; readonly meanSeconds: number | null }>
  >;
  readonly exits: Readonly<Record<string, number>>;
}

export function dirtyStats(view: DirtyView): DirtyStatsView {
  const s = view.snapshot;
  const byTask: Record<string, { count: number; errors: Record<string, number>; meanSeconds: number | null }> = {};
  let tasks = 0;
  let errors = 0;
  for (const [key, t] of Object.entries(s?.tasks ?? {})) {
    const timed = t.buckets.reduce((a, b) => a + b, 0);
    byTask[key] = { count: t.count, errors: { ...t.errors }, meanSeconds: timed === 0 ? null : t.sumSeconds / timed };
    tasks += t.count;
    for (const n of Object.values(t.errors)) errors += n;
  }
  return {
    target: view.target,
    running: s?.workers.length ?? 0,
    busy: s?.busy ?? 0,
    queueDepth: s?.queueDepth ?? 0,
    maxQueue: s?.maxQueue ?? 0,
    tasks,
    errors,
    byTask,
    exits: s?.exits ?? {},
  };
}

// ── Prometheus: prom-client metric JSON, aggregated with the HTTP pool's (metrics-exposition.ts) ──

interface JsonValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

export interface DirtyJsonMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: JsonValue[];
}

function splitKey(key: string): { task: string; method: string } {
  const dot = key.lastIndexOf('.');
  return dot === -1 ? { task: key, method: '' } : { task: key.slice(0, dot), method: key.slice(dot + 1) };
}

export function dirtyMetricsJson(view: DirtyView | undefined): DirtyJsonMetric[] {
  if (view === undefined) return [];
  const s = view.snapshot;
  const m = (name: string, help: string, type: DirtyJsonMetric['type'], values: JsonValue[]): DirtyJsonMetric => ({
    name,
    help,
    type,
    aggregator: 'sum',
    values,
  });
  const tasks: JsonValue[] = [];
  const errs: JsonValue[] = [];
  const durations: JsonValue[] = [];
  for (const [key, t] of Object.entries(s?.tasks ?? {})) {
    const labels = splitKey(key);
    tasks.push({ value: t.count, labels });
    for (const [code, n] of Object.entries(t.errors)) errs.push({ value: n, labels: { ...labels, code } });
    let cumulative = 0;
    DURATION_BUCKETS.forEach((le, i) => {
      cumulative += t.buckets[i] ?? 0;
      durations.push({ value: cumulative, labels: { ...labels, le }, metricName: 'tsgun_dirty_task_duration_seconds_bucket' });
    });
    cumulative += t.buckets[DURATION_BUCKETS.length] ?? 0;
    durations.push({ value: cumulative, labels: { ...labels, le: '+Inf' }, metricName: 'tsgun_dirty_task_duration_seconds_bucket' });
    durations.push({ value: t.sumSeconds, labels, metricName: 'tsgun_dirty_task_duration_seconds_sum' });
    durations.push({ value: cumulative, labels, metricName: 'tsgun_dirty_task_duration_seconds_count' });
  }
  return [
    m('tsgun_dirty_workers', 'Dirty worker processes alive (booting, idle, busy or stopping).', 'gauge', [
      { value: s?.workers.length ?? 0, labels: {} },
    ]),
    m('tsgun_dirty_workers_target', 'Number of dirty workers the dirty arbiter keeps (--dirty-workers, ctl dirty-add/remove).', 'gauge', [
      { value: view.target, labels: {} },
    ]),
    m('tsgun_dirty_workers_busy', 'Dirty workers running a task right now.', 'gauge', [{ value: s?.busy ?? 0, labels: {} }]),
    m('tsgun_dirty_queue_depth', 'Tasks waiting for a free dirty worker.', 'gauge', [{ value: s?.queueDepth ?? 0, labels: {} }]),
    m('tsgun_dirty_tasks_total', 'Dirty tasks finished or refused, by task and method.', 'counter', tasks),
    m('tsgun_dirty_task_errors_total', 'Dirty tasks that failed, by task, method and TSGUN_ERR_* code.', 'counter', errs),
    m('tsgun_dirty_task_duration_seconds', 'Time a dirty worker spent on a task, by task and method.', 'histogram', durations),
    m(
      'tsgun_dirty_worker_exits_total',
      'Dirty worker processes that exited, by reason (crash, timeout, reload, scale-down, shutdown).',
      'counter',
      Object.entries(s?.exits ?? {}).map(([reason, n]) => ({ value: n, labels: { reason } })),
    ),
  ];
}
