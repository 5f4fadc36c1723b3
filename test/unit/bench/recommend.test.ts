import { describe, expect, it } from 'vitest';
import { recommend, type SweepPoint } from '../../../src/bench/recommend.js';

function points(cls: 'sync' | 'async', rows: readonly [number, number, number?][]): SweepPoint[] {
  return rows.map(([workers, rps, p99 = 20]) => ({ workerClass: cls, workers, rps, p99Ms: p99, errorRate: 0, limit: 'other' as const }));
}

describe('recommend (2 cores)', () => {
  it('CPU-bound: workers = cores, sync', () => {
    const r = recommend([...points('sync', [[1, 98, 20], [2, 190, 25], [8, 192, 90]]), ...points('async', [[1, 97], [2, 188], [8, 190, 120]])], 2);
    expect(r).toMatchObject({ workers: 2, workerClass: 'sync', shape: 'cpu-bound' });
    expect(r.reason).toMatch(/^CPU-bound: 2 worker\(s\) = cores/);
    expect(r.reason).toMatch(/more only adds latency/);
  });

  it('blocking waits: sync, the fewest workers near the best', () => {
    const r = recommend([...points('sync', [[1, 97], [2, 194], [4, 388], [8, 770]]), ...points('async', [[1, 96], [2, 193], [8, 768]])], 2);
    expect(r).toMatchObject({ workers: 8, workerClass: 'sync', shape: 'blocking-waits' });
    expect(r.reason).toMatch(/largest count tried/);
  });

  it('blocking waits that level off: stops where the gain ends', () => {
    const r = recommend(points('sync', [[1, 97], [2, 194], [4, 388], [8, 700], [16, 720]]), 2);
    expect(r.workers).toBe(8);
  });

  it('non-blocking waits: async at cores', () => {
    const r = recommend([...points('sync', [[1, 97], [2, 190], [8, 760]]), ...points('async', [[1, 1500], [2, 1550], [8, 1480]])], 2);
    expect(r).toMatchObject({ workers: 2, workerClass: 'async', shape: 'non-blocking-waits' });
  });

  it('flags a client-bound best point and drops failing runs', () => {
    const bad: SweepPoint = { workerClass: 'sync', workers: 8, rps: 99_999, p99Ms: 1, errorRate: 0.5, limit: 'other' };
    const top: SweepPoint = { workerClass: 'sync', workers: 2, rps: 30_000, p99Ms: 3, errorRate: 0, limit: 'client-bound' };
    const r = recommend([...points('sync', [[1, 28_000]]), top, bad], 2);
    expect(r.shape).toBe('cpu-bound');
    expect(r.caveats.join(' ')).toMatch(/load generator/);
    expect(r.caveats.join(' ')).toMatch(/errors above 1%/);
  });

  it('nothing measured: a default with the reason', () => {
    expect(recommend([], 2)).toMatchObject({ workers: 2, workerClass: 'sync' });
  });
});
