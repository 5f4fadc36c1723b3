/**
 * Config-file keys and CLI flags as users type them: `worker_class`, `worker-class` and
 * `workerClass` are one setting; a near miss gets a "did you mean" suggestion.
 */

/** Key with separators and case removed: `worker_class` → `workerclass`. */
export function foldKey(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The candidate closest to `input` (compared folded), if it is close enough to be a typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const folded = foldKey(input);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const foldedCandidate = foldKey(candidate);
    const distance = foldedCandidate.startsWith(folded) && folded.length >= 3 ? 1 : editDistance(folded, foldedCandidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(folded.length / 3)) ? best : undefined;
}
