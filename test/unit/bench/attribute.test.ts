import { describe, expect, it } from 'vitest';
import { attribute, linesFor } from '../../../src/bench/attribute.js';
import { calibrationFrom } from '../../../src/bench/calibrate.js';

const cal = { workerClass: 'sync' as const, requests: 200, serviceMs: 10, serverCpuMs: 0.5, clientCpuMs: 0.1 };
const idle = { client: 0.02, master: 0.01, workers: 0.1, others: 0 };

describe('attribute (2 cores, t = 10 ms, 0.6 ms CPU per request)', () => {
  it('lines from the calibration: N/t, cores/CPU, c/t, 1/client CPU', () => {
    const l = linesFor(cal, 4, false, 16, 2);
    expect(l.waiting).toBeCloseTo(400);
    expect(l.cores).toBeCloseTo(2 / 0.0006);
    expect(l.concurrency).toBeCloseTo(1600);
    expect(l.clientCpu).toBeCloseTo(10_000);
    expect(linesFor(cal, 4, true, 16, 2).waiting).toBe(Number.POSITIVE_INFINITY);
  });

  it('workers busy at N/t, with the kernel queue in the reason', () => {
    const a = attribute(
      { workerClass: 'sync', workers: 4, connections: 16, rps: 390, cpu: idle, backlog: 11.8 },
      linesFor(cal, 4, false, 16, 2),
      2,
    );
    expect(a).toMatchObject({ limit: 'workers-busy' });
    expect(a.efficiency).toBeCloseTo(0.975);
    expect(a.reason).toMatch(/11\.8 connections queued in the kernel/);
  });

  it('client concurrency when one worker overlaps waits', () => {
    expect(
      attribute({ workerClass: 'async', workers: 1, connections: 16, rps: 1560, cpu: idle }, linesFor(cal, 1, true, 16, 2), 2).limit,
    ).toBe('client-concurrency');
  });

  it('cores, client CPU and master when they saturate below the lines', () => {
    const lines = linesFor(cal, 64, false, 128, 2);
    expect(
      attribute(
        { workerClass: 'sync', workers: 64, connections: 128, rps: 2000, cpu: { client: 0.2, master: 0.1, workers: 1.6, others: 0 } },
        lines,
        2,
      ).limit,
    ).toBe('cores');
    expect(
      attribute(
        { workerClass: 'sync', workers: 64, connections: 128, rps: 2000, cpu: { client: 0.97, master: 0.1, workers: 0.5, others: 0 } },
        lines,
        2,
      ).limit,
    ).toBe('client-cpu');
    expect(
      attribute(
        { workerClass: 'sync', workers: 64, connections: 128, rps: 2000, cpu: { client: 0.2, master: 0.95, workers: 0.5, others: 0 } },
        lines,
        2,
      ).limit,
    ).toBe('master');
  });

  it('well above a line (trivial handler, t overstated at c=1): the worker saturating its core', () => {
    const trivial = { ...cal, serviceMs: 0.27, serverCpuMs: 0.3, clientCpuMs: 0.04 };
    const cpu = { client: 0.26, master: 0.26, workers: 0.92, others: 0.03 };
    const a = attribute({ workerClass: 'sync', workers: 1, connections: 16, rps: 7964, cpu }, linesFor(trivial, 1, false, 16, 2), 2);
    expect(a).toMatchObject({ limit: 'workers-busy', reason: 'each worker used 92% of a core' });
  });

  it('below every line with nothing saturated: the nearest line and its efficiency', () => {
    const a = attribute({ workerClass: 'sync', workers: 32, connections: 64, rps: 2200, cpu: idle }, linesFor(cal, 32, false, 64, 2), 2);
    expect(a.limit).toBe('workers-busy');
    expect(a.efficiency).toBeCloseTo(2200 / 3200);
  });

  it('calibration: t and CPU per request from a c=1 run; too few requests give nothing', () => {
    const load = { tool: 'wrk' as const, requests: 200, seconds: 2, rps: 100, p50Ms: 10, p99Ms: 11, errors: 0, shares: {} };
    const m = { load, cpu: { client: 0.01, master: 0.005, workers: 0.045, others: 0 } };
    const c = calibrationFrom('sync', m);
    expect(c?.serviceMs).toBeCloseTo(10);
    expect(c?.serverCpuMs).toBeCloseTo(0.5);
    expect(c?.clientCpuMs).toBeCloseTo(0.1);
    expect(calibrationFrom('sync', { ...m, load: { ...m.load, requests: 3 } })).toBeUndefined();
  });
});
