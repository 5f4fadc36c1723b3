/** The command line of each server under test, as a ServerSpec for bench-server.ts. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tsgunServer } from '../../src/bench/case.js';
import type { ServerSpec } from '../../src/bench/server.js';
import { HANDLERS, type Group } from './cases.js';

/** The repository root (bench/lib is compiled to dist/bench/lib). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BASELINES = fileURLToPath(new URL('../baselines/', import.meta.url));
const WSGI_DIR = `${ROOT}bench/baselines`;

export function gunicornInstalled(): boolean {
  return spawnSync('gunicorn', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function gunicornVersion(): string | undefined {
  const out = spawnSync('gunicorn', ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

export function serverSpec(group: Group, port: number): ServerSpec {
  const handler = HANDLERS[group.handler];
  const base = { port, readyPath: handler.path, cwd: ROOT };
  switch (group.server) {
    case 'tsgun':
      return tsgunServer({ app: handler.app, workers: group.workers, workerClass: group.workerClass, ...base });
    case 'cluster-rr':
    case 'cluster-none':
      return {
        label: `${group.server} ×${group.workers}`,
        command: process.execPath,
        args: [`${BASELINES}cluster.js`, handler.app, String(port), String(group.workers)],
        env: { NODE_CLUSTER_SCHED_POLICY: group.server === 'cluster-rr' ? 'rr' : 'none' },
        workers: group.workers,
        readyText: 'ready',
        ...base,
      };
    case 'single':
      return {
        label: 'node:http',
        command: process.execPath,
        args: [`${BASELINES}single.js`, handler.app, String(port)],
        workers: 0,
        readyText: 'ready',
        ...base,
      };
    case 'gunicorn': {
      if (handler.wsgi === undefined) throw new Error(`no WSGI equivalent of ${handler.id}`);
      return {
        label: `gunicorn ×${group.workers}`,
        command: 'gunicorn',
        args: [
          '-w',
          String(group.workers),
          '-b',
          `127.0.0.1:${port}`,
          '--chdir',
          WSGI_DIR,
          '--log-level',
          'warning',
          `wsgi_app:${handler.wsgi}`,
        ],
        workers: group.workers,
        ...base,
      };
    }
  }
}
