/**
 * Which dirty worker runs a task (pure; no processes). A task goes to an idle worker when there
 * is one — the one that has run the fewest tasks, so per-worker counts stay even even at c=1 —
 * else it waits in one FIFO queue bounded by --dirty-max-queue. A worker that finishes takes
 * the head of the queue before it is marked idle, so no task waits while a worker is idle.
 */
export interface Schedulable {
  readonly id: number;
}

export type SubmitResult<W> = { readonly kind: 'run'; readonly worker: W } | { readonly kind: 'queued' } | { readonly kind: 'overloaded' };

export class DirtyScheduler<W extends Schedulable, T> {
  readonly #idle = new Set<W>();
  readonly #busy = new Set<W>();
  readonly #ran = new Map<W, number>();
  #queue: T[] = [];
  #head = 0;
  #maxQueue: number;

  constructor(maxQueue: number) {
    this.#maxQueue = maxQueue;
  }

  set maxQueue(n: number) {
    this.#maxQueue = n;
  }

  get maxQueue(): number {
    return this.#maxQueue;
  }

  /** Tasks run (or prefetched) by this worker since it was added. */
  ran(worker: W): number {
    return this.#ran.get(worker) ?? 0;
  }

  get queueDepth(): number {
    return this.#queue.length - this.#head;
  }

  get busyCount(): number {
    return this.#busy.size;
  }

  get size(): number {
    return this.#idle.size + this.#busy.size;
  }

  /** A worker is ready for tasks: it takes the queue's head at once if a task waits. */
  add(worker: W): T | undefined {
    if (this.#idle.has(worker) || this.#busy.has(worker)) return undefined;
    this.#ran.set(worker, this.#ran.get(worker) ?? 0);
    return this.#take(worker);
  }

  /** No more tasks for this worker (stopping, crashed, timed out). */
  remove(worker: W): void {
    this.#idle.delete(worker);
    this.#busy.delete(worker);
    this.#ran.delete(worker);
  }

  submit(task: T): SubmitResult<W> {
    let best: W | undefined;
    let fewest = Infinity;
    for (const w of this.#idle) {
      const n = this.#ran.get(w) ?? 0;
      if (n < fewest) {
        fewest = n;
        best = w;
      }
    }
    if (best !== undefined) {
      this.#idle.delete(best);
      this.#busy.add(best);
      this.#ran.set(best, fewest + 1);
      return { kind: 'run', worker: best };
    }
    if (this.queueDepth >= this.#maxQueue) return { kind: 'overloaded' };
    this.#queue.push(task);
    return { kind: 'queued' };
  }

  /** The worker finished its task: its next task, or undefined (it is idle now). */
  release(worker: W): T | undefined {
    if (!this.#busy.delete(worker)) return undefined;
    return this.#take(worker);
  }

  /**
   * A busy worker takes the queue's head to run after its current task (prefetch), counted
   * as one more task for it; only while at least `minDepth` tasks wait (see arbiter.ts).
   */
  prefetch(worker: W, minDepth: number): T | undefined {
    if (!this.#busy.has(worker) || this.queueDepth < Math.max(1, minDepth)) return undefined;
    const task = this.#queue[this.#head] as T;
    this.#queue[this.#head] = undefined as T;
    this.#head++;
    this.#ran.set(worker, (this.#ran.get(worker) ?? 0) + 1);
    return task;
  }

  /**
   * A prefetched task that never started (its worker died): first in line again — or, when a
   * worker is idle, straight to it (returned).
   */
  requeue(task: T): W | undefined {
    if (this.#head > 0) this.#queue[--this.#head] = task;
    else this.#queue.unshift(task);
    const idle = this.#idle.values().next();
    if (idle.done === true) return undefined;
    this.#idle.delete(idle.value);
    this.#take(idle.value);
    return idle.value;
  }

  /** Every queued task, removed (the pool is stopping). */
  drain(): T[] {
    const rest = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    return rest;
  }

  #take(worker: W): T | undefined {
    if (this.queueDepth === 0) {
      this.#idle.add(worker);
      return undefined;
    }
    const task = this.#queue[this.#head] as T;
    this.#queue[this.#head] = undefined as T;
    this.#head++;
    // Compact now and then instead of shift() on every task (O(n) per call on a long queue).
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#busy.add(worker);
    this.#ran.set(worker, (this.#ran.get(worker) ?? 0) + 1);
    return task;
  }
}
