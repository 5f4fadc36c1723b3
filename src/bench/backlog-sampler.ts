/**
 * Samples the kernel accept queue of a server's port during a load run (accept-backlog.ts):
 * how many connections waited for a free worker, on average and at most.
 */
import { queuedOnPort, readListenQueues } from '../master/accept-backlog.js';

export interface BacklogSummary {
  readonly mean: number;
  readonly max: number;
  readonly samples: number;
}

export class BacklogSampler {
  readonly #port: number;
  readonly #timer: NodeJS.Timeout;
  #sum = 0;
  #max = 0;
  #samples = 0;

  constructor(port: number, everyMs = 200) {
    this.#port = port;
    this.#timer = setInterval(() => this.#sample(), everyMs);
    this.#timer.unref();
  }

  #sample(): void {
    const q = queuedOnPort(readListenQueues(), this.#port);
    if (q === undefined) return;
    this.#sum += q.queued;
    this.#max = Math.max(this.#max, q.queued);
    this.#samples++;
  }

  stop(): BacklogSummary | undefined {
    clearInterval(this.#timer);
    return this.#samples === 0 ? undefined : { mean: this.#sum / this.#samples, max: this.#max, samples: this.#samples };
  }
}
