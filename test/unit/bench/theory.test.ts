import { describe, expect, it } from 'vitest';
import { efficiency, slotsPerWorker, theoreticalRps, type TheoryInput } from '../../../src/bench/theory.js';

const base: TheoryInput = { work: 'wait-blocking', handlerMs: 10, workers: 8, workerClass: 'sync', connections: 16, cores: 2 };

describe('theoreticalRps', () => {
  it('is N/t for waits held by a worker', () => {
    expect(theoreticalRps(base)).toBeCloseTo(800);
    expect(theoreticalRps({ ...base, work: 'wait-async' })).toBeCloseTo(800);
    // A blocked event loop holds one request even in the async class.
    expect(theoreticalRps({ ...base, workerClass: 'async' })).toBeCloseTo(800);
  });

  it('is c/t when async workers overlap waits', () => {
    expect(theoreticalRps({ ...base, work: 'wait-async', workerClass: 'async', workers: 1 })).toBeCloseTo(1600);
    expect(theoreticalRps({ ...base, work: 'wait-async', workerClass: 'async', handlerMs: 100, connections: 50 })).toBeCloseTo(500);
  });

  it('is capped by connections: no more requests in flight than connections', () => {
    expect(theoreticalRps({ ...base, workers: 32 })).toBeCloseTo(1600);
  });

  it('is min(N, cores)/t for CPU work', () => {
    expect(theoreticalRps({ ...base, work: 'cpu', workers: 1 })).toBeCloseTo(100);
    expect(theoreticalRps({ ...base, work: 'cpu', workers: 16 })).toBeCloseTo(200);
  });

  it('has no line for a handler without work', () => {
    expect(theoreticalRps({ ...base, work: 'none', handlerMs: 0 })).toBeUndefined();
    expect(efficiency(1000, undefined)).toBeUndefined();
    expect(efficiency(760, 800)).toBeCloseTo(0.95);
  });

  it('counts one slot per sync worker', () => {
    expect(slotsPerWorker('wait-async', 'sync')).toBe(1);
    expect(slotsPerWorker('wait-async', 'async')).toBe(Number.POSITIVE_INFINITY);
  });
});
