/**
 * One client connection: feeds the socket to a RequestParser, turns heads into genuine
 * IncomingMessage / ServerResponse pairs, dispatches them one at a time through the gate,
 * and closes the connection the way node:http's server does (parserOnIncoming, resOnFinish,
 * socketOnClose / abortIncoming are the reference).
 *
 * Requests on a connection run strictly in order. Slots:
 * - `#active`  dispatched to the app, response not finished;
 * - `#next`    head parsed, not dispatched yet (waiting for `#active`, or inside the gate);
 * - `#parsing` the request whose body the parser is reading (one of the two, or a finished
 *              request whose unread body is being discarded).
 * The parser reads ahead at most one request: while `#next` exists the socket is paused
 * (`socket._paused`, which IncomingMessage#_read honours) and bytes already read past the
 * message boundary wait in `#stash`, so a slow app never makes the engine buffer input.
 *
 * Listeners (`events.*`) must not throw: they run inside socket callbacks.
 */
import type { Socket } from 'node:net';
import type { EngineEvents, EngineOptions, RequestGate, RequestHandler } from './types.js';
import { peerAddress, type AddressList } from './address-list.js';
import { ClientError } from './client-error.js';
import { attachForwardedFacts, type ForwardedRules } from './forwarded.js';
import { answerShed, requestStart, upstreamWaitMs } from './queue-wait.js';
import { parseProxyHeader, type ProxySource } from './proxy-protocol.js';
import type { SendProgress, SendWatched } from './send-timeout.js';
import { errorBody, errorResponse, statusText } from './error-response.js';
import { Exchange, ExchangeRecord, type PeerSource } from './exchange.js';
import { completeIncoming, createIncoming } from './incoming.js';
import {
  abortedError,
  incomingInternals,
  needDrainSymbol,
  responseInternals,
  socketInternals,
  type SocketInternals,
} from './node-internals.js';
import { RequestParser, type ParserSink } from './request-parser.js';
import { EngineResponse, type ResponseOwner } from './response.js';
import { ERR, type HeadFacts } from './validate.js';
import { isUpgradeRequest, type UpgradeHandler } from './upgrade.js';

/** What a connection needs from its engine. */
export interface ConnectionHost {
  readonly handler: RequestHandler;
  readonly options: EngineOptions;
  readonly gate: RequestGate;
  readonly events: EngineEvents;
  /** Graceful stop in progress: no more keep-alive. */
  readonly draining: boolean;
  /**
   * `Date.now()` as of the last deadline sweep, at most `clockSlackMs` old: arming a
   * deadline per request costs no clock read.
   */
  readonly clock: number;
  readonly clockSlackMs: number;
  /** Forwarded-header rules; null when no peer is trusted. */
  readonly forwarded: ForwardedRules | null;
  /** Peers that must send a PROXY protocol header first; null when the protocol is off. */
  readonly proxyAllow: AddressList | null;
  /** Count and report a refused request (exactly once per refusal). */
  clientError(err: ClientError, remoteAddress: string): void;
  requestStarted(): void;
  requestEnded(): void;
  connectionClosed(conn: Connection): void;
  /** The app's 'upgrade' listeners; null when the app has none. */
  readonly upgrades: UpgradeHandler | null;
  /** `conn` handed `socket` to the app (it stays counted until the socket closes). */
  connectionUpgraded(conn: Connection, socket: Socket): void;
}

const DEADLINE_NONE = 0;
/** Waiting for a request (first one, or the next on a keep-alive connection): close quietly. */
const DEADLINE_IDLE = 1;
/** A request head has started arriving: 408 when it does not complete in time. */
const DEADLINE_HEAD = 2;
/** Closing: we sent FIN and wait for the client's; then reset. */
const DEADLINE_LINGER = 3;
/** A request body is expected: 408 when the client stays silent this long. */
const DEADLINE_BODY = 4;

/** How long an idle connection may stay open once a graceful stop begins (see drain()). */
const DRAIN_IDLE_MS = 500;

/**
 * How long a closing connection keeps reading (and discarding) input while waiting for the
 * client to close: closing a socket with unread input sends a reset, which can make the client
 * drop the response we just wrote (typical after a 4xx sent mid-upload).
 */
export const LINGER_MS = 1000;

function noop(): void {}

function emitResponseClose(res: EngineResponse): void {
  // node:http's emitCloseNT, run on the tick after 'finish'.
  const internals = responseInternals(res);
  if (!internals._closed) {
    internals.destroyed = true;
    internals._closed = true;
    res.emit('close');
  }
}

/**
 * Lifecycle states, in the only order a connection moves through them (`#advance` never goes
 * back, which is the one rule every transition relies on):
 *
 *   OPEN → CLOSING → LINGERING → CLOSED        (and OPEN | CLOSING → UPGRADED, terminal)
 *
 * - OPEN: serving; the parser may start the next request.
 * - CLOSING: no request after the ones already parsed (the client asked to close, a refusal is
 *   pending, a graceful stop, keep-alive off); close once they are answered. Input past the
 *   last parsed request is not read.
 * - LINGERING: our side is ended (FIN sent); input is read and discarded until the client's FIN
 *   or the linger deadline resets the socket.
 * - UPGRADED: the socket was handed to the app's 'upgrade' listener (#handOver). None of our
 *   listeners is left on it, no deadline is armed, and the engine only counts it until it closes.
 * - CLOSED: the socket closed; whatever was in flight was aborted (#close).
 *
 * Invariant behind every `#state >= LINGERING` guard: from LINGERING on, nothing is parsed,
 * dispatched, resumed or answered any more; only 'close' (or the linger deadline) acts.
 */
const OPEN = 0;
const CLOSING = 1;
const LINGERING = 2;
const UPGRADED = 3;
const CLOSED = 4;
type State = typeof OPEN | typeof CLOSING | typeof LINGERING | typeof UPGRADED | typeof CLOSED;

const EMPTY = Buffer.alloc(0);

export class Connection implements ParserSink, ResponseOwner, SendWatched, PeerSource {
  readonly #socket: Socket;
  /** The same socket, typed to reach the fields node:http's server uses. */
  readonly #sock: SocketInternals;
  readonly #host: ConnectionHost;
  readonly #parser: RequestParser;
  /**
   * The client's address as the socket shows it (after a PROXY header: the client it named).
   * Read on first use: it costs a getpeername(2) per connection, and a request that carries no
   * forwarding header and is not access-logged never needs it.
   */
  #remote: string | null = null;
  /** performance.now() at accept, until the first request is dispatched (then -1): its queue wait starts here. */
  #acceptedMark = performance.now();
  /** This peer's forwarding headers are believed; null until a request carries one. */
  #trust: boolean | null = null;
  /** Bytes of a PROXY protocol header received so far; null once it is done or not expected. */
  #proxyInput: Buffer | null = null;
  readonly #keepAliveMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #bufferBodyBytes: number;

  #active: Exchange | null = null;
  #next: Exchange | null = null;
  /** `#next` has been handed to `gate.enter` and `#run` has not been called yet. */
  #nextInGate = false;
  #parsing: Exchange | null = null;
  #trailers: string[] | null = null;

  /** Input read past a message boundary while `#next` waits. */
  #stash: Buffer | null = null;
  #stashAt = 0;
  #inParse = false;

  /** Where the connection is in its lifecycle (see the state table above the class). */
  #state: State = OPEN;
  /** Refused request to answer once the requests before it are answered. */
  #reject: ClientError | null = null;
  /** The client has sent FIN. */
  #eof = false;

  #deadline = 0;
  #deadlineKind = DEADLINE_NONE;
  /** --send-timeout's record (send-timeout.ts owns it). */
  sendProgress: SendProgress | null = null;

  // Bound once per connection: no closures per request.
  readonly #run = (): void => this.#dispatch();
  readonly #onData = (chunk: Buffer): void => this.#data(chunk);
  readonly #onEnd = (): void => this.#end();
  readonly #onClose = (): void => this.#close();
  readonly #onDrain = (): void => this.#drainResponse();

  constructor(socket: Socket, host: ConnectionHost) {
    this.#socket = socket;
    this.#sock = socketInternals(socket);
    this.#host = host;
    this.#keepAliveMs = host.options.keepAliveMs;
    this.#bodyTimeoutMs = host.options.bodyTimeoutMs;
    this.#bufferBodyBytes = host.options.bufferBodyBytes;
    if (host.proxyAllow !== null && host.proxyAllow.has(peerAddress(socket))) this.#proxyInput = Buffer.alloc(0);
    this.#parser = new RequestParser(this, host.options);
    // A client's FIN ends its requests, not the responses we still owe it (see #end).
    this.#sock.allowHalfOpen = true;
    this.#sock._paused = false;
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
    // Resets and EPIPEs are normal for a server; 'close' follows and does the cleanup.
    socket.on('error', noop);
    this.#armIdle(this.#keepAliveMs || host.options.headersTimeoutMs);
  }

  get socket(): Socket {
    return this.#socket;
  }

  /** `Date.now()` value from which `onDeadline` must run; 0 = none. */
  get deadline(): number {
    return this.#deadline;
  }

  /** Graceful stop: busy → `Connection: close` on the current response, close after it; idle → close after a short grace. */
  drain(): void {
    if (this.#state >= LINGERING) return;
    const active = this.#active;
    if (active !== null) {
      this.#advance(CLOSING);
      const res = active.res as EngineResponse;
      if (!res.headersSent) res.shouldKeepAlive = false;
      return; // #responseFinished closes (host.draining)
    }
    if (this.#next !== null) {
      this.#advance(CLOSING);
      return; // inside the gate: it runs, with Connection: close
    }
    if (this.#parser.inHead && this.#parser.hasPartialHead) return; // its head deadline still applies
    // Idle. A keep-alive client sends its next request the moment the previous response
    // arrives, so closing now would race it and fail that request (the classic reload error).
    // Give it DRAIN_IDLE_MS: a request that comes is served with `Connection: close` (the host
    // is draining); a connection still silent after that is truly idle and closes.
    const soon = this.#host.clock + DRAIN_IDLE_MS;
    if (this.#deadlineKind !== DEADLINE_IDLE || this.#deadline === 0 || this.#deadline > soon) this.#armIdle(DRAIN_IDLE_MS);
  }

  destroy(): void {
    this.#socket.destroy();
  }

  onDeadline(): void {
    const kind = this.#deadlineKind;
    this.#disarm();
    if (this.#state === CLOSED) return;
    if (kind === DEADLINE_LINGER) this.#socket.destroy();
    else if (kind === DEADLINE_IDLE) this.#closeGracefully();
    else if (kind === DEADLINE_HEAD) {
      // Only empty lines since the last request (some clients send a CRLF after a body): idle, not slow.
      if (this.#parser.hasPartialHead) this.#fail(ERR.headersTimeout);
      else this.#closeGracefully();
    } else if (kind === DEADLINE_BODY) {
      // Paused by us (backpressure, or waiting for its turn): the client is not the slow one.
      if (this.#socket.isPaused()) this.#armBody();
      else if (this.#parsing !== null) this.#fail(ERR.bodyTimeout);
    }
  }

  // --- input ----------------------------------------------------------------------------------

  #data(chunk: Buffer): void {
    if (this.#state >= LINGERING || this.#reject !== null) return; // discarding
    if (this.#proxyInput !== null) {
      this.#proxyData(chunk);
      return;
    }
    if (this.#deadlineKind === DEADLINE_BODY) this.#armBody();
    if (this.#stash !== null) {
      // Only reachable if 'data' was already queued when we paused: keep it in order.
      this.#stash = Buffer.concat([this.#stash.subarray(this.#stashAt), chunk]);
      this.#stashAt = 0;
      return;
    }
    // Input while idle: at a message boundary it starts a head (#parse arms the head
    // deadline); otherwise it is an unread body being discarded, which counts as activity.
    if (this.#deadlineKind === DEADLINE_IDLE && !this.#parser.atBoundary) this.#armIdle(this.#keepAliveMs);
    this.#parse(chunk, 0);
  }

  /** Input before the PROXY protocol header is complete. */
  #proxyData(chunk: Buffer): void {
    const input = (this.#proxyInput as Buffer).length === 0 ? chunk : Buffer.concat([this.#proxyInput as Buffer, chunk]);
    const result = parseProxyHeader(input);
    if (result.kind === 'more') {
      this.#proxyInput = input;
      return;
    }
    this.#proxyInput = null;
    if (result.kind === 'invalid') {
      this.#fail(ERR.badProxyHeader);
      return;
    }
    if (result.source !== null) this.#adoptSource(result.source);
    if (result.length < input.length) this.#data(input.subarray(result.length));
  }

  /**
   * The PROXY header named the real client: make it the socket's address, so the app, its
   * framework (`req.socket.remoteAddress`, Express `req.ip`, Koa `ctx.ip`) and the access log all
   * see the client rather than the load balancer. Own properties shadow net.Socket's getters.
   */
  #adoptSource(source: ProxySource): void {
    const socket = this.#socket;
    Object.defineProperty(socket, 'remoteAddress', { value: source.address, configurable: true });
    Object.defineProperty(socket, 'remotePort', { value: source.port, configurable: true });
    Object.defineProperty(socket, 'remoteFamily', { value: source.family, configurable: true });
    this.#remote = source.address;
    // Trust in forwarded headers is decided on the client the proxy named (gunicorn does the same).
    this.#trust = this.#host.forwarded !== null && this.#host.forwarded.trusts(source.address);
  }

  /** The peer's address ('' when unknown), read on first use. */
  get remoteAddress(): string {
    return (this.#remote ??= this.#socket.remoteAddress ?? '');
  }

  /** Does this connection's peer speak for its clients (`--forwarded-allow-ips`)? Decided once. */
  #trustsForwarded(): boolean {
    if (this.#trust === null) {
      const rules = this.#host.forwarded;
      this.#trust = rules !== null && rules.trusts(peerAddress(this.#socket));
    }
    return this.#trust;
  }

  /** Parse `chunk[at..]` as far as the one-request read-ahead allows. */
  #parse(chunk: Buffer, at: number): void {
    const parser = this.#parser;
    const len = chunk.length;
    this.#inParse = true;
    while (at < len) {
      if (parser.upgraded) {
        // Input after an upgrade head waits for the hand-over, which gives it to the app as `head`.
        this.#stash = chunk;
        this.#stashAt = at;
        break;
      }
      if (parser.atBoundary) {
        if (this.#state >= CLOSING) break; // nothing more is served here: drop the rest
        if (this.#next !== null) {
          this.#stash = chunk;
          this.#stashAt = at;
          break;
        }
        parser.startMessage();
        if (this.#active === null) this.#armHead();
      }
      const r = parser.feed(chunk, at, len);
      if (typeof r !== 'number') {
        this.#inParse = false;
        if (r instanceof ClientError) this.#fail(r);
        else this.#feedError(r);
        return;
      }
      if (r === 0 && !parser.atBoundary) {
        // Cannot happen with the states we run; never spin on it.
        this.#inParse = false;
        this.#fail(ERR.parseError);
        return;
      }
      at += r;
      if (this.#state >= LINGERING) break;
      if (parser.upgraded && at < len) {
        this.#stash = chunk; // before the gate may run #handOver, which reads it
        this.#stashAt = at;
        at = len;
      }
      const next = this.#next;
      if (next !== null && next.ready && this.#active === null && !this.#nextInGate) this.#enterGate();
    }
    this.#inParse = false;
    this.#syncInput();
  }

  /** Continue with stashed input after the request slots changed. */
  #resumeInput(): void {
    if (this.#state >= LINGERING || this.#inParse) return;
    const stash = this.#stash;
    if (stash !== null) {
      this.#stash = null;
      this.#parse(stash, this.#stashAt);
    } else {
      this.#syncInput();
    }
    if (this.#eof) this.#checkEof();
  }

  /** Pause the socket while input must wait; resume it when it may flow again. */
  #syncInput(): void {
    if (this.#state >= LINGERING) return;
    const sock = this.#sock;
    // A request still buffering its body before dispatch keeps the input flowing.
    const next = this.#next;
    const hold =
      this.#stash !== null ||
      (next !== null && (next.ready || next !== this.#parsing)) ||
      this.#reject !== null ||
      (this.#state >= CLOSING && this.#parser.atBoundary);
    if (hold) {
      if (!sock._paused) {
        sock._paused = true;
        this.#socket.pause();
      }
      return;
    }
    // Also a pause left by onBody's backpressure: when the body's last chunk filled the stream
    // and the app read it to the end (`for await (… of req)`), no IncomingMessage#_read comes
    // to resume, and the next request on this connection would never be read.
    if (sock._paused || this.#socket.isPaused()) {
      sock._paused = false;
      // A body backlog over the request's high-water mark resumes from IncomingMessage#_read.
      const p = this.#parsing;
      if (p === null || p.req.readableLength < p.req.readableHighWaterMark) this.#socket.resume();
    }
  }

  // --- parser sink ------------------------------------------------------------------------------

  onHead(method: string, url: string, versionMinor: number, rawHeaders: string[], facts: HeadFacts): boolean {
    // null: the connection's own peer, resolved only if something asks (see #remote).
    let clientAddress: string | null = null;
    const rules = this.#host.forwarded;
    let forwarded = null;
    const first = rules === null ? -1 : rules.find(rawHeaders);
    if (rules !== null && first >= 0) {
      if (this.#trustsForwarded()) {
        const read = rules.read(rawHeaders, this.remoteAddress, first);
        // Thrown from inside the parser's user call: feed() returns it, #parse refuses the request.
        if (read instanceof ClientError) throw read;
        if (read !== null) {
          forwarded = read;
          clientAddress = read.clientAddress;
        }
      } else {
        rules.strip(rawHeaders, first);
      }
    }
    const upgrade = isUpgradeRequest(rawHeaders) && this.#takeUpgrade();
    const req = createIncoming(this.#socket, method, url, versionMinor, rawHeaders);
    if (forwarded !== null) attachForwardedFacts(req, forwarded);
    if (upgrade) {
      // As llhttp does for an upgrade: the message is complete at the end of its head.
      incomingInternals(req).upgrade = true;
      completeIncoming(req, null);
      const exchange = new Exchange(req, false, false, clientAddress, true);
      exchange.upgrade = true;
      this.#next = exchange;
      if (this.#deadlineKind === DEADLINE_HEAD) this.#disarm();
      return true;
    }
    const hasBody = facts.chunked || facts.contentLength > 0;
    // 100-continue: the client sends no body until told to, so waiting for it would stall.
    const ready = !hasBody || this.#bufferBodyBytes === 0 || facts.expectContinue;
    const exchange = new Exchange(req, facts.keepAlive, facts.expectContinue, clientAddress, ready);
    this.#parsing = exchange;
    this.#next = exchange; // the parser only starts a message when #next is empty
    if (!facts.keepAlive || this.#keepAliveMs === 0) this.#advance(CLOSING);
    if (this.#deadlineKind === DEADLINE_HEAD) this.#disarm();
    if (hasBody && this.#deadlineKind === DEADLINE_NONE) this.#armBody();
    return false;
  }

  /**
   * An upgrade head: hand it over (true) when the app listens, refuse it when the worker class
   * cannot hold it (throws, as onHead's refusals do), otherwise serve it as an ordinary request
   * and close after it (see upgrade.ts for what node:http does).
   */
  #takeUpgrade(): boolean {
    const target = this.#host.upgrades;
    if (target !== null && target.listening()) {
      if (target.refusal !== undefined) throw target.refusal;
      return true;
    }
    this.#advance(CLOSING);
    return false;
  }

  onBody(chunk: Buffer): void {
    const p = this.#parsing;
    if (p === null) return;
    const req = p.req;
    if (incomingInternals(req)._dumped) return;
    const below = req.push(chunk);
    if (!p.ready) {
      // Buffering before dispatch: ignore the stream's high-water mark up to our own bound.
      p.buffered += chunk.length;
      if (p.buffered >= this.#bufferBodyBytes) p.ready = true;
      return;
    }
    if (!below) this.#socket.pause();
  }

  onTrailers(rawTrailers: string[]): void {
    this.#trailers = rawTrailers;
  }

  onMessageComplete(): void {
    const p = this.#parsing;
    this.#parsing = null;
    const trailers = this.#trailers;
    this.#trailers = null;
    if (this.#deadlineKind === DEADLINE_BODY) this.#disarm();
    if (p !== null) {
      p.ready = true;
      completeIncoming(p.req, trailers);
    }
  }

  // --- dispatch -----------------------------------------------------------------------------------

  #enterGate(): void {
    this.#nextInGate = true;
    this.#host.gate.enter(this.#run);
  }

  /** The gate's `run`: the request in `#next` may start. */
  #dispatch(): void {
    this.#nextInGate = false;
    const exchange = this.#next;
    const host = this.#host;
    if (exchange === null || this.#state >= LINGERING) {
      host.gate.leave(); // its connection is gone: entered, never run
      return;
    }
    this.#next = null;
    if (exchange.upgrade) {
      host.gate.leave(); // an upgraded socket is not a request in flight
      this.#handOver(exchange);
      return;
    }
    this.#active = exchange;
    host.requestStarted();
    if (exchange.clientAddress === null && host.options.logsClientAddress === true) exchange.clientAddress = this.remoteAddress;

    const req = exchange.req;
    const res = new EngineResponse(req, exchange, this);
    exchange.res = res;
    const keepAlive = exchange.keepAlive && this.#keepAliveMs !== 0 && this.#state === OPEN && !host.draining;
    res.shouldKeepAlive = keepAlive;
    // `Keep-Alive: timeout=N` is in whole seconds; below one second say nothing rather than 0.
    if (keepAlive && this.#keepAliveMs >= 1000) responseInternals(res)._keepAliveTimeout = this.#keepAliveMs;
    res.assignSocket(this.#socket);
    // --- queue wait and the --max-queue-time bound (queue-wait.ts) ---
    // Measured from accept for a connection's first request; the bound counts from the parsed
    // head, so a client that connects early (a browser's preconnect) is not shed for its silence.
    const now = performance.now();
    const sinceHeadMs = now - exchange.startMark;
    const localMs = this.#acceptedMark >= 0 ? now - this.#acceptedMark : sinceHeadMs;
    this.#acceptedMark = -1;
    const start = host.forwarded === null ? undefined : requestStart(req.rawHeaders);
    const upstreamMs = start !== undefined && this.#trustsForwarded() ? upstreamWaitMs(start, Date.now()) : undefined;
    const maxQueueMs = host.options.maxQueueMs ?? 0;
    const shed = maxQueueMs > 0 && Math.max(sinceHeadMs, upstreamMs ?? 0) > maxQueueMs;
    host.events.onQueueWait?.(localMs, upstreamMs, shed);
    if (shed) {
      answerShed(res, maxQueueMs);
      this.#resumeInput();
      return;
    }
    // --- end queue wait ---
    if (exchange.expectContinue) {
      responseInternals(res)._expect_continue = true;
      res.writeContinue();
    }

    let ret: unknown;
    try {
      ret = host.handler(req, res);
    } catch (err) {
      this.#appError(exchange, err);
    }
    if (ret !== null && typeof ret === 'object' && typeof (ret as PromiseLike<unknown>).then === 'function') {
      // One closure per promise-returning request: the rejection must find its exchange.
      (ret as PromiseLike<unknown>).then(undefined, (err: unknown) => this.#appError(exchange, err));
    }
    this.#resumeInput();
  }

  /**
   * node:http's upgrade branch of onParserExecuteCommon: take every listener of ours off the
   * socket, leave it unpaused with `readableFlowing = null` (so the app's first 'data'
   * listener starts the flow), and give the app the socket and the bytes read past the head.
   * During a graceful stop the upgrade is not taken: a long-lived socket would only hold the
   * stopping worker; closing lets the client reconnect to a worker that stays.
   */
  #handOver(exchange: Exchange): void {
    const host = this.#host;
    const upgrades = host.upgrades;
    if (host.draining || upgrades === null) {
      this.#closeGracefully();
      return;
    }
    const socket = this.#socket;
    const stash = this.#stash;
    const head = stash === null ? EMPTY : stash.subarray(this.#stashAt);
    this.#stash = null;
    this.#advance(UPGRADED);
    this.#disarm();
    socket.removeListener('data', this.#onData);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('close', this.#onClose);
    socket.removeListener('drain', this.#onDrain);
    socket.removeListener('error', noop);
    this.#sock._paused = false;
    this.#sock.readableFlowing = null;
    host.connectionUpgraded(this, socket);
    try {
      upgrades.upgrade(exchange.req, socket, head);
    } catch (err) {
      host.events.onAppError?.(err, exchange.req);
      socket.destroy();
    }
  }

  #appError(exchange: Exchange, err: unknown): void {
    this.#host.events.onAppError?.(err, exchange.req);
    if (exchange.done) return; // finished or its connection is gone: nothing left to answer
    const res = exchange.res as EngineResponse;
    if (res.writableEnded) return; // the response is complete (the app threw after end()): let it go out
    if (res.headersSent) {
      // Part of a response is on the wire; only closing tells the client it is broken.
      this.#socket.destroy();
      return;
    }
    // Replace whatever the app had prepared with a plain 500.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.on('error', noop); // the app may still write to the response it lost
    const body = errorBody(500);
    res.statusCode = 500;
    res.statusMessage = statusText(500);
    res.shouldKeepAlive = false;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.setHeader('Connection', 'close');
    res.end(body);
  }

  responseFinished(exchange: Exchange): void {
    if (exchange.done || exchange !== this.#active) return;
    exchange.done = true;
    this.#active = null;
    const res = exchange.res as EngineResponse;
    // node:http's resOnFinish: pull an unread body off the wire, free the socket, 'close' next tick.
    const req = incomingInternals(exchange.req);
    if (!req._consuming && !req._readableState.resumeScheduled) req._dump();
    res.detachSocket(this.#socket);
    process.nextTick(emitResponseClose, res);

    // Listeners and the gate may call back into the engine (drain, another connection's
    // request): the slots above are already settled.
    const host = this.#host;
    host.requestEnded();
    this.#report(exchange, true);
    host.gate.leave();

    if (this.#state >= LINGERING) return;
    if (responseInternals(res)._last || host.draining) {
      this.#closeGracefully(this.#clientIsDone(exchange));
      return;
    }
    const next = this.#next;
    if (next !== null) {
      if (next.ready)
        this.#enterGate(); // pipelined request: its turn
      else this.#resumeInput(); // still buffering its body: #parse enters the gate when it is ready
      return;
    }
    if (this.#state >= CLOSING) {
      this.#finishClosing();
      return;
    }
    if (this.#parser.inHead) this.#armHead();
    else this.#armIdle(this.#keepAliveMs);
    this.#resumeInput();
  }

  #report(exchange: Exchange, completed: boolean): void {
    this.#host.events.onRequestDone?.(new ExchangeRecord(exchange, this, completed));
  }

  #drainResponse(): void {
    // node:http's socketOnDrain: OutgoingMessage relies on the server to forward 'drain'.
    const res = this.#active?.res;
    if (res == null || res.writableEnded) return;
    const key = needDrainSymbol(res);
    if (key === null) {
      res.emit('drain');
      return;
    }
    const flags = res as unknown as Record<symbol, boolean>;
    if (flags[key] === true) {
      flags[key] = false;
      res.emit('drain');
    }
  }

  // --- refusing and closing -------------------------------------------------------------------------

  /** Refuse the request being parsed: answer `err` (after the requests before it), then close. */
  #fail(err: ClientError): void {
    if (this.#state >= LINGERING) return;
    this.#host.clientError(err, this.remoteAddress);
    this.#advance(CLOSING);
    this.#stash = null;
    const broken = this.#parsing; // set when the error is in a body: that request can never complete
    this.#parsing = null;
    if (broken !== null) {
      if (broken === this.#active) {
        // The app is handling it: answer now if nothing was sent, else cut the connection.
        if ((broken.res as EngineResponse).headersSent) this.#socket.destroy();
        else this.#writeAndClose(err);
        return;
      }
      if (broken === this.#next) this.#next = null; // never dispatched; if in the gate, #dispatch leaves
    }
    if (this.#active === null && this.#next === null) {
      this.#writeAndClose(err);
      return;
    }
    this.#reject = err;
    this.#syncInput();
  }

  /**
   * `feed` failed with something other than a ClientError. The parser's own states only throw
   * ClientErrors, so this came from the app: a 'data' listener runs synchronously inside
   * `req.push()` while the parser is delivering a body. Report it as an app error and drop
   * the connection, since the rest of that body can no longer be delivered.
   */
  #feedError(err: Error): void {
    const p = this.#parsing;
    if (p === null) {
      this.#fail(ERR.parseError);
      return;
    }
    this.#host.events.onAppError?.(err, p.req);
    this.#socket.destroy();
  }

  #finishClosing(): void {
    const reject = this.#reject;
    if (reject !== null) this.#writeAndClose(reject);
    else this.#closeGracefully();
  }

  #writeAndClose(err: ClientError): void {
    this.#socket.write(errorResponse(err.status));
    this.#closeGracefully();
  }

  /**
   * The client said this was its last request (`Connection: close`, or HTTP/1.0 without
   * keep-alive), that request was read to its end and nothing past it was received: it sends
   * nothing more (RFC 9112 §9.6), so there is no input whose unread bytes could turn our close
   * into a reset, and no reason to wait for its FIN (nginx's lingering_close heuristic).
   */
  #clientIsDone(exchange: Exchange): boolean {
    return (
      !exchange.keepAlive &&
      exchange.req.complete &&
      this.#next === null &&
      this.#parsing === null &&
      this.#stash === null &&
      this.#reject === null
    );
  }

  /**
   * End our side after what is written. Unless the client is known to be done, keep reading
   * (discarding) until it closes; otherwise close at once.
   */
  #closeGracefully(clientDone = false): void {
    if (this.#state >= LINGERING) return;
    this.#advance(LINGERING);
    this.#stash = null;
    this.#armLinger(); // also bounds the wait for our own last bytes to leave
    if (clientDone) {
      // With every byte handed to the kernel, close(2) alone sends them and then our FIN, as
      // gunicorn and nginx close: no shutdown(2) and no stream 'finish' round first. An empty
      // receive queue (nothing past the request) means the close cannot turn into a reset.
      if (this.#socket.writableLength === 0) this.#socket.destroy();
      else this.#socket.destroySoon();
      return;
    }
    this.#sock._paused = false;
    this.#socket.resume();
    this.#socket.end();
  }

  #end(): void {
    this.#eof = true;
    if (this.#state >= LINGERING) return;
    this.#checkEof();
  }

  /** After the client's FIN, once every byte it sent is parsed: finish what can be finished, then close. */
  #checkEof(): void {
    if (this.#stash !== null || this.#state >= LINGERING || this.#reject !== null) return;
    const p = this.#parsing;
    if (p !== null) {
      // A body cut short can never complete: that request is aborted.
      if (p === this.#active || (p === this.#next && this.#active === null)) {
        this.#socket.destroy();
        return;
      }
      if (p === this.#next) this.#next = null;
      this.#parsing = null;
    }
    this.#advance(CLOSING); // (a head cut short is simply never answered)
    const active = this.#active;
    if (active === null && this.#next === null) {
      this.#closeGracefully();
      return;
    }
    if (active !== null) {
      const res = active.res as EngineResponse;
      if (!res.headersSent) res.shouldKeepAlive = false;
    }
  }

  /** The socket is gone: abort what is in flight (node:http's socketOnClose / abortIncoming). */
  #close(): void {
    if (this.#state === CLOSED) return;
    this.#advance(CLOSED);
    this.#disarm();
    this.#stash = null;
    const host = this.#host;
    const active = this.#active;
    const next = this.#next;
    const parsing = this.#parsing;
    this.#active = null;
    this.#next = null;
    this.#parsing = null;
    if (active !== null) {
      active.done = true;
      host.requestEnded();
      this.#report(active, false);
      active.req.destroy(abortedError());
      host.gate.leave();
    }
    // #next, if inside the gate, is left by #dispatch when the gate runs it.
    if (next !== null) next.req.destroy(abortedError());
    if (parsing !== null && parsing !== active && parsing !== next) parsing.req.destroy(abortedError());
    host.connectionClosed(this);
  }

  // --- deadlines (checked by the engine's sweep) ------------------------------------------------------

  #arm(kind: number, ms: number): void {
    if (ms <= 0) {
      this.#disarm();
      return;
    }
    // The coarse clock may be up to one slack behind: add it so a deadline never fires early.
    const host = this.#host;
    this.#deadlineKind = kind;
    this.#deadline = host.clock + ms + host.clockSlackMs;
  }

  #armIdle(ms: number): void {
    this.#arm(DEADLINE_IDLE, ms);
  }

  #armHead(): void {
    this.#arm(DEADLINE_HEAD, this.#host.options.headersTimeoutMs);
  }

  #armBody(): void {
    this.#arm(DEADLINE_BODY, this.#bodyTimeoutMs);
  }

  #armLinger(): void {
    this.#arm(DEADLINE_LINGER, LINGER_MS);
  }

  /** The only writer of `#state`: forward only (a later state is never undone by an earlier one). */
  #advance(to: State): void {
    if (to > this.#state) this.#state = to;
  }

  #disarm(): void {
    this.#deadlineKind = DEADLINE_NONE;
    this.#deadline = 0;
  }
}
