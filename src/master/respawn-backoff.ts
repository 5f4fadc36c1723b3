/**
 * Exponential delay between respawns of crashing workers (PM2's crash-loop guard): the first
 * crash respawns at once, repeated crashes wait 100 ms, 200 ms, … up to 10 s; a worker that
 * had been serving for STABLE_MS resets the streak.
 */
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;
const STABLE_MS = 10_000;

export class RespawnBackoff {
  #streak = 0;
  #notBefore = 0;

  /** A worker died unexpectedly; `readyAt` is when it became ready (undefined if never). */
  crashed(readyAt: number | undefined, now = Date.now()): void {
    if (readyAt !== undefined && now - readyAt >= STABLE_MS) this.#streak = 0;
    this.#streak++;
    const delay = this.#streak <= 1 ? 0 : Math.min(FIRST_DELAY_MS * 2 ** (this.#streak - 2), MAX_DELAY_MS);
    this.#notBefore = now + delay;
  }

  msUntilAllowed(now = Date.now()): number {
    return Math.max(0, this.#notBefore - now);
  }

  get streak(): number {
    return this.#streak;
  }
}
