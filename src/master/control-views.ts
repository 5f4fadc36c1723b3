/** The read-only views the control socket and metrics serve, built from the master's records. */
import type { PoolStatsView, WorkerSnapshot } from '../control/protocol.js';
import { histogramCount, type PoolMetrics } from './metrics-pool.js';
import type { WorkerRecord } from './worker-record.js';

export function describeWorkers(records: Iterable<WorkerRecord>, pool: PoolMetrics, now = Date.now()): WorkerSnapshot[] {
  const out: WorkerSnapshot[] = [];
  for (const r of records) {
    if (!r.alive) continue;
    const stats = pool.latest(r.pid);
    const rates = pool.rates(r.pid);
    out.push({
      pid: r.pid,
      id: r.age,
      generation: r.generation,
      state: r.state,
      uptimeSeconds: (now - r.startedAt) / 1000,
      requests: r.requests,
      inFlight: stats?.inFlight ?? 0,
      connections: pool.connections(r.pid),
      upgraded: typeof stats?.upgraded === 'number' ? stats.upgraded : 0, // from a worker: trust only a number
      requestsPerSecond: rates.requestsPerSecond,
      busyRatio: rates.busyRatio,
      rss: stats?.rss ?? null,
      lastHeartbeatMs: Math.max(0, now - r.lastHeartbeat),
    });
  }
  return out.sort((a, b) => a.id - b.id);
}

export function describePool(
  pool: PoolMetrics,
  workers: readonly WorkerSnapshot[],
  target: number,
  uptimeSeconds: number,
): PoolStatsView {
  const totals = pool.totals();
  const byClass: Record<string, number> = {};
  let answered = 0;
  for (const [cls, h] of Object.entries(totals.duration)) {
    const n = histogramCount(h);
    byClass[cls] = n;
    answered += n;
  }
  return {
    uptimeSeconds,
    workers: { target, running: workers.length },
    requests: answered,
    requestsByStatusClass: byClass,
    aborted: totals.aborted,
    inFlight: pool.inFlight(),
    rejections: totals.rejections,
    workerExits: Object.fromEntries(pool.exits()),
    rssBytes: workers.reduce((sum, w) => sum + (w.rss ?? 0), 0),
  };
}
