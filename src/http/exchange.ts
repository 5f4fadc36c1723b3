/**
 * The engine's bookkeeping for one request/response pair. Never shown to the app: the app
 * gets `req` and `res`; this is what the connection, the access log record and the counters read.
 */
import type { IncomingMessage } from 'node:http';
import type { EngineResponse } from './response.js';
import type { RequestRecord } from './types.js';

export class Exchange {
  readonly req: IncomingMessage;
  /** Created when the request is dispatched to the app. */
  res: EngineResponse | null = null;
  /** `Date.now()` when the head was parsed. */
  readonly startTime: number;
  /** `performance.now()` at the same moment: a double, not a BigInt per request. */
  readonly startMark: number;
  /** The client allows reuse of the connection after this request. */
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
  /** Response body bytes written by the app (counted by EngineResponse). */
  bodyBytes = 0;
  /** Response finished or connection gone: the request is accounted for. */
  done = false;
  /**
   * The client address for the access log: a trusted X-Forwarded-For / Forwarded client, or null
   * for the connection's peer (the socket's, or a PROXY protocol source), which is read only when needed.
   */
  clientAddress: string | null;
  /**
   * May enter the gate: its head is parsed and its body is complete or buffered far enough
   * (see EngineOptions.bufferBodyBytes).
   */
  ready: boolean;
  /** Body bytes received before dispatch (counted only while not `ready`). */
  buffered = 0;
  /** An upgrade head: handed to the app's 'upgrade' listeners instead of the request handler. */
  upgrade = false;

  constructor(req: IncomingMessage, keepAlive: boolean, expectContinue: boolean, clientAddress: string | null, ready: boolean) {
    this.req = req;
    this.keepAlive = keepAlive;
    this.expectContinue = expectContinue;
    this.clientAddress = clientAddress;
    this.ready = ready;
    this.startTime = Date.now();
    this.startMark = performance.now();
  }
}

/** Where a record gets the connection's own client address, read only when asked (see Connection#remote). */
export interface PeerSource {
  readonly remoteAddress: string;
}

/** An exchange as `onRequestDone` sees it: the client address is looked up only if a reader (the access log's `%(h)s`) asks. */
export class ExchangeRecord implements RequestRecord {
  readonly req: IncomingMessage;
  readonly res: EngineResponse;
  readonly startTime: number;
  readonly durationNs: bigint;
  readonly bodyBytes: number;
  readonly completed: boolean;
  readonly #clientAddress: string | null;
  readonly #peer: PeerSource;

  constructor(exchange: Exchange, peer: PeerSource, completed: boolean) {
    this.req = exchange.req;
    this.res = exchange.res as EngineResponse;
    this.startTime = exchange.startTime;
    this.durationNs = BigInt(Math.round((performance.now() - exchange.startMark) * 1e6));
    this.bodyBytes = exchange.bodyBytes;
    this.completed = completed;
    this.#clientAddress = exchange.clientAddress;
    this.#peer = peer;
  }

  get remoteAddress(): string {
    return this.#clientAddress ?? this.#peer.remoteAddress;
  }
}
