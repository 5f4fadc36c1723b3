/** The read-only views the control socket and metrics serve, built from the master's records. */
import type { ListenBacklog, PoolStatsView, QueueWaitView, WorkerSnapshot } from '../control/protocol.js';
import { QUEUE_BUCKETS, type HistogramSnapshot } from '../ipc/stats-snapshot.js';
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
      upgraded: stats?.upgraded ?? 0, // checked as a count by ipc/decode-worker-message.ts
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
  listenBacklog: readonly ListenBacklog[] = [],
  masterLogDropped = 0,
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
    queueWait: queueWaitView(totals.queue),
    upstreamQueueWait: queueWaitView(totals.upstreamQueue),
    shed: totals.shed,
    listenBacklog,
    faults: { logDropped: totals.faults.logDropped + masterLogDropped, sendTimeouts: totals.faults.sendTimeouts },
  };
}

/** Count, mean and the bucket bound of the 99th percentile of a queue-wait histogram. */
export function queueWaitView(h: HistogramSnapshot | undefined): QueueWaitView {
  const requests = histogramCount(h);
  if (h === undefined || requests === 0) return { requests: 0, meanMs: 0, p99AtMostMs: null };
  let seen = 0;
  let p99: number | null = null;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i] ?? 0;
    if (seen >= 0.99 * requests) {
      const bound = QUEUE_BUCKETS[i];
      p99 = bound === undefined ? null : bound * 1000;
      break;
    }
  }
  return { requests, meanMs: (h.sum / requests) * 1000, p99AtMostMs: p99 };
}
