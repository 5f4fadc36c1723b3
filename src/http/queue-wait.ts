/**
 * How long a request waited before a worker took it, and the overload bound on it
 * (`--max-queue-time`). Two clocks:
 *   local     from accept (first request of a connection) or from its parsed head (the next
 *             ones) to dispatch: the wait inside the worker (a busy event loop, a sync worker's
 *             held connections)
 *   upstream  from a trusted proxy's `X-Request-Start` (nginx: `proxy_set_header
 *             X-Request-Start "t=${msec}"`) to dispatch: includes the kernel accept queue in
 *             front of busy sync workers, which no process can see per connection otherwise
 * A request above the bound is answered at once with 503 and Retry-After instead of running:
 * under overload the admitted requests keep a bounded latency and clients learn to back off.
 */
import type { ServerResponse } from 'node:http';

const HEADER = 'x-request-start';

/**
 * `X-Request-Start` → epoch milliseconds. Formats in use: `t=1700000000.123` (nginx `$msec`,
 * seconds), `t=1700000000123` (ms), `t=1700000000123456` (µs, Apache `%t`); the `t=` is optional.
 * The unit follows from the magnitude, as New Relic and Heroku read it.
 */
export function parseRequestStart(value: string): number | undefined {
  const text = value.trim().replace(/^t=/, '');
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  if (n >= 1e15) return n / 1000;
  if (n >= 1e12) return n;
  if (n >= 1e9) return n * 1000;
  return undefined;
}

/** The `X-Request-Start` value in raw headers, or undefined without one. */
export function requestStart(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === HEADER.length && name.toLowerCase() === HEADER) return rawHeaders[i + 1] as string;
  }
  return undefined;
}

/** Milliseconds since an `X-Request-Start` value (≥ 0), or undefined when it does not parse. */
export function upstreamWaitMs(requestStartValue: string, nowMs: number): number | undefined {
  const at = parseRequestStart(requestStartValue);
  return at === undefined ? undefined : Math.max(0, nowMs - at);
}

/** Retry-After for a shed request: whole seconds, at least one. */
export function retryAfterSeconds(maxQueueMs: number): number {
  return Math.max(1, Math.ceil(maxQueueMs / 1000));
}

const BODY = 'Service Unavailable: the server is overloaded (request waited longer than --max-queue-time)\n';

/** The 503 a shed request gets instead of the app. */
export function answerShed(res: ServerResponse, maxQueueMs: number): void {
  res.statusCode = 503;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(BODY));
  res.setHeader('Retry-After', String(retryAfterSeconds(maxQueueMs)));
  res.end(BODY);
}
