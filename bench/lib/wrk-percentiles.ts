/** wrk -t1 with a done() script that prints p50/p95/p99 (wrk's own --latency has no p95). */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWrkOutput } from '../../src/bench/wrk.js';

export interface WrkPercentiles {
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** Connect, write and timeout errors. */
  readonly errors: number;
  readonly non2xx: number;
}

const SCRIPT = `done = function(summary, latency, requests)
  for _, p in ipairs({50, 95, 99}) do io.write(string.format("pct %d %d\\n", p, latency:percentile(p))) end
end
`;

export function runWrkPercentiles(url: string, connections: number, durationS: number, timeoutS = 10): Promise<WrkPercentiles> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-wrk-'));
  writeFileSync(join(dir, 'pct.lua'), SCRIPT);
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${Math.max(1, Math.round(durationS))}s`,
    '--timeout',
    `${timeoutS}s`,
    '-s',
    join(dir, 'pct.lua'),
    url,
  ];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), (durationS + timeoutS + 10) * 1000);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      const report = parseWrkOutput(out);
      if (!report) return reject(new Error(`wrk failed:\n${out.slice(-1000)}`));
      const pct = (p: number): number => Number(new RegExp(`^pct ${p} (\\d+)$`, 'm').exec(out)?.[1] ?? Number.NaN) / 1000;
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      resolvePromise({
        requests: report.requests,
        rps: report.rps,
        p50Ms: pct(50),
        p95Ms: pct(95),
        p99Ms: pct(99),
        errors: report.errors - non2xx,
        non2xx,
      });
    });
  });
}
