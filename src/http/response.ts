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
import type { Exchange } from './exchange.js';
import { responseInternals } from './node-internals.js';

export interface ResponseOwner {
  responseFinished(exchange: Exchange): void;
}

type WriteFn = (chunk: unknown, encoding: unknown, cb: unknown) => boolean;
type EndFn = (chunk: unknown, encoding: unknown, cb: unknown) => unknown;

export class EngineResponse extends ServerResponse {
  readonly #exchange: Exchange;
  readonly #owner: ResponseOwner;

  constructor(req: IncomingMessage, exchange: Exchange, owner: ResponseOwner) {
    super(req);
    this.#exchange = exchange;
    this.#owner = owner;
    const own = this as unknown as { write: WriteFn; end: EndFn };
    own.write = EngineResponse.#countingWrite;
    own.end = EngineResponse.#countingEnd;
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

function byteCount(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') {
    if (chunk.length === 0) return 0;
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0; // a callback in the chunk position, or nothing
}
