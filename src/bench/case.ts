/** One benchmark case judged: theoretical line, efficiency and the limit that was hit. */
import { fileURLToPath } from 'node:url';
import { classifyLimit, type Limit } from './limit.js';
import type { Measured } from './load.js';
import type { ServerSpec } from './server.js';
import { efficiency, theoreticalRps, type TheoryInput, type WorkerClass } from './theory.js';

export interface Judged {
  readonly theoretical: number | undefined;
  readonly efficiency: number | undefined;
  readonly limit: Limit;
  readonly reason: string;
}

export function judge(measured: Measured, model: TheoryInput): Judged {
  const theoretical = theoreticalRps(model);
  const verdict = classifyLimit({ work: model.work, cpu: measured.cpu, cores: model.cores, rps: measured.load.rps, theoretical });
  return { theoretical, efficiency: efficiency(measured.load.rps, theoretical), ...verdict };
}

/** This build's CLI; TSGUN_BENCH_BIN points at another build (to compare two versions). */
export const TSGUN_BIN = process.env['TSGUN_BENCH_BIN'] ?? fileURLToPath(new URL('../../bin/tsgun.js', import.meta.url));

export interface TsgunServerOptions {
  readonly app: string;
  readonly workers: number;
  readonly workerClass: WorkerClass;
  readonly port: number;
  readonly readyPath: string;
  readonly cwd?: string;
  readonly extraArgs?: readonly string[];
}

/** `tsgun APP -w N -k CLASS` on a loopback port; ready when the master logs "Ready:". */
export function tsgunServer(o: TsgunServerOptions): ServerSpec {
  return {
    label: `tsgun ${o.workerClass} ×${o.workers}`,
    command: process.execPath,
    args: [
      TSGUN_BIN,
      o.app,
      '-w',
      String(o.workers),
      '-k',
      o.workerClass,
      '-b',
      `127.0.0.1:${o.port}`,
      '--log-level',
      'info',
      ...(o.extraArgs ?? []),
    ],
    // The environment must not change the worker count or bind under the benchmark.
    unsetEnv: ['WEB_CONCURRENCY', 'PORT', 'TSGUN_CMD_ARGS'],
    ...(o.cwd ? { cwd: o.cwd } : {}),
    port: o.port,
    readyPath: o.readyPath,
    workers: o.workers,
    readyText: 'Ready:',
  };
}
