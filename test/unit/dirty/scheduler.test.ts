import { describe, expect, it } from 'vitest';
import { DirtyScheduler } from '../../../src/dirty/scheduler.js';

const w = (id: number): { id: number } => ({ id });

describe('DirtyScheduler', () => {
  it('runs on an idle worker, the one with the fewest tasks, before queueing', () => {
    const s = new DirtyScheduler<{ id: number }, string>(2);
    const [a, b] = [w(1), w(2)];
    s.add(a);
    s.add(b);
    const first = s.submit('t1');
    const second = s.submit('t2');
    expect(first).toMatchObject({ kind: 'run' });
    expect(second).toMatchObject({ kind: 'run' });
    expect(first.kind === 'run' && second.kind === 'run' && first.worker !== second.worker).toBe(true);
    expect(s.submit('t3')).toEqual({ kind: 'queued' });
    expect(s.submit('t4')).toEqual({ kind: 'queued' });
    expect(s.submit('t5')).toEqual({ kind: 'overloaded' });
    expect(s.queueDepth).toBe(2);
    // A finishing worker takes the head of the queue: no task waits while a worker is idle.
    expect(s.release(a)).toBe('t3');
    expect(s.release(b)).toBe('t4');
    expect(s.release(a)).toBeUndefined();
    expect(s.busyCount).toBe(1);
    // c=1: alternating between workers by count, not always the same one.
    s.release(b);
    const picks = Array.from({ length: 6 }, () => {
      const r = s.submit('x');
      if (r.kind !== 'run') throw new Error('expected run');
      s.release(r.worker);
      return r.worker.id;
    });
    expect(picks.filter((id) => id === 1)).toHaveLength(3);
  });

  it('prefetches only under a backlog and requeues a prefetched task first in line', () => {
    const s = new DirtyScheduler<{ id: number }, string>(10);
    const [a, b] = [w(1), w(2)];
    s.add(a);
    s.add(b);
    s.submit('t1');
    s.submit('t2');
    s.submit('t3');
    expect(s.prefetch(a, 2)).toBeUndefined();
    s.submit('t4');
    expect(s.prefetch(a, 2)).toBe('t3');
    expect(s.queueDepth).toBe(1);
    s.remove(a);
    expect(s.requeue('t3')).toBeUndefined();
    expect(s.release(b)).toBe('t3');
    expect(s.drain()).toEqual(['t4']);
  });
});
