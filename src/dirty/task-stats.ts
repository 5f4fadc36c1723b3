/** Counters per `task.method` kept by the dirty arbiter: count, errors by code, duration histogram. */
import { DURATION_BUCKETS } from '../ipc/stats-snapshot.js';
import type { TaskCounters } from './protocol.js';

interface Mutable {
  count: number;
  errors: Record<string, number>;
  buckets: number[];
  sumSeconds: number;
}

/** Distinct task keys kept: a caller inventing method names must not grow the arbiter forever. */
const MAX_KEYS = 1000;

export class TaskStats {
  readonly #byTask = new Map<string, Mutable>();

  /** One finished (or refused) task; `seconds` undefined when it never ran. */
  record(task: string, method: string, seconds: number | undefined, errorCode: string | undefined): void {
    let key = `${task}.${method}`;
    if (!this.#byTask.has(key) && this.#byTask.size >= MAX_KEYS) key = 'other';
    let t = this.#byTask.get(key);
    if (t === undefined)
      this.#byTask.set(key, (t = { count: 0, errors: {}, buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sumSeconds: 0 }));
    t.count++;
    if (errorCode !== undefined) t.errors[errorCode] = (t.errors[errorCode] ?? 0) + 1;
    if (seconds !== undefined) {
      let i = DURATION_BUCKETS.findIndex((le) => seconds <= le);
      if (i === -1) i = DURATION_BUCKETS.length;
      t.buckets[i] = (t.buckets[i] ?? 0) + 1;
      t.sumSeconds += seconds;
    }
  }

  snapshot(): Record<string, TaskCounters> {
    const out: Record<string, TaskCounters> = {};
    for (const [k, t] of this.#byTask)
      out[k] = { count: t.count, errors: { ...t.errors }, buckets: [...t.buckets], sumSeconds: t.sumSeconds };
    return out;
  }
}
