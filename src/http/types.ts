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
  /** Max bytes of one header field, its CRLF (and any folded lines with theirs) included; 0 = unlimited. Over → 431. */
  readonly requestFieldSize: number;
  /** Max bytes of a request body (Content-Length, or chunked data so far); 0 = unlimited. Over → 413. */
  readonly requestBody: number;
}

/** What to do with a header whose name contains `_` (gunicorn's header_map). */
export type HeaderMapMode = 'drop' | 'refuse' | 'dangerous';

/** The request parser's rules. */
export interface ParserOptions {
  readonly limits: HttpLimits;
  /** Accept obsolete line folding (joined with one SP) instead of refusing it with 400. */
  readonly permitObsoleteFolding: boolean;
  /** `drop`: remove such headers; `refuse`: 400; `dangerous`: pass them to the app. */
  readonly headerMap: HeaderMapMode;
}

/** Which peers may speak for the client (forwarded headers, PROXY protocol). */
export interface ProxyOptions {
  /** Peers (IPs, CIDR networks, `*`) whose X-Forwarded-* / Forwarded / scheme headers are believed. */
  readonly forwardedAllowIps: readonly string[];
  /** gunicorn's secure_scheme_headers: `[header name, value that means https]`. */
  readonly secureSchemeHeaders: readonly (readonly [string, string])[];
  /** Expect a PROXY protocol (v1 or v2) header first on connections from `proxyAllowFrom`. */
  readonly proxyProtocol: boolean;
  readonly proxyAllowFrom: readonly string[];
}

export interface EngineOptions extends ParserOptions {
  /** Idle time allowed between requests on a keep-alive connection; 0 = close after each response. */
  readonly keepAliveMs: number;
  /** Time allowed from a request's first byte to the end of its headers (slow clients); 0 = off. */
  readonly headersTimeoutMs: number;
  /** Longest silence allowed while a request body is expected (slow uploads); 0 = off. Over → 408. */
  readonly bodyTimeoutMs: number;
  /** Longest time response bytes may wait with no write progress (a client that never reads); 0 = off. Over → destroyed. */
  readonly sendTimeoutMs?: number;
  /**
   * Body bytes to receive before a request is handed to the gate (0 = hand it over as soon as
   * its head is parsed). The `sync` class sets it so a slow upload cannot hold the worker while
   * its body trickles in; a body larger than this is streamed as usual after the first bytes.
   */
  readonly bufferBodyBytes: number;
  /** Requests that waited longer than this (ms) before dispatch get 503 + Retry-After (queue-wait.ts); 0 or absent: no bound. */
  readonly maxQueueMs?: number;
  /** Absent: no proxy is trusted, no PROXY protocol. */
  readonly proxy?: ProxyOptions;
  /**
   * Every request's record needs the client's address (an access log is written): read it when
   * the request starts. Otherwise it is read only when something asks, and the record of a request
   * aborted by its client, made after the socket closed, could no longer get it.
   */
  readonly logsClientAddress?: boolean;
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
  /**
   * The client's address: the socket peer, or the client a PROXY protocol header named, or
   * the one a trusted proxy's X-Forwarded-For / Forwarded names (what `%(h)s` prints).
   */
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
  /** A request reached dispatch after waiting `localMs` (and `upstreamMs` since a trusted X-Request-Start); `shed`: answered 503. */
  onQueueWait?(localMs: number, upstreamMs: number | undefined, shed: boolean): void;
  /** A connection was destroyed by the send timeout (see send-timeout.ts). */
  onSendTimeout?(remoteAddress: string): void;
  /** A connection the engine held, or a socket it handed to the app's 'upgrade' listener, closed (connectionCount is already down). */
  onConnectionClosed?(): void;
}
