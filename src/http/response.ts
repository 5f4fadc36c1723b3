/**
 * The `http.ServerResponse` the app gets: a subclass that counts body bytes for the access
 * log and reports 'finish' to its connection.
 *
 * Frameworks replace the prototype of `res` (Express: `Object.setPrototypeOf(res,
 * app.response)`), which would drop overridden methods, so the counting `write` / `end` are
 * own properties (shared functions, no per-response closures) that call whatever `write` /
 * `end` the current prototype chain has. Private fields survive a prototype swap.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import { responseInternals } from './node-internals.js';

/**
 * What a response updates in its request's bookkeeping (exchange.ts's Exchange). A shape, not
 * an import: exchange.ts refers to EngineResponse, and the two files must not import each other.
 */
export interface ResponseAccount {
  bodyBytes: number;
}

export interface ResponseOwner<E extends ResponseAccount = ResponseAccount> {
  responseFinished(exchange: E): void;
}

type WriteFn = (chunk: unknown, encoding: unknown, cb: unknown) => boolean;
type EndFn = (chunk: unknown, encoding: unknown, cb: unknown) => unknown;
type StoreHeaderFn = (firstLine: string, headers: unknown) => unknown;

export class EngineResponse<E extends ResponseAccount = ResponseAccount> extends ServerResponse {
  readonly #exchange: E;
  readonly #owner: ResponseOwner<E>;

  constructor(req: IncomingMessage, exchange: E, owner: ResponseOwner<E>) {
    super(req);
    this.#exchange = exchange;
    this.#owner = owner;
    const own = this as unknown as { write: WriteFn; end: EndFn; _storeHeader: StoreHeaderFn };
    own.write = EngineResponse.#countingWrite;
    own.end = EngineResponse.#countingEnd;
    own._storeHeader = storeHeaderWithoutConflict;
    this.on('finish', EngineResponse.#onFinish);
  }

  static #onFinish(this: EngineResponse): void {
    this.#owner.responseFinished(this.#exchange);
  }

  static #countingWrite(this: EngineResponse, chunk: unknown, encoding: unknown, cb: unknown): boolean {
    const countable = !this.writableEnded && !this.destroyed;
    const ret = (Object.getPrototypeOf(this) as { write: WriteFn }).write.call(this, chunk, encoding, cb);
    if (countable && responseInternals(this)._hasBody) this.#exchange.bodyBytes += byteCount(chunk, encoding);
    return ret;
  }

  static #countingEnd(this: EngineResponse, chunk: unknown, encoding: unknown, cb: unknown): unknown {
    const internals = responseInternals(this);
    const countable = !this.writableEnded && !this.destroyed;
    const headless = internals._header === null;
    const ret = (Object.getPrototypeOf(this) as { end: EndFn }).end.call(this, chunk, encoding, cb);
    if (countable && internals._hasBody) {
      // end(chunk) with no head written yet has just measured the chunk for Content-Length.
      const measured = internals._contentLength;
      this.#exchange.bodyBytes += headless && typeof measured === 'number' ? measured : byteCount(chunk, encoding);
    }
    return ret;
  }
}

/**
 * Serializing the head (OutgoingMessage#_storeHeader, reached from writeHead and from the
 * implicit head of write/end): node:http sends Content-Length and Transfer-Encoding both when
 * the app set both, a message framing that request smugglers love. Transfer-Encoding wins
 * (RFC 9112 §6.3), so Content-Length is left out.
 */
function storeHeaderWithoutConflict(this: EngineResponse, firstLine: string, headers: unknown): unknown {
  const base = (Object.getPrototypeOf(this) as { _storeHeader: StoreHeaderFn })._storeHeader;
  return base.call(this, firstLine, headers !== null && typeof headers === 'object' ? withoutLengthBesideEncoding(headers) : headers);
}

/**
 * `headers` as _storeHeader takes them (object of values or of [name, value], flat or nested array),
 * minus Content-Length when Transfer-Encoding is present.
 */
export function withoutLengthBesideEncoding(headers: object): object {
  if (Array.isArray(headers)) {
    const nested = Array.isArray(headers[0]);
    const names: unknown[] = nested ? headers.map((pair: unknown[]) => pair[0]) : headers.filter((_, i) => i % 2 === 0);
    const lower = names.map((n) => String(n).toLowerCase());
    if (!lower.includes('transfer-encoding') || !lower.includes('content-length')) return headers;
    if (nested) return headers.filter((pair: unknown[]) => String(pair[0]).toLowerCase() !== 'content-length');
    const out: unknown[] = [];
    for (let i = 0; i < headers.length; i += 2) if (lower[i / 2] !== 'content-length') out.push(headers[i], headers[i + 1]);
    return out;
  }
  let lengthKey: string | null = null;
  let encoding = false;
  for (const key in headers) {
    // Only two lengths matter: skip every other name without lowercasing it.
    if (key.length === 14 && key.toLowerCase() === 'content-length') lengthKey = key;
    else if (key.length === 17 && key.toLowerCase() === 'transfer-encoding') encoding = true;
  }
  if (lengthKey === null || !encoding) return headers;
  const copy: Record<string, unknown> = { ...(headers as Record<string, unknown>) };
  delete copy[lengthKey];
  return copy;
}

function byteCount(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') {
    if (chunk.length === 0) return 0;
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0; // a callback in the chunk position, or nothing
}
