/**
 * Attribution and recommendation replayed on recorded `tsgun bench APP --json` runs of the four
 * textbook shapes (this machine kind: 2 cores, wrk -t1, c=16, workers 1/2/4/8, both classes).
 * Re-record with: node dist/bin/tsgun.js bench examples/<app> --duration 3 --json > test/unit/bench/recorded/<app>.json
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attributeRows, benchRecommendation, type BenchRow } from '../../../src/bench/run-bench.js';
import type { Calibration } from '../../../src/bench/calibrate.js';
import type { WorkerClass } from '../../../src/bench/theory.js';

interface Recorded {
  readonly cores: number;
  readonly connections: number;
  readonly calibrations: Partial<Record<WorkerClass, Calibration>>;
  readonly rows: BenchRow[];
  readonly recommendation: { workers: number; workerClass: string; shape: string; reason: string };
}

function replay(name: string) {
  const rec = JSON.parse(readFileSync(new URL(`./recorded/${name}.json`, import.meta.url), 'utf8')) as Recorded;
  const rows = attributeRows(rec.rows, rec.calibrations, rec.cores, rec.connections);
  const limit = (cls: WorkerClass, n: number): string | undefined => rows.find((r) => r.workerClass === cls && r.workers === n)?.limit;
  return { rec, rows, limit, recommendation: benchRecommendation(rows, rec.calibrations, rec.cores, rec.connections) };
}

describe('tsgun bench on recorded runs', () => {
  it('keeps the --json fields callers read', () => {
    const { rec } = replay('sleep');
    for (const r of rec.rows) {
      expect(r).toHaveProperty('workerClass');
      expect(r).toHaveProperty('workers');
      expect(r).toHaveProperty('limit');
    }
    expect(Object.keys(rec.recommendation)).toEqual(expect.arrayContaining(['workers', 'workerClass', 'shape', 'reason']));
  });

  it('blocking waits (sleep-blocking.js): sync, more workers than cores, every row on N/t', () => {
    const { rows, recommendation } = replay('sleep-blocking');
    for (const r of rows) {
      expect(r.limit, `${r.workerClass} ×${r.workers}`).toBe('workers-busy');
      expect(r.efficiency).toBeGreaterThan(0.9);
    }
    expect(recommendation).toMatchObject({ workerClass: 'sync', shape: 'blocking-waits' });
    expect(recommendation.workers).toBeGreaterThan(8);
    expect(recommendation.reason).toMatch(/N\/t meets the cores line .* near N ≈ \d+/);
  });

  it('non-blocking waits (sleep.js): async at cores; async rows are the client concurrency, sync rows N/t', () => {
    const { recommendation, limit } = replay('sleep');
    for (const n of [1, 2, 4, 8]) {
      expect(limit('sync', n)).toBe('workers-busy');
      expect(limit('async', n)).toBe('client-concurrency');
    }
    expect(recommendation).toMatchObject({ workerClass: 'async', workers: 2, shape: 'non-blocking-waits' });
    expect(recommendation.caveats.join(' ')).toMatch(/16 connections bound/);
  });

  it('CPU (cpu.js): workers = cores; past the cores the rows are the cores', () => {
    const { recommendation, limit } = replay('cpu');
    expect(recommendation).toMatchObject({ workers: 2, shape: 'cpu-bound' });
    expect(limit('sync', 1)).toBe('workers-busy');
    expect(limit('sync', 8)).toBe('cores');
    expect(limit('async', 8)).toBe('cores');
  });

  it('trivial (hello.js): cores, keep-alive, no wait shape', () => {
    const { recommendation, rows } = replay('hello');
    expect(recommendation).toMatchObject({ workers: 2, workerClass: 'async', shape: 'trivial' });
    expect(recommendation.reason).toMatch(/Keep-alive/);
    for (const r of rows.filter((x) => x.workers >= 2)) expect(['cores', 'client-cpu']).toContain(r.limit);
  });
});
