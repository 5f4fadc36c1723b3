/** Per-worker request shares: how evenly a server spread the requests. Pure. */

export interface ShareSummary {
  /** Requests per worker pid, workers that served nothing included as 0. */
  readonly counts: Readonly<Record<string, number>>;
  readonly workers: number;
  readonly min: number;
  readonly max: number;
  /** max / min; Infinity when a worker served nothing. */
  readonly ratio: number;
}

export function summarizeShares(shares: Readonly<Record<string, number>>, workerPids: readonly number[]): ShareSummary {
  const counts: Record<string, number> = {};
  for (const pid of workerPids) counts[String(pid)] = 0;
  for (const [pid, n] of Object.entries(shares)) if (pid !== '(none)') counts[pid] = (counts[pid] ?? 0) + n;
  const values = Object.values(counts);
  const min = values.length > 0 ? Math.min(...values) : 0;
  const max = values.length > 0 ? Math.max(...values) : 0;
  return { counts, workers: values.length, min, max, ratio: min > 0 ? max / min : Number.POSITIVE_INFINITY };
}

export function fmtShareRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '∞ (idle worker)';
}

/** Counts in descending order, e.g. "212 208 205 …". */
export function fmtCounts(summary: ShareSummary): string {
  return Object.values(summary.counts)
    .sort((a, b) => b - a)
    .join(' ');
}
