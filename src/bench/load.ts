/**
 * One measured load run: autocannon in its own process (bench-load-process.ts), with the CPU of
 * the client, the master and every worker sampled from /proc over exactly the measured window.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CpuSplit } from './limit.js';
import { coresUsed, cpuSeconds, systemCpuSeconds } from './proc.js';

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** Unmeasured run first (JIT, connection set-up); 0 to skip. */
  readonly warmupS: number;
  /** Send `Connection: close`: one request per connection. */
  readonly close: boolean;
  readonly timeoutS: number;
  /** Count responses by this header's value (e.g. x-worker-pid) into `shares`. */
  readonly countHeader?: string;
}

export interface LoadResult {
  readonly tool: 'autocannon' | 'wrk';
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connection errors, timeouts and non-2xx responses together. */
  readonly errors: number;
  /** Responses per value of the counted header (empty when not counted). */
  readonly shares: Readonly<Record<string, number>>;
}

/** The server side of a run: the master (if any) and a way to list its workers now. */
export interface Parties {
  readonly master: number | undefined;
  readonly workers: () => readonly number[];
}

export interface Measured {
  readonly load: LoadResult;
  readonly cpu: CpuSplit;
}

/** CPU snapshots of the client and the server parties at the start and end of a window. */
export class CpuWindow {
  readonly #parties: Parties;
  readonly #client: number | undefined;
  readonly #workersAtStart: readonly number[];
  readonly #before: Map<number, number>;
  readonly #systemBefore: number | undefined;
  readonly #startedAt = performance.now();

  constructor(parties: Parties, clientPid: number | undefined) {
    this.#parties = parties;
    this.#client = clientPid;
    this.#workersAtStart = parties.workers();
    this.#before = cpuSeconds(this.#pids(this.#workersAtStart));
    this.#systemBefore = systemCpuSeconds();
  }

  #pids(workers: readonly number[]): number[] {
    return [this.#client, this.#parties.master, ...workers].filter((p): p is number => p !== undefined);
  }

  /** Cores used by each party since the window opened; `clientCores` overrides the client's. */
  close(clientCores?: number): CpuSplit {
    const wall = (performance.now() - this.#startedAt) / 1000;
    // Workers respawned mid-run count from their first sample; ones that died count 0.
    const workers = [...new Set([...this.#workersAtStart, ...this.#parties.workers()])];
    const after = cpuSeconds(this.#pids(workers));
    const systemAfter = systemCpuSeconds();
    const one = (pid: number | undefined): number => (pid === undefined ? 0 : coresUsed(this.#before, after, [pid], wall));
    const split = {
      client: clientCores ?? one(this.#client),
      master: one(this.#parties.master),
      workers: coresUsed(this.#before, after, workers, wall),
    };
    const system = this.#systemBefore !== undefined && systemAfter !== undefined ? (systemAfter - this.#systemBefore) / wall : 0;
    return { ...split, others: Math.max(0, system - split.client - split.master - split.workers) };
  }
}

const LOAD_PROCESS = fileURLToPath(new URL('./load-process.js', import.meta.url));

type LoadEvent =
  | { readonly event: 'start' }
  | { readonly event: 'done'; readonly result: LoadResult }
  | { readonly event: 'error'; readonly message: string };

/** Runs autocannon against `spec.url` in a child process; rejects after a generous deadline. */
export function runAutocannon(spec: LoadSpec, parties: Parties): Promise<Measured> {
  const child = spawn(process.execPath, [LOAD_PROCESS, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const deadlineMs = (spec.warmupS + spec.durationS + spec.timeoutS + 15) * 1000;
  return new Promise((resolvePromise, reject) => {
    let window: CpuWindow | undefined;
    let partial = '';
    let settled = false;
    const finish = (error: Error | undefined, value?: Measured): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdin.end();
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolvePromise(value as Measured);
    };
    const timer = setTimeout(() => finish(new Error(`load run exceeded ${deadlineMs} ms`)), deadlineMs);
    child.on('exit', (code) => finish(new Error(`load process exited (${code}) before reporting`)));
    child.on('error', (err) => finish(err));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        let message: LoadEvent;
        try {
          message = JSON.parse(line) as LoadEvent;
        } catch {
          continue;
        }
        if (message.event === 'start') window = new CpuWindow(parties, child.pid);
        else if (message.event === 'done') {
          const cpu = window ? window.close() : { client: 0, master: 0, workers: 0, others: 0 };
          finish(undefined, { load: message.result, cpu });
        } else finish(new Error(message.message));
      }
    });
  });
}
