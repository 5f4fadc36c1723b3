// A dirty app: a prime sieve that keeps what it computed. Loaded once per dirty worker, so the
// sieve grows with use and later calls below its size cost nothing (the "loaded model" case).
export class PrimeSieve {
  init() {
    this.composite = new Uint8Array(2);
    this.limit = 1;
  }

  #grow(limit) {
    if (limit <= this.limit) return;
    const composite = new Uint8Array(limit + 1);
    for (let i = 2; i * i <= limit; i++) {
      if (composite[i]) continue;
      for (let j = i * i; j <= limit; j += i) composite[j] = 1;
    }
    this.composite = composite;
    this.limit = limit;
  }

  /** How many primes are ≤ n (n up to 50 million). */
  count(n) {
    if (!Number.isInteger(n) || n < 0 || n > 50_000_000) throw new RangeError(`n must be an integer from 0 to 50000000, not ${n}`);
    this.#grow(n);
    let found = 0;
    for (let i = 2; i <= n; i++) if (!this.composite[i]) found++;
    return { n, primes: found, sieveSize: this.limit, pid: process.pid };
  }
}
