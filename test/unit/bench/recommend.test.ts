import { describe, expect, it } from 'vitest';
import type { Calibration } from '../../../src/bench/calibrate.js';
import { recommend, shapeOf, type RecommendInput, type SweepPoint } from '../../../src/bench/recommend.js';

function points(cls: 'sync' | 'async', rows: readonly [number, number, SweepPoint['limit']?, number?][]): SweepPoint[] {
  return rows.map(([workers, rps, limit = 'workers-busy', efficiency = 0.95]) => ({
    workerClass: cls,
    workers,
    rps,
    p99Ms: 20,
    errorRate: 0,
    limit,
    efficiency,
  }));
}

const cal = (workerClass: 'sync' | 'async', serviceMs: number, serverCpuMs: number): Calibration => ({
  workerClass,
  requests: 200,
  serviceMs,
  serverCpuMs,
  clientCpuMs: 0.1,
});
const waits = { sync: cal('sync', 10.5, 0.3), async: cal('async', 10.3, 0.2) };

function input(p: SweepPoint[], calibrations: RecommendInput['calibrations'] = waits): RecommendInput {
  return { points: p, calibrations, cores: 2, connections: 16 };
}

describe('recommend (2 cores, synthetic sweeps)', () => {
  it('blocking waits tried only at 1 and 2 workers: more sync workers, beyond what was tried', () => {
    const r = recommend(
      input([
        ...points('sync', [
          [1, 93],
          [2, 185],
        ]),
        ...points('async', [
          [1, 94],
          [2, 186],
        ]),
      ]),
    );
    expect(r).toMatchObject({ workerClass: 'sync', shape: 'blocking-waits', workers: 4 });
    expect(r.reason).toMatch(/beyond what was tried/);
  });

  it('blocking waits that level off: the fewest workers near the best', () => {
    const r = recommend(
      input(
        points('sync', [
          [1, 95],
          [2, 190],
          [4, 380],
          [8, 700, 'workers-busy', 0.92],
          [16, 720, 'cores', 0.6],
        ]),
      ),
    );
    expect(r.workers).toBe(8);
    expect(r.caveats.join(' ')).toMatch(/async class was not tried/);
  });

  it('non-blocking waits need an async row above its own N/t', () => {
    const p = [
      ...points('sync', [
        [1, 95],
        [2, 190],
      ]),
      ...points('async', [
        [1, 1500, 'client-concurrency'],
        [2, 1510, 'client-concurrency'],
      ]),
    ];
    expect(shapeOf(input(p), p)).toBe('non-blocking-waits');
    expect(recommend(input(p))).toMatchObject({ workerClass: 'async', workers: 2 });
  });

  it('CPU: server CPU per request near t', () => {
    const p = points('sync', [
      [1, 95],
      [2, 185, 'cores'],
      [8, 150, 'cores'],
    ]);
    expect(recommend(input(p, { sync: cal('sync', 10.6, 10.4) }))).toMatchObject({ workers: 2, workerClass: 'sync', shape: 'cpu-bound' });
  });

  it('trivial: cores, async for keep-alive, and a warning when the client was the limit', () => {
    const p = [
      ...points('sync', [[2, 9000, 'cores']]),
      ...points('async', [
        [1, 30_000, 'client-cpu'],
        [2, 32_000, 'client-cpu'],
      ]),
    ];
    const r = recommend(input(p, { sync: cal('sync', 0.2, 0.1), async: cal('async', 0.04, 0.03) }));
    expect(r).toMatchObject({ workers: 2, workerClass: 'async', shape: 'trivial' });
    expect(r.caveats.join(' ')).toMatch(/load generator saturated its core/);
  });

  it('drops failing runs and says so; nothing measured gives a default', () => {
    const bad: SweepPoint = { workerClass: 'sync', workers: 8, rps: 99_999, p99Ms: 1, errorRate: 0.5, limit: 'other' };
    expect(
      recommend(
        input([
          ...points('sync', [
            [1, 95],
            [2, 190],
          ]),
          bad,
        ]),
      ).caveats.join(' '),
    ).toMatch(/errors above 1%/);
    expect(recommend(input([]))).toMatchObject({ workers: 2, workerClass: 'sync' });
  });
});
