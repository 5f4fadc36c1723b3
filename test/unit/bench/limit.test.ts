import { describe, expect, it } from 'vitest';
import { classifyLimit, type LimitInput } from '../../../src/bench/limit.js';

const idle = { client: 0.1, master: 0, workers: 0.2, others: 0 };

function limit(input: Partial<LimitInput>): string {
  return classifyLimit({ work: 'none', cpu: idle, cores: 2, rps: 1000, theoretical: undefined, ...input }).limit;
}

describe('classifyLimit on the known cases (2 cores)', () => {
  it('hello with autocannon: the client saturates its core', () => {
    expect(limit({ cpu: { client: 0.98, master: 0.01, workers: 0.95, others: 0 }, rps: 32_000 })).toBe('client-bound');
  });

  it('hello with a fast client: the cores are full', () => {
    expect(limit({ cpu: { client: 0.45, master: 0.01, workers: 1.5, others: 0 }, rps: 50_000 })).toBe('cores-saturated');
  });

  it('sleep near N/t: the workers are all busy waiting', () => {
    const v = classifyLimit({ work: 'wait-blocking', cpu: idle, cores: 2, rps: 775, theoretical: 800 });
    expect(v.limit).toBe('workers-busy');
    expect(v.reason).toMatch(/97%/);
  });

  it('cpu near min(N, cores)/t: the cores', () => {
    expect(limit({ work: 'cpu', cpu: { client: 0.1, master: 0, workers: 1.8, others: 0 }, rps: 190, theoretical: 200 })).toBe(
      'cores-saturated',
    );
  });

  it('cpu below its line because the client takes a core share: still the cores', () => {
    expect(limit({ work: 'cpu', cpu: { client: 0.3, master: 0, workers: 1.6, others: 0 }, rps: 160, theoretical: 200 })).toBe(
      'cores-saturated',
    );
  });

  it('a master at one full core', () => {
    expect(limit({ cpu: { client: 0.5, master: 0.95, workers: 0.4, others: 0 } })).toBe('master-bound');
  });

  it('other processes filling the machine count as saturated cores, and are named', () => {
    const v = classifyLimit({
      work: 'wait-async',
      cpu: { client: 0.1, master: 0, workers: 0.2, others: 1.5 },
      cores: 2,
      rps: 300,
      theoretical: 800,
    });
    expect(v.limit).toBe('cores-saturated');
    expect(v.reason).toMatch(/outside the benchmark/);
  });

  it('nothing saturated and below the line: other (e.g. unbalanced workers)', () => {
    expect(limit({ work: 'wait-async', rps: 400, theoretical: 800 })).toBe('other');
  });
});
