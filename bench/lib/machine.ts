/** What machine and tools produced a result: printed with every report. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { ROOT, gunicornVersion } from './servers.js';
import { wrkInstalled } from '../../src/bench/wrk.js';

export function cores(): number {
  return availableParallelism();
}

export function cpuModel(): string {
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}

export function toolVersions(): Record<string, string> {
  const tools: Record<string, string> = {};
  try {
    tools['autocannon'] = (JSON.parse(readFileSync(`${ROOT}node_modules/autocannon/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    tools['autocannon'] = 'missing';
  }
  if (wrkInstalled()) {
    const out = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
    tools['wrk'] = /wrk ([\d.]+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? 'installed';
  }
  const g = gunicornVersion();
  if (g) tools['gunicorn'] = g.replace(/^gunicorn \(version (.*)\)$/, '$1');
  return tools;
}
