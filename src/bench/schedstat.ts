/**
 * Where a server's time goes per request, from the scheduler's own accounting:
 * /proc/PID/task/TID/schedstat holds, per thread, nanoseconds spent running and nanoseconds spent
 * runnable but waiting for a core. Unlike utime/stime (sampled at the timer tick, which
 * over-charges processes woken by short timers, see docs/bench/compare-sync-recheck.md) both are
 * exact. For a blocking handler, a request's time beyond the handler itself is exactly its run time
 * plus its wait for a core, so these two numbers explain a sync worker's efficiency loss.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface SchedTimes {
  /** Main threads (the thread whose id is the pid): run ns, wait-for-a-core ns. */
  readonly mainRunNs: number;
  readonly mainWaitNs: number;
  /** Every other thread (V8's compiler and GC helpers, libuv's pool). */
  readonly otherRunNs: number;
  readonly otherWaitNs: number;
}

/** "run_ns wait_ns timeslices" → [run, wait]; undefined when malformed. */
export function parseSchedstat(text: string): [number, number] | undefined {
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  return run !== undefined && wait !== undefined && Number.isFinite(run) && Number.isFinite(wait) ? [run, wait] : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the thread or process ended meanwhile
  }
}

/** Sum over every thread of `pids` that exists now. */
export function schedTimes(pids: readonly number[]): SchedTimes {
  const t = { mainRunNs: 0, mainWaitNs: 0, otherRunNs: 0, otherWaitNs: 0 };
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const text = read(`/proc/${pid}/task/${tid}/schedstat`);
      const parsed = text === undefined ? undefined : parseSchedstat(text);
      if (parsed === undefined) continue;
      const [run, wait] = parsed;
      if (Number(tid) === pid) {
        t.mainRunNs += run;
        t.mainWaitNs += wait;
      } else {
        t.otherRunNs += run;
        t.otherWaitNs += wait;
      }
    }
  }
  return t;
}

export function schedDelta(before: SchedTimes, after: SchedTimes): SchedTimes {
  return {
    mainRunNs: Math.max(0, after.mainRunNs - before.mainRunNs),
    mainWaitNs: Math.max(0, after.mainWaitNs - before.mainWaitNs),
    otherRunNs: Math.max(0, after.otherRunNs - before.otherRunNs),
    otherWaitNs: Math.max(0, after.otherWaitNs - before.otherWaitNs),
  };
}
