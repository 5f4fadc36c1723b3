/**
 * Which resource limited a benchmark run, from the CPU each party used and the theoretical line.
 * Pure: the sampler and the load generator feed it numbers; tests feed it known cases.
 */
import type { WorkKind } from './theory.js';

/**
 * `client-bound`/`cores-saturated`/`master-bound`/`other` are the bench suite's names (known handlers,
 * classifyLimit); `tsgun bench APP` (attribute.ts) names what it measured: `client-cpu`, `cores`,
 * `master`, `client-concurrency` (c/t reached), `workers-busy` (N/t reached).
 */
export type Limit =
  | 'client-bound'
  | 'cores-saturated'
  | 'workers-busy'
  | 'master-bound'
  | 'other'
  | 'client-cpu'
  | 'client-concurrency'
  | 'cores'
  | 'master';

/** CPU used during the run, in cores (1 = one core busy for the whole run). */
export interface CpuSplit {
  readonly client: number;
  /** The master (tsgun master, cluster primary); 0 for single-process servers. */
  readonly master: number;
  /** All workers together (or the one server process). */
  readonly workers: number;
  /** Everything else on the machine meanwhile (other processes, the kernel): noise to report. */
  readonly others: number;
}

export interface LimitInput {
  readonly work: WorkKind;
  readonly cpu: CpuSplit;
  readonly cores: number;
  readonly rps: number;
  readonly theoretical: number | undefined;
}

export interface LimitVerdict {
  readonly limit: Limit;
  readonly reason: string;
}

/** A single-threaded process at or above this share of one core is the bottleneck. */
export const ONE_CORE_BUSY = 0.85;
/** All cores together at or above this share: the machine is full. */
export const CORES_BUSY = 0.85;
/** Reaching this share of the theoretical line means the modelled limit was hit. */
export const AT_THEORY = 0.9;

const pct = (x: number): string => `${Math.round(x * 100)}%`;

export function totalCpu(cpu: CpuSplit): number {
  return cpu.client + cpu.master + cpu.workers;
}

export function classifyLimit(input: LimitInput): LimitVerdict {
  const { cpu, cores, rps, theoretical, work } = input;
  const total = totalCpu(cpu);
  const eff = theoretical !== undefined && theoretical > 0 ? rps / theoretical : undefined;

  // The modelled limit comes first: it explains the figure whatever else was busy.
  if (eff !== undefined && eff >= AT_THEORY) {
    if (work === 'cpu') return { limit: 'cores-saturated', reason: `at ${pct(eff)} of min(N, cores)/t` };
    return { limit: 'workers-busy', reason: `at ${pct(eff)} of the waiting-slots line (N/t)` };
  }
  // A single-threaded client (autocannon, wrk -t1) cannot go faster than one core.
  if (cpu.client >= ONE_CORE_BUSY) {
    return { limit: 'client-bound', reason: `load generator used ${pct(cpu.client)} of a core` };
  }
  if (cpu.master >= ONE_CORE_BUSY) {
    return { limit: 'master-bound', reason: `master used ${pct(cpu.master)} of a core` };
  }
  if (total + cpu.others >= CORES_BUSY * cores) {
    const noise = cpu.others >= 0.1 ? ` (${cpu.others.toFixed(2)} of them outside the benchmark)` : '';
    return { limit: 'cores-saturated', reason: `${(total + cpu.others).toFixed(2)} of ${cores} cores busy${noise}` };
  }
  const why =
    eff !== undefined
      ? `${pct(eff)} of theory with ${total.toFixed(2)} of ${cores} cores busy`
      : `${total.toFixed(2)} of ${cores} cores busy`;
  return { limit: 'other', reason: why };
}
