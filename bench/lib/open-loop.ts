/**
 * An open-loop load: requests are sent at a fixed rate whatever the server does, each on its own
 * connection, as independent users arrive — unlike wrk's closed loop, where a slow server slows
 * the client down and overload never builds. Each request carries `X-Request-Start: t=<ms>`
 * as nginx sets it (`proxy_set_header X-Request-Start "t=${msec}"`), so the server can tell
 * how long it waited in the kernel accept queue. Bounded: every phase has a duration and every
 * request a timeout.
 */
import http from 'node:http';

export interface Phase {
  readonly rps: number;
  readonly seconds: number;
}

export interface Sample {
  /** Seconds since the run started when the request was sent. */
  readonly sentAtS: number;
  /** HTTP status; 0 for a timeout or a connection error. */
  readonly status: number;
  readonly latencyMs: number;
}

const TICK_MS = 10;

export async function runOpenLoop(url: string, phases: readonly Phase[], timeoutMs: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const one = (): void => {
    const sent = performance.now();
    const p = new Promise<void>((resolve) => {
      const done = (status: number): void => {
        samples.push({ sentAtS: (sent - started) / 1000, status, latencyMs: performance.now() - sent });
        resolve();
      };
      const req = http.get(url, { agent: false, headers: { 'x-request-start': `t=${Date.now()}`, connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
        res.on('error', () => done(0));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
      req.on('error', () => done(0));
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };
  let phaseStart = 0;
  for (const phase of phases) {
    let owed = 0;
    const ticks = Math.round((phase.seconds * 1000) / TICK_MS);
    for (let i = 0; i < ticks; i++) {
      // Catch up on the wall clock, so a slow tick sends more rather than drifting.
      const due = phaseStart + ((i + 1) * TICK_MS) / 1000;
      owed += (phase.rps * TICK_MS) / 1000;
      while (owed >= 1) {
        one();
        owed--;
      }
      const wait = due * 1000 - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    phaseStart += phase.seconds;
  }
  await Promise.all([...pending]);
  return samples.sort((a, b) => a.sentAtS - b.sentAtS);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export interface Bin {
  readonly fromS: number;
  readonly sent: number;
  readonly ok: number;
  readonly shed: number;
  readonly failed: number;
  /** p99 latency of the 2xx responses in this bin, ms (NaN without any). */
  readonly okP99Ms: number;
}

/** Samples grouped by send time into bins of `widthS`. */
export function bins(samples: readonly Sample[], widthS: number, totalS: number): Bin[] {
  const out: Bin[] = [];
  for (let from = 0; from < totalS - 1e-9; from += widthS) {
    const mine = samples.filter((s) => s.sentAtS >= from && s.sentAtS < from + widthS);
    const ok = mine.filter((s) => s.status >= 200 && s.status < 300);
    out.push({
      fromS: Math.round(from * 100) / 100,
      sent: mine.length,
      ok: ok.length,
      shed: mine.filter((s) => s.status === 503).length,
      failed: mine.filter((s) => s.status === 0).length,
      okP99Ms: percentile(
        ok.map((s) => s.latencyMs).sort((a, b) => a - b),
        99,
      ),
    });
  }
  return out;
}
