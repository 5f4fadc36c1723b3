/** Human-readable `tsgun ctl dirty` and the dirty part of `tsgun ctl stats`. */
import { duration, table } from '../ctl/table.js';
import type { DirtyView } from './pool.js';
import type { DirtyStatsView } from './views.js';

export function formatDirty(view: DirtyView | null): string {
  if (view === null) return 'no dirty pool (--dirty-workers is 0)';
  const s = view.snapshot;
  const head =
    `dirty arbiter ${view.arbiterPid ?? '-'} (${view.state})  target ${view.target}  ` +
    `busy ${s?.busy ?? 0}/${s?.workers.length ?? 0}  queue ${s?.queueDepth ?? 0}/${s?.maxQueue ?? 0}`;
  const rows = (s?.workers ?? []).map((w) => [
    String(w.pid),
    String(w.id),
    String(w.generation),
    w.state,
    duration(w.uptimeSeconds),
    String(w.tasks),
    w.current === null ? '-' : `${w.current.task} ${w.current.method} (${(w.current.elapsedMs / 1000).toFixed(1)}s)`,
  ]);
  return `${head}\n\n${table(['PID', 'ID', 'GEN', 'STATE', 'UPTIME', 'TASKS', 'RUNNING'], rows, new Set([0, 1, 2, 4, 5]))}`;
}

export function dirtyStatsPairs(s: DirtyStatsView): [string, string][] {
  const pairs: [string, string][] = [
    ['dirty workers', `${s.running} running, target ${s.target}, ${s.busy} busy`],
    ['dirty queue', `${s.queueDepth} waiting (max ${s.maxQueue})`],
    ['dirty tasks', `${s.tasks}, ${s.errors} failed`],
  ];
  for (const [key, t] of Object.entries(s.byTask)) {
    const errors = Object.entries(t.errors)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    const mean = t.meanSeconds === null ? '-' : `${(t.meanSeconds * 1000).toFixed(1)} ms`;
    pairs.push([`  ${key}`, `${t.count}, mean ${mean}${errors ? `, errors: ${errors}` : ''}`]);
  }
  const exits = Object.entries(s.exits);
  pairs.push(['dirty worker exits', String(exits.reduce((sum, [, n]) => sum + n, 0))]);
  for (const [reason, n] of exits) pairs.push([`  ${reason}`, String(n)]);
  return pairs;
}
