/**
 * The contract between the HTTP/1.1 engine and the worker that owns it.
 * The engine turns bytes on a `net.Socket` into genuine `http.IncomingMessage` /
 * `http.ServerResponse` pairs; the worker class decides *when* a parsed request may run.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the user's app looks like once loaded (see src/app). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface HttpLimits {
  /** Max bytes of the request line (method, target, version); 0 = unlimited. Over → 414. */
  readonly requestLine: number;
  /** Max number of header fields; 0 = unlimited. Over → 431. */
  readonly requestFields: number;
  /** Max bytes of one header line (name + value); 0 = unlimited. Over → 431. */
  readonly requestFieldSize: number;
}

export interface EngineOptions {
  readonly limits: HttpLimits;
  /** Idle time allowed between requests on a keep-alive connection; 0 = close after each response. */
  readonly keepAliveMs: number;
  /** Time allowed from a request's first byte to the end of its headers (slow clients); 0 = off. */
  readonly headersTimeoutMs: number;
}

/**
 * Worker-class policy. `sync` lets one request run at a time per worker; `async` lets all run.
 * The engine calls `enter` once per parsed request and `leave` once when that request's
 * response has finished (or its connection is gone).
 */
export interface RequestGate {
  /** Call `run` exactly once, now or later, when the request may start. */
  enter(run: () => void): void;
  /** The request started by `run` is done. */
  leave(): void;
}

/** One finished request, for the access log and counters. */
export interface RequestRecord {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Peer address as seen on the socket (proxy handling may rewrite it later). */
  readonly remoteAddress: string;
  /** `Date.now()` when the request head was parsed. */
  readonly startTime: number;
  /** Nanoseconds from the request head being parsed to the response finishing. */
  readonly durationNs: bigint;
  /** Response body bytes written by the app (after any chunked framing is removed). */
  readonly bodyBytes: number;
  /** False when the connection closed before the response finished. */
  readonly completed: boolean;
}

/** A request the engine refused before it reached the app. */
export interface ClientErrorRecord {
  readonly remoteAddress: string;
  readonly status: 400 | 408 | 413 | 414 | 417 | 431 | 501 | 505;
  /** Short machine-readable reason, e.g. 'request-line-too-long', 'bad-chunk-size'. */
  readonly reason: string;
}

export interface EngineEvents {
  onRequestDone?(record: RequestRecord): void;
  onClientError?(record: ClientErrorRecord): void;
  /** The app threw or rejected; the engine already answered 500 (or closed the socket if headers were sent). */
  onAppError?(err: unknown, req: IncomingMessage): void;
}
