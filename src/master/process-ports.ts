/**
 * What the master needs from the operating system to run a pool: fork a worker, signal a
 * process, read the clock. The real ones are node:cluster, process.kill and Date.now; unit
 * tests inject fakes (gunicorn's tests/test_arbiter.py does the same with mocks).
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

/** The part of a node:cluster Worker the master uses. */
export interface ForkedWorker {
  readonly id: number;
  readonly process: { readonly pid?: number | undefined };
  isConnected(): boolean;
  send(message: object, handle?: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): this;
}

export interface MasterPorts {
  fork(env: Readonly<Record<string, string>>): ForkedWorker;
  kill(pid: number, signal: NodeJS.Signals): void;
  now(): number;
}

const WORKER_ENTRY = fileURLToPath(new URL('../worker/main.js', import.meta.url));

/** node:cluster running worker/main.js, process.kill and the wall clock. */
export function clusterPorts(): MasterPorts {
  let setUp = false;
  return {
    fork(env) {
      if (!setUp) {
        cluster.setupPrimary({ exec: WORKER_ENTRY, args: [], silent: false });
        setUp = true;
      }
      return cluster.fork(env) as ForkedWorker;
    },
    kill: (pid, signal) => process.kill(pid, signal),
    now: () => Date.now(),
  };
}
