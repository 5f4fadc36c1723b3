/** Human-readable output of `tsgun ctl`: aligned tables and key/value blocks. */
import type { MasterStatus, PoolStatsView, QueueWaitView, WorkerSnapshot } from '../control/protocol.js';
import { dirtyStatsPairs } from '../dirty/format.js';
import { bytes, duration, table } from './table.js';

function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join('\n');
}

function percent(ratio: number | null): string {
  return ratio === null ? '-' : `${Math.round(ratio * 100)}%`;
}

export function formatStatus(s: MasterStatus): string {
  return keyValues([
    ['master pid', String(s.pid)],
    ['version', `tsgun ${s.version} (node ${s.node})`],
    ['uptime', duration(s.uptimeSeconds)],
    ['listening', s.binds.join(', ')],
    ['worker class', s.workerClass],
    ['workers', `${s.workers.running} running, target ${s.workers.target}`],
    ['control socket', s.controlSocket ?? '-'],
    ['metrics', s.metricsUrl ?? 'off'],
  ]);
}

export function formatWorkers(workers: readonly WorkerSnapshot[]): string {
  const rows = workers.map((w) => [
    String(w.pid),
    String(w.id),
    String(w.generation),
    w.state,
    duration(w.uptimeSeconds),
    String(w.requests),
    String(w.inFlight),
    String(w.upgraded),
    percent(w.busyRatio),
    bytes(w.rss),
    `${(w.lastHeartbeatMs / 1000).toFixed(1)}s ago`,
  ]);
  const headers = ['PID', 'ID', 'GEN', 'STATE', 'UPTIME', 'REQUESTS', 'IN-FLIGHT', 'UPGRADED', 'BUSY', 'RSS', 'HEARTBEAT'];
  return table(headers, rows, new Set([0, 1, 2, 4, 5, 6, 7, 8, 9, 10]));
}

/** ctl top: one frame of the live view. */
export function formatTop(status: MasterStatus, workers: readonly WorkerSnapshot[]): string {
  const rps = workers.reduce((sum, w) => sum + (w.requestsPerSecond ?? 0), 0);
  const head =
    `tsgun ${status.version}  master ${status.pid}  up ${duration(status.uptimeSeconds)}  ` +
    `${status.workerClass} × ${status.workers.running} (target ${status.workers.target})  ${rps.toFixed(0)} req/s`;
  const queued = (status.listenBacklog ?? []).map((q) => `${q.queued}/${q.max}`).join(' ');
  const backlog = queued === '' ? '' : `  backlog ${queued}`;
  const rows = workers.map((w) => [
    String(w.pid),
    String(w.id),
    w.state,
    w.requestsPerSecond === null ? '-' : w.requestsPerSecond.toFixed(0),
    String(w.inFlight),
    percent(w.busyRatio),
    bytes(w.rss),
    String(w.requests),
  ]);
  const columns = ['PID', 'ID', 'STATE', 'REQ/S', 'IN-FLIGHT', 'BUSY', 'RSS', 'REQUESTS'];
  return `${head}${backlog}\n\n${table(columns, rows, new Set([0, 1, 3, 4, 5, 6, 7]))}`;
}

function queueWait(q: QueueWaitView): string {
  if (q.requests === 0) return '-';
  const p99 = q.p99AtMostMs === null ? '> 5 s' : `≤ ${q.p99AtMostMs} ms`;
  return `mean ${q.meanMs.toFixed(2)} ms, p99 ${p99} (${q.requests} requests)`;
}

export function formatStats(s: PoolStatsView): string {
  const pairs: [string, string][] = [
    ['uptime', duration(s.uptimeSeconds)],
    ['workers', `${s.workers.running} running, target ${s.workers.target}`],
    ['requests', String(s.requests)],
    ...Object.entries(s.requestsByStatusClass).map(([cls, n]): [string, string] => [`  ${cls}`, String(n)]),
    ['aborted', String(s.aborted)],
    ['in flight', String(s.inFlight)],
    ['workers RSS', bytes(s.rssBytes)],
  ];
  for (const q of s.listenBacklog ?? []) pairs.push([`accept backlog ${q.listener}`, `${q.queued} waiting (limit ${q.max})`]);
  if (s.queueWait !== undefined) pairs.push(['queue wait', queueWait(s.queueWait)]);
  const upstream = s.upstreamQueueWait;
  if (upstream !== undefined && upstream.requests > 0) pairs.push(['  since X-Request-Start', queueWait(upstream)]);
  if (s.shed !== undefined) pairs.push(['shed (503, --max-queue-time)', String(s.shed)]);
  const rejections = Object.entries(s.rejections);
  pairs.push(['rejected', String(rejections.reduce((sum, [, n]) => sum + n, 0))]);
  for (const [reason, n] of rejections) pairs.push([`  ${reason}`, String(n)]);
  // Absent from older masters.
  if (s.faults !== undefined)
    pairs.push(['log lines dropped', String(s.faults.logDropped)], ['send timeouts', String(s.faults.sendTimeouts)]);
  const exits = Object.entries(s.workerExits);
  pairs.push(['worker exits', String(exits.reduce((sum, [, n]) => sum + n, 0))]);
  for (const [reason, n] of exits) pairs.push([`  ${reason}`, String(n)]);
  if (s.dirty) pairs.push(...dirtyStatsPairs(s.dirty));
  return keyValues(pairs);
}

export function formatConfig(config: {
  readonly app?: string;
  readonly configFile?: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly hooks: readonly string[];
}): string {
  const pairs: [string, string][] = [
    ['app', config.app ?? '-'],
    ['config file', config.configFile ?? '-'],
    ...Object.entries(config.settings).map(([k, v]): [string, string] => [k, JSON.stringify(v)]),
    ['hooks', config.hooks.length === 0 ? '-' : config.hooks.join(', ')],
  ];
  return keyValues(pairs);
}
