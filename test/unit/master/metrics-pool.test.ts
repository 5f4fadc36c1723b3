import { describe, expect, it } from 'vitest';
import { PoolMetrics } from '../../../src/master/metrics-pool.js';
import { MetricsExposition } from '../../../src/master/metrics-exposition.js';
import type { WorkerStatsSnapshot } from '../../../src/ipc/stats-snapshot.js';
import type { MasterStatus } from '../../../src/control/protocol.js';

function snapshot(ok: number, errors: number, rejections: Record<string, number> = {}): WorkerStatsSnapshot {
  const hist = (n: number) => ({ counts: [n, ...new Array<number>(13).fill(0)], sum: n * 0.0005 });
  return {
    rss: 50e6,
    inFlight: 1,
    busyMs: 0,
    duration: { '2xx': hist(ok), ...(errors > 0 ? { '5xx': hist(errors) } : {}) },
    aborted: 0,
    queue: { counts: [ok + errors, ...new Array<number>(9).fill(0)], sum: 0 },
    rejections,
  };
}

const status: MasterStatus = {
  pid: 1,
  version: 'test',
  node: 'v20',
  startedAt: 0,
  uptimeSeconds: 1,
  binds: [],
  workerClass: 'sync',
  workers: { target: 2, running: 2 },
  controlSocket: null,
  metricsUrl: null,
};

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('pool metrics', () => {
  it("keeps a dead worker's counts, so pool counters never go backwards", async () => {
    const pool = new PoolMetrics();
    const exposition = new MetricsExposition({ pool, status: () => status, workerSnapshots: () => [] });
    pool.heartbeat(10, { requests: 7, connections: 1, stats: snapshot(6, 1, { '400 bad-header-name': 2 }) });
    pool.heartbeat(11, { requests: 3, connections: 0, stats: snapshot(3, 0) });
    const before = await exposition.render();
    expect(sample(before, 'tsgun_http_requests_total{status_class="2xx"}')).toBe(9);
    expect(sample(before, 'tsgun_http_requests_total{status_class="5xx"}')).toBe(1);
    expect(sample(before, 'tsgun_http_requests_in_flight')).toBe(2);

    pool.exited(10, 'max-requests');
    pool.heartbeat(12, { requests: 1, connections: 0, stats: snapshot(1, 0) });
    const after = await exposition.render();
    expect(sample(after, 'tsgun_http_requests_total{status_class="2xx"}')).toBe(10);
    expect(sample(after, 'tsgun_http_requests_total{status_class="5xx"}')).toBe(1);
    expect(sample(after, 'tsgun_http_request_duration_seconds_count{status_class="2xx"}')).toBe(10);
    expect(sample(after, 'tsgun_http_request_duration_seconds_bucket{status_class="2xx",le="+Inf"}')).toBe(10);
    expect(sample(after, 'tsgun_http_parser_rejections_total{status="400",reason="bad-header-name"}')).toBe(2);
    expect(sample(after, 'tsgun_worker_restarts_total{reason="max-requests"}')).toBe(1);
    expect(sample(after, 'tsgun_worker_restarts_total{reason="crash"}')).toBe(0);
    // In-flight is a gauge: a dead worker's value is dropped, not kept.
    expect(sample(after, 'tsgun_http_requests_in_flight')).toBe(2);
    expect(pool.totals().requests).toBe(11);
  });

  it('computes requests/s and busy ratio from the last two heartbeats', async () => {
    const pool = new PoolMetrics();
    const base = snapshot(0, 0);
    pool.heartbeat(5, { requests: 0, connections: 0, stats: { ...base, busyMs: 0 } });
    expect(pool.rates(5)).toEqual({ requestsPerSecond: null, busyRatio: null });
    await new Promise((r) => setTimeout(r, 200));
    pool.heartbeat(5, { requests: 100, connections: 0, stats: { ...base, busyMs: 100 } });
    const rates = pool.rates(5);
    expect(rates.requestsPerSecond).toBeGreaterThan(300);
    expect(rates.requestsPerSecond).toBeLessThanOrEqual(500);
    expect(rates.busyRatio).toBeGreaterThan(0.3);
    expect(rates.busyRatio).toBeLessThanOrEqual(0.5);
  });
});
