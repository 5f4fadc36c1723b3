/**
 * The bridge between Node's `(req, res)` and WHATWG fetch-style handlers
 * (`(request) => Response`, Hono, `export default { fetch }`).
 *
 * In: IncomingMessage → `Request` (absolute URL, every header, streamed body, abort signal).
 * Out: `Response` → ServerResponse (status, headers incl. several Set-Cookie, body streamed with
 * backpressure). A handler that throws or rejects makes the Node handler reject, so the engine
 * answers 500 (or drops the connection once headers are out).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestHandler } from '../http/types.js';
import { requestUrl } from './request-origin.js';
import { bufferedBody } from './response-source.js';

/** A fetch-style handler. `env` gets `{ incoming, outgoing }`, as `@hono/node-server` passes it. */
export type FetchHandler = (request: Request, env: FetchEnv) => Response | PromiseLike<Response>;

export interface FetchEnv {
  readonly incoming: IncomingMessage;
  readonly outgoing: ServerResponse;
}

/** Adapt a fetch-style handler to the engine's `(req, res)` contract. */
export function fromFetchHandler(fetchHandler: FetchHandler): RequestHandler {
  return async function fetchBridge(req, res) {
    const request = toRequest(req);
    defineClientSignal(request, res);
    const response = await fetchHandler(request, { incoming: req, outgoing: res });
    if (!isResponse(response)) {
      throw new TypeError(`fetch handler returned ${describe(response)}, expected a Response`);
    }
    await sendResponse(res, response, req.method ?? 'GET');
  };
}

/** A WHATWG Request for `req`. Its body is `req` itself, read on demand (so with backpressure). */
export function toRequest(req: IncomingMessage, signal?: AbortSignal): Request {
  const method = req.method ?? 'GET';
  const raw = req.rawHeaders;
  // Pairs from rawHeaders keep repeated fields as separate entries (Headers appends them).
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i] as string, raw[i + 1] as string]);

  const init: RequestInit = { method, headers };
  if (signal !== undefined) init.signal = signal;
  if (hasBody(req, method)) {
    init.body = req;
    init.duplex = 'half';
  }
  return new Request(requestUrl(req), init);
}

/**
 * Give `request` a `signal` that aborts when the client goes away before the response finished,
 * created only if the app reads it. Passing `signal` to `new Request()` instead costs undici a
 * WeakRef, a FinalizationRegistry entry and listener bookkeeping per request: measured on a
 * hello-world handler, 2.5× fewer requests per second.
 */
function defineClientSignal(request: Request, res: ServerResponse): void {
  let signal: AbortSignal | undefined;
  Object.defineProperty(request, 'signal', {
    configurable: true,
    enumerable: false,
    get(): AbortSignal {
      if (signal !== undefined) return signal;
      const controller = new AbortController();
      signal = controller.signal;
      const onClose = (): void => {
        // 'close' after the response finished is normal; before, the client went away.
        if (!res.writableFinished) controller.abort();
      };
      if (res.destroyed) onClose();
      else res.once('close', onClose);
      return signal;
    },
  });
}

/**
 * Write `response` to `res` and resolve once the last byte was handed to it. A body that is
 * whole from the start (a string, bytes) goes out in one `end()` with a Content-Length; anything
 * else is streamed (chunked unless the handler set Content-Length), honouring `write()` backpressure.
 */
export async function sendResponse(res: ServerResponse, response: Response, method: string): Promise<void> {
  const status = response.status;
  const headers = toNodeHeaders(response.headers);
  const statusText = response.statusText === '' ? undefined : response.statusText;
  const body = response.body;

  if (!mayHaveBody(method, status)) {
    if (body !== null) body.cancel().catch(ignore);
    res.writeHead(status, statusText, headers).end();
    return;
  }
  if (body === null) {
    setDefaultLength(headers, 0);
    res.writeHead(status, statusText, headers).end();
    return;
  }
  const whole = bufferedBody(response);
  if (whole !== undefined) {
    setDefaultLength(headers, byteLength(whole));
    res.writeHead(status, statusText, headers).end(whole);
    return;
  }
  await streamBody(res, body, status, statusText, headers);
}

async function streamBody(
  res: ServerResponse,
  body: ReadableStream,
  status: number,
  statusText: string | undefined,
  headers: OutgoingHttpHeaders,
): Promise<void> {
  const reader = body.getReader();
  let finished = false;
  try {
    const first = await reader.read();
    if (first.done) {
      finished = true;
      setDefaultLength(headers, 0);
      res.writeHead(status, statusText, headers).end();
      return;
    }
    let next = reader.read();
    // A stream that holds one chunk is complete once the second read settles, before the event
    // loop turns. A live stream would stall here, so give up after one turn and start streaming.
    const early = await settledBeforeNextTurn(next);
    if (early?.done === true) {
      finished = true;
      setDefaultLength(headers, byteLength(first.value));
      res.writeHead(status, statusText, headers).end(first.value);
      return;
    }
    res.writeHead(status, statusText, headers);
    if (!(await write(res, first.value))) return;
    for (;;) {
      const chunk = await next;
      if (chunk.done) break;
      if (!(await write(res, chunk.value))) return;
      next = reader.read();
    }
    finished = true;
    res.end();
  } finally {
    // Client gone, write or stream error: stop the producer.
    if (!finished) reader.cancel().catch(ignore);
  }
}

/** Resolves false when the client went away, so the caller stops producing. */
async function write(res: ServerResponse, chunk: unknown): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk as Uint8Array | string)) return true;
  return drained(res);
}

function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = (): void => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** The result of `promise` if it settles before the next event-loop turn, else undefined. */
async function settledBeforeNextTurn<T>(promise: Promise<T>): Promise<T | undefined> {
  let immediate: NodeJS.Immediate | undefined;
  const turn = new Promise<undefined>((resolve) => {
    immediate = setImmediate(() => resolve(undefined));
  });
  try {
    return await Promise.race([promise, turn]);
  } finally {
    clearImmediate(immediate);
  }
}

function toNodeHeaders(headers: Headers): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  // Iteration yields names lower-cased and repeated fields joined, except Set-Cookie, which
  // must stay separate lines: take it from getSetCookie().
  for (const [name, value] of headers) {
    if (name !== 'set-cookie') out[name] = value;
  }
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

function setDefaultLength(headers: OutgoingHttpHeaders, length: number): void {
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    headers['content-length'] = length;
  }
}

function byteLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (ArrayBuffer.isView(chunk)) return chunk.byteLength;
  // res.end() will reject it with a clear error; no length to announce.
  return 0;
}

/** HTTP/1.1 framing: a request has a body iff it carries Content-Length or Transfer-Encoding. */
function hasBody(req: IncomingMessage, method: string): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function mayHaveBody(method: string, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304 && status >= 200;
}

/** Duck-typed so a Response from another realm or a fetch polyfill also works. */
function isResponse(value: unknown): value is Response {
  if (value instanceof Response) return true;
  const candidate = value as Partial<Response> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.status === 'number' &&
    typeof candidate.headers?.getSetCookie === 'function' &&
    candidate.body !== undefined
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

function ignore(): void {}
