/**
 * CPU time and process trees from Linux /proc: what each party of a benchmark used.
 * The parsers are pure; the readers return undefined where /proc is missing (not Linux) or
 * the process is gone.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/PID/stat times; 100 on every mainstream Linux build. */
export const CLOCK_TICKS = 100;

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
  /** Resident set size in pages. */
  readonly rssPages: number;
}

/**
 * Parses one /proc/PID/stat line. The command name (field 2) may hold spaces and parentheses,
 * so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // After ')': field 3 (state) is index 0, so field k is index k - 3.
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (k: number): number => Number(rest[k - 3]);
  const stat = { pid, ppid: field(4), cpuTicks: field(14) + field(15), rssPages: field(24) };
  return Object.values(stat).every(Number.isFinite) ? stat : undefined;
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Pids whose parent is `ppid` (a master's workers), from a scan of /proc. */
export function childPids(ppid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat?.ppid === ppid) out.push(stat.pid);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Busy CPU time of the whole machine from the first line of /proc/stat (user, nice, system,
 * irq, softirq, steal; not idle or iowait), in seconds summed over all cores.
 */
export function parseSystemCpu(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (f[i] ?? 0), 0);
  return Number.isFinite(busy) ? busy / CLOCK_TICKS : undefined;
}

export function systemCpuSeconds(): number | undefined {
  try {
    return parseSystemCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by each pid that still exists. */
export function cpuSeconds(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (stat) out.set(pid, stat.cpuTicks / CLOCK_TICKS);
  }
  return out;
}

/** Resident memory of a pid in bytes, from VmRSS in /proc/PID/status (no page-size guess). */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU used between two snapshots, in cores, summed over `pids` (a pid seen only once counts 0). */
export function coresUsed(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  pids: readonly number[],
  wallSeconds: number,
): number {
  if (wallSeconds <= 0) return 0;
  let sum = 0;
  for (const pid of pids) {
    const a = before.get(pid);
    const b = after.get(pid);
    if (a !== undefined && b !== undefined) sum += b - a;
  }
  return sum / wallSeconds;
}
