/**
 * The load generator as its own process, so its CPU can be sampled apart from the server's:
 * `node bench-load-process.js '<LoadSpec JSON>'`. It runs autocannon in-process (single
 * threaded) and talks to the parent in JSON lines on stdout:
 *   {"event":"start"}                    just before the measured run starts
 *   {"event":"done","result":{…}}        after it (the parent samples CPU at both points)
 *   {"event":"error","message":"…"}      autocannon missing or failed
 * then stays alive until stdin closes, so the parent's last CPU sample still sees it.
 */
import type { LoadResult, LoadSpec } from './load.js';

interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly requests: { readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly mean: number };
}

interface AutocannonClient {
  on(event: 'headers', listener: (info: unknown) => void): void;
}

interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly headers: Record<string, string>;
  readonly timeout: number;
  readonly setupClient?: (client: AutocannonClient) => void;
}

type Autocannon = (options: AutocannonOptions, done: (err: Error | null, result: AutocannonResult) => void) => unknown;

function emit(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** The value of `name` in the raw [name, value, …] header array autocannon's parser gives. */
function headerValue(info: unknown, name: string): string | undefined {
  const raw = (info as { headers?: unknown } | undefined)?.headers;
  if (!Array.isArray(raw)) return undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === name) return String(raw[i + 1]);
  }
  return undefined;
}

async function loadAutocannon(): Promise<Autocannon> {
  const mod = (await import('autocannon')) as { default?: unknown };
  return (mod.default ?? mod) as Autocannon;
}

function run(autocannon: Autocannon, options: AutocannonOptions): Promise<AutocannonResult> {
  return new Promise((resolvePromise, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolvePromise(result)));
  });
}

async function main(spec: LoadSpec): Promise<void> {
  const autocannon = await loadAutocannon();
  const headers: Record<string, string> = spec.close ? { connection: 'close' } : {};
  const base = { url: spec.url, connections: spec.connections, headers, timeout: spec.timeoutS };
  if (spec.warmupS > 0) await run(autocannon, { ...base, duration: spec.warmupS });

  const shares = new Map<string, number>();
  const countHeader = spec.countHeader?.toLowerCase();
  const setupClient = countHeader
    ? (client: AutocannonClient): void => {
        client.on('headers', (info) => {
          const value = headerValue(info, countHeader) ?? '(none)';
          shares.set(value, (shares.get(value) ?? 0) + 1);
        });
      }
    : undefined;
  emit({ event: 'start' });
  const r = await run(autocannon, { ...base, duration: spec.durationS, ...(setupClient ? { setupClient } : {}) });
  const result: LoadResult = {
    tool: 'autocannon',
    requests: r.requests.total,
    seconds: r.duration,
    rps: r.duration > 0 ? r.requests.total / r.duration : 0,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    shares: Object.fromEntries(shares),
  };
  emit({ event: 'done', result });
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
// Exit when the parent is done sampling (stdin closes) or gone.
process.stdin.on('end', () => process.exit(0)).resume();
main(spec).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  const missing = /Cannot find (package|module) 'autocannon'/.test(message);
  emit({ event: 'error', message: missing ? 'autocannon is not installed: npm install --save-dev autocannon' : message });
  process.exit(1);
});
