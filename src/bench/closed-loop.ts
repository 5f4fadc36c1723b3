/**
 * A bounded closed-loop HTTP load (and a signal pacer) for tests that must count every failure (reload, recycling):
 * `concurrency` loops send requests back to back for `durationMs`. Unlike autocannon it
 * handles a server's `Connection: close` the way real clients do (a fresh connection for the
 * next request), so sync workers can be driven too.
 */
import http from 'node:http';

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly statuses: Readonly<Record<number, number>>;
  readonly errors: readonly string[];
  readonly pids: ReadonlySet<string>;
}

export interface LoadOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly keepAlive: boolean;
  readonly timeoutMs?: number;
}

export async function runLoad(url: string, options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: options.keepAlive, maxSockets: options.concurrency });
  const deadline = Date.now() + options.durationMs;
  const statuses: Record<number, number> = {};
  const errors: string[] = [];
  const pids = new Set<string>();
  let ok = 0;
  let failed = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          const pid = res.headers['x-worker-pid'];
          if (typeof pid === 'string') pids.add(pid);
          if (res.statusCode === 200) ok++;
          else failed++;
          resolve();
        });
      });
      req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        failed++;
        if (errors.length < 20) errors.push(err.message);
        resolve();
      });
    });
  const loop = async (): Promise<void> => {
    while (Date.now() < deadline) await one();
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  agent.destroy();
  return { ok, failed, statuses, errors, pids };
}

/** Send `signal` to `pid` every `everyMs` until `load` settles (reloads under load); returns how many were sent. */
export async function signalDuring(pid: number, signal: NodeJS.Signals, everyMs: number, load: Promise<unknown>): Promise<number> {
  let sent = 0;
  let running = true;
  void load.finally(() => (running = false));
  while (running) {
    await new Promise((r) => setTimeout(r, everyMs));
    if (!running) break;
    process.kill(pid, signal);
    sent++;
  }
  return sent;
}
