/**
 * The theoretical throughput line a benchmark is judged against, and the measured/theory ratio.
 * Waiting work (sleep, I/O) scales with how many requests can wait at once; CPU work scales
 * with cores; trivial handlers (hello) have no line: the client and the cores decide.
 */
import type { WorkerClass } from '../config/index.js';

/** What a handler spends its time on. */
export type WorkKind = 'none' | 'cpu' | 'wait-blocking' | 'wait-async';

export type { WorkerClass } from '../config/index.js';

export interface TheoryInput {
  readonly work: WorkKind;
  /** Handler time in milliseconds (ignored for 'none'). */
  readonly handlerMs: number;
  readonly workers: number;
  readonly workerClass: WorkerClass;
  /** Concurrent client connections: no more requests than this can be in flight. */
  readonly connections: number;
  readonly cores: number;
}

/**
 * Requests one worker can have in progress at once: a sync worker or a blocked event loop holds
 * one; an async worker overlaps non-blocking waits without a practical limit (connections bound it).
 */
export function slotsPerWorker(work: WorkKind, workerClass: WorkerClass): number {
  if (work === 'wait-async' && workerClass === 'async') return Number.POSITIVE_INFINITY;
  return 1;
}

/**
 * Theoretical req/s, or undefined when the handler does no measurable work.
 * Waits: min(N × slots, c) / t. CPU: min(N, cores, c) / t.
 */
export function theoreticalRps(input: TheoryInput): number | undefined {
  if (input.work === 'none' || input.handlerMs <= 0) return undefined;
  const seconds = input.handlerMs / 1000;
  if (input.work === 'cpu') return Math.min(input.workers, input.cores, input.connections) / seconds;
  const inFlight = Math.min(input.workers * slotsPerWorker(input.work, input.workerClass), input.connections);
  return inFlight / seconds;
}

/** measured / theoretical, or undefined without a theoretical line. */
export function efficiency(rps: number, theoretical: number | undefined): number | undefined {
  return theoretical === undefined || theoretical <= 0 ? undefined : rps / theoretical;
}

/** The formula behind a theoretical figure, for table footnotes and reasons. */
export function theoryFormula(input: TheoryInput): string {
  if (input.work === 'none' || input.handlerMs <= 0) return 'none (no handler time)';
  const t = `${input.handlerMs / 1000}`;
  if (input.work === 'cpu') return `min(N=${input.workers}, cores=${input.cores}, c=${input.connections})/${t}s`;
  const slots = slotsPerWorker(input.work, input.workerClass);
  return slots === 1 ? `min(N=${input.workers}, c=${input.connections})/${t}s` : `c=${input.connections}/${t}s (async overlaps waits)`;
}
