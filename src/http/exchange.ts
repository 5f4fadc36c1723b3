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

  constructor(req: IncomingMessage, keepAlive: boolean, expectContinue: boolean) {
    this.req = req;
    this.keepAlive = keepAlive;
    this.expectContinue = expectContinue;
    this.startTime = Date.now();
    this.startMark = performance.now();
  }
}
