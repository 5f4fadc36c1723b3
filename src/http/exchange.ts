/**
 * The engine's bookkeeping for one request/response pair. Never shown to the app: the app
 * gets `req` and `res`; this is what the connection, the access log record and the counters read.
 */
import type { IncomingMessage } from 'node:http';
import type { EngineResponse } from './response.js';

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
  /** The client address for the access log (peer, PROXY protocol source or trusted X-Forwarded-For). */
  readonly clientAddress: string;
  /**
   * May enter the gate: its head is parsed and its body is complete or buffered far enough
   * (see EngineOptions.bufferBodyBytes).
   */
  ready: boolean;
  /** Body bytes received before dispatch (counted only while not `ready`). */
  buffered = 0;
  /** An upgrade head: handed to the app's 'upgrade' listeners instead of the request handler. */
  upgrade = false;

  constructor(req: IncomingMessage, keepAlive: boolean, expectContinue: boolean, clientAddress: string, ready: boolean) {
    this.req = req;
    this.keepAlive = keepAlive;
    this.expectContinue = expectContinue;
    this.clientAddress = clientAddress;
    this.ready = ready;
    this.startTime = Date.now();
    this.startMark = performance.now();
  }
}
