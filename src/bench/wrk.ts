/**
 * wrk as the load generator (when installed): one thread, so it is as single-core as autocannon
 * but spends far less CPU per request. Its CPU comes from the shell's `times` after it exits,
 * which is exact where a /proc sample taken before exit would miss the last moments.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuWindow, type LoadResult, type LoadSpec, type Measured, type Parties } from './load.js';

export function wrkInstalled(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** "851.00us", "1.37ms", "2.01s", "1.00m" → milliseconds. */
export function parseWrkTime(text: string): number | undefined {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return n * scale;
}

/** What wrk's own report gives: a LoadResult without the tool name and the per-worker shares. */
export type WrkReport = Omit<LoadResult, 'tool' | 'shares'>;

/** Parses `wrk --latency` output. */
export function parseWrkOutput(text: string): WrkReport | undefined {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!total || !rps) return undefined;
  const pct = (p: string): number => parseWrkTime(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(text)?.[1] ?? '') ?? Number.NaN;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  // Read errors are how wrk counts a server closing a connection it asked to close; only
  // connect, write and timeout errors are failures.
  const socketErrors = socket ? Number(socket[1]) + Number(socket[3]) + Number(socket[4]) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  return {
    requests: Number(total[1]),
    seconds: (parseWrkTime(`${total[2]}${total[3]}`) ?? 0) / 1000,
    rps: Number(rps[1]),
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    errors: socketErrors + non2xx,
  };
}

/** `times` prints the shell's own user/sys line, then its children's: "0m1.234s 0m0.456s". */
export function parseChildTimes(text: string): number | undefined {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(l.trim()));
  const last = lines[lines.length - 1];
  if (!last) return undefined;
  return last
    .trim()
    .split(' ')
    .map((t) => {
      const m = /^(\d+)m([\d.]+)s$/.exec(t) as RegExpExecArray;
      return Number(m[1]) * 60 + Number(m[2]);
    })
    .reduce((a, b) => a + b, 0);
}

/**
 * A wrk script counting responses by one header. wrk keeps a Lua state per thread; done() runs
 * in another, so it reads each thread's table through thread:get (wrk copies tables across).
 */
export function countHeaderScript(header: string): string {
  return `local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function response(status, headers, body)
  local v = headers[${JSON.stringify(header.toLowerCase())}] or "(none)"
  counts[v] = (counts[v] or 0) + 1
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do io.write(string.format("share %s %d\\n", k, v)) end
  end
end
`;
}

/** "share VALUE COUNT" lines of the counting script → counts by value. */
export function parseShares(text: string): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const m of text.matchAll(/^share (\S+) (\d+)$/gm)) shares[m[1] as string] = (shares[m[1] as string] ?? 0) + Number(m[2]);
  return shares;
}

export function runWrk(spec: LoadSpec, parties: Parties): Promise<Measured> {
  const seconds = Math.max(1, Math.round(spec.durationS));
  const args = ['-t1', `-c${spec.connections}`, `-d${seconds}s`, '--latency', `--timeout`, `${spec.timeoutS}s`];
  if (spec.close) args.push('-H', 'Connection: close');
  let scriptDir: string | undefined;
  if (spec.countHeader) {
    scriptDir = mkdtempSync(join(tmpdir(), 'tsgun-bench-'));
    writeFileSync(join(scriptDir, 'count.lua'), countHeaderScript(spec.countHeader));
    args.push('-s', join(scriptDir, 'count.lua'));
  }
  args.push(spec.url);
  const window = new CpuWindow(parties, undefined);
  const started = performance.now();
  const child = spawn('bash', ['-c', 'wrk "$@"; times', 'wrk', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const deadline = setTimeout(() => child.kill('SIGKILL'), (seconds + spec.timeoutS + 10) * 1000);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(deadline);
      if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
      const wall = (performance.now() - started) / 1000;
      const report = parseWrkOutput(out);
      const clientSeconds = parseChildTimes(out);
      if (!report) return reject(new Error(`wrk failed:\n${out.slice(-1000)}`));
      const cpu = window.close(clientSeconds === undefined ? 0 : clientSeconds / wall);
      resolvePromise({ load: { tool: 'wrk', ...report, shares: parseShares(out) }, cpu });
    });
  });
}
