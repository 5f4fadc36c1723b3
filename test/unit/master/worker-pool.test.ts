import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../../src/master/worker-pool.js';
import { FakeWorker } from './fake-ports.js';

let nextId = 1;
function fork(pool: WorkerPool, now = 0): ReturnType<WorkerPool['add']> {
  const id = nextId++;
  return pool.add(new FakeWorker(id, 1000 + id, {}), pool.nextAge(), pool.freeSlot(), now);
}

describe('WorkerPool', () => {
  it('counts booting and ready workers towards the target, not stopping or retiring ones', () => {
    const pool = new WorkerPool();
    const [a, b, c] = [fork(pool), fork(pool), fork(pool)];
    expect(pool.shortfall(4)).toBe(1);
    expect(pool.markReady(a, 10)).toBe(true);
    expect(pool.markReady(a, 11)).toBe(false);
    pool.markReady(b, 10);
    expect(pool.readyCount()).toBe(2);
    expect(pool.retire(b, 'max-requests')).toBe(true);
    expect(pool.retire(b, 'memory')).toBe(false);
    expect(pool.retire(c, 'memory')).toBe(false); // still booting
    pool.markStopping(c, 'scale-down', 100);
    expect(pool.active().map((r) => r.age)).toEqual([a.age]);
    expect(pool.replaced()).toEqual([b]);
    expect(pool.readyPids()).toEqual([a.pid, b.pid]);
    expect(pool.aliveCount()).toBe(3);
  });

  it('gives ages in fork order, the lowest free board slot, and the oldest as surplus', () => {
    const pool = new WorkerPool();
    const rs = [fork(pool), fork(pool), fork(pool)];
    expect(rs.map((r) => r.age)).toEqual([1, 2, 3]);
    expect(rs.map((r) => r.slot)).toEqual([0, 1, 2]);
    expect(pool.surplus(1).map((r) => r.age)).toEqual([1, 2]);
    pool.markExited(rs[0]!, 0, null);
    expect(pool.reap()).toEqual([rs[0]]);
    expect(pool.reap()).toEqual([]);
    expect(fork(pool).slot).toBe(0);
  });

  it('runs a reload as a pending generation that becomes the serving one', () => {
    const pool = new WorkerPool();
    const old = fork(pool);
    pool.markReady(old, 0);
    expect(pool.beginReload()).toEqual({ generation: 1, superseded: [] });
    expect(pool.reloading).toBe(true);
    const fresh = fork(pool);
    expect(fresh.generation).toBe(1);
    expect(pool.isReloadWorker(fresh)).toBe(true);
    expect(pool.isReloadWorker(old)).toBe(false);
    expect(pool.shortfall(1)).toBe(0); // the building generation counts, not the serving one
    pool.markReady(fresh, 1);
    expect(pool.completeReload()).toEqual([old]);
    expect(pool.servingGeneration).toBe(1);
    expect(pool.completeReload()).toBeUndefined();
  });

  it('supersedes a reload in progress and abandons one whose worker failed', () => {
    const pool = new WorkerPool();
    fork(pool);
    pool.beginReload();
    const first = fork(pool);
    const second = pool.beginReload();
    expect(second).toEqual({ generation: 2, superseded: [first] });
    const next = fork(pool);
    expect(pool.abandonReload()).toEqual([next]);
    expect(pool.reloading).toBe(false);
    expect(pool.building).toBe(0);
    expect(pool.generationServed(2)).toBe(false);
  });

  it('finds overdue stopping workers and lists who a stop must reach', () => {
    const pool = new WorkerPool();
    const [a, b] = [fork(pool), fork(pool)];
    pool.markReady(a, 0);
    expect(pool.markStopping(b, 'shutdown', 50)).toBe('booting');
    expect(pool.overdue(49)).toEqual([]);
    expect(pool.overdue(50)).toEqual([b]);
    pool.clearDeadline(b);
    expect(pool.overdue(99)).toEqual([]);
    expect(pool.toStop(true)).toEqual([a]);
    expect(pool.toStop(false)).toEqual([a, b]);
    expect(pool.stoppable(b.pid)).toBeUndefined();
    expect(pool.stoppable(a.pid)).toBe(a);
    expect(pool.serving()).toEqual([a]);
  });
});
