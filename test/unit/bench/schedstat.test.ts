import { describe, expect, it } from 'vitest';
import { parseSchedstat, schedDelta, schedTimes } from '../../../src/bench/schedstat.js';

describe('scheduler accounting', () => {
  it('reads run and wait nanoseconds from a schedstat line', () => {
    expect(parseSchedstat('501533672 16403978 2711\n')).toEqual([501533672, 16403978]);
    expect(parseSchedstat('garbage')).toBeUndefined();
    expect(parseSchedstat('')).toBeUndefined();
  });

  it('splits this process into its main thread and the others, and the delta never goes negative', () => {
    const a = schedTimes([process.pid]);
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += i % 7;
    const b = schedTimes([process.pid]);
    expect(x).toBeGreaterThan(0);
    expect(b.mainRunNs).toBeGreaterThan(a.mainRunNs);
    const d = schedDelta(b, a); // reversed on purpose
    expect(d.mainRunNs).toBe(0);
    expect(schedTimes([2 ** 30])).toEqual({ mainRunNs: 0, mainWaitNs: 0, otherRunNs: 0, otherWaitNs: 0 });
  });
});
