/**
 * What a request of the user's app costs, measured rather than known: one worker, one client
 * connection, requests back to back. The time per request is the service time t (handler plus
 * the engine and the loopback round trip); the CPU the server and the client spent per request
 * come from /proc over the same window. From these the lines a sweep is judged against follow
 * (attribute.ts) without knowing what the handler does. Pure.
 */
import type { Measured } from './load.js';
import type { WorkerClass } from './theory.js';

export interface Calibration {
  readonly workerClass: WorkerClass;
  readonly requests: number;
  /** Wall time per request at c=1, in milliseconds: the service time t. */
  readonly serviceMs: number;
  /** CPU of the master and the worker per request, in milliseconds. */
  readonly serverCpuMs: number;
  /** CPU of the load generator per request, in milliseconds. */
  readonly clientCpuMs: number;
}

/** A calibration run with fewer requests than this says nothing reliable. */
export const MIN_CALIBRATION_REQUESTS = 20;

export function calibrationFrom(workerClass: WorkerClass, m: Measured): Calibration | undefined {
  const { requests, seconds } = m.load;
  if (requests < MIN_CALIBRATION_REQUESTS || seconds <= 0) return undefined;
  const perRequestMs = (cores: number): number => (cores * seconds * 1000) / requests;
  return {
    workerClass,
    requests,
    serviceMs: (seconds * 1000) / requests,
    serverCpuMs: perRequestMs(m.cpu.workers + m.cpu.master),
    clientCpuMs: perRequestMs(m.cpu.client),
  };
}
