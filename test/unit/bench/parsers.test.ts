import { describe, expect, it } from 'vitest';
import { coresUsed, parseProcStat, parseSystemCpu } from '../../../src/bench/proc.js';
import { parseChildTimes, parseShares, parseWrkOutput, parseWrkTime } from '../../../src/bench/wrk.js';

describe('/proc parsers', () => {
  it('reads pid, ppid, utime+stime and rss past a command name with spaces and parentheses', () => {
    const line =
      '4242 (node (tsgun) x) S 4200 4242 4200 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 5000 1000000 12345 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4200, cpuTicks: 325, rssPages: 12345 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('sums busy system time from /proc/stat', () => {
    expect(parseSystemCpu('cpu  100 10 50 9000 40 5 5 0 0 0\ncpu0 1 2 3 4\n')).toBeCloseTo(1.7);
  });

  it('turns CPU seconds into cores over a window', () => {
    const before = new Map([
      [1, 10],
      [2, 5],
    ]);
    const after = new Map([
      [1, 12],
      [2, 6],
      [3, 9],
    ]);
    expect(coresUsed(before, after, [1, 2, 3], 2)).toBeCloseTo(1.5);
  });
});

const WRK = `Running 2s test @ http://127.0.0.1:8000/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms  300.00us   9.00ms   90.00%
  Latency Distribution
     50%  851.00us
     75%    1.01ms
     90%    1.37ms
     99%    3.37ms
  93712 requests in 2.00s, 12.33MB read
  Socket errors: connect 0, read 12, write 1, timeout 2
  Non-2xx or 3xx responses: 5
Requests/sec:  46812.10
Transfer/sec:      6.16MB
share 101 50000
share 102 43712
0m0.004s 0m0.002s
0m1.500s 0m0.250s
`;

describe('wrk output', () => {
  it('parses times with units', () => {
    expect(parseWrkTime('851.00us')).toBeCloseTo(0.851);
    expect(parseWrkTime('2.5s')).toBe(2500);
    expect(parseWrkTime('x')).toBeUndefined();
  });

  it('parses rate, percentiles and failures (read errors are closes, not failures)', () => {
    expect(parseWrkOutput(WRK)).toEqual({ requests: 93712, seconds: 2, rps: 46812.1, p50Ms: 0.851, p99Ms: 3.37, errors: 8 });
  });

  it('reads the children CPU line of bash `times` and the share lines', () => {
    expect(parseChildTimes(WRK)).toBeCloseTo(1.75);
    expect(parseShares(WRK)).toEqual({ '101': 50000, '102': 43712 });
  });
});
