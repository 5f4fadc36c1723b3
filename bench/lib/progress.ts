/** One progress line per step on stderr: the current case, elapsed and estimated remaining time. */
import { fmtDuration } from '../../src/bench/table.js';

export class Progress {
  readonly #started = performance.now();
  readonly #total: number;
  #remainingS: number;
  #done = 0;

  constructor(steps: number, estimateS: number) {
    this.#total = steps;
    this.#remainingS = estimateS;
  }

  elapsedS(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /** Announce the next step; `costS` is its estimated share of the remaining time. */
  step(label: string, costS: number): void {
    this.#done++;
    process.stderr.write(
      `[${String(this.#done).padStart(String(this.#total).length)}/${this.#total}] ${label.padEnd(52)} elapsed ${fmtDuration(this.elapsedS())}, ~${fmtDuration(this.#remainingS)} left\n`,
    );
    this.#remainingS = Math.max(0, this.#remainingS - costS);
  }
}
