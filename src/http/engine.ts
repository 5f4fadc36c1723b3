/**
 * The HTTP/1.1 engine: owns accepted sockets, serves them with Connection, and stops them
 * gracefully (drain) or at once (destroyAll). Idle, head and linger deadlines of every
 * connection are checked by one coarse sweep timer rather than a timer per socket, and are
 * armed against the clock that sweep keeps, so the hot path reads no clock for them.
 */
import type { Socket } from 'node:net';
import { AddressList } from './address-list.js';
import type { ClientError } from './client-error.js';
import { Connection, LINGER_MS, type ConnectionHost } from './connection.js';
import { ForwardedRules } from './forwarded.js';
import { SendWatch, type SendWatched } from './send-timeout.js';
import type { EngineEvents, EngineOptions, RequestGate, RequestHandler } from './types.js';
import type { UpgradeHandler } from './upgrade.js';

/** Sweep period: a fraction of the shortest deadline, within these bounds (ms). */
const MIN_SWEEP_MS = 5;
const MAX_SWEEP_MS = 250;
const SWEEP_FRACTION = 8;

/** gunicorn's default secure_scheme_headers (also the settings default). */
const DEFAULT_SECURE_SCHEME_HEADERS: readonly (readonly [string, string])[] = [
  ['X-FORWARDED-PROTOCOL', 'ssl'],
  ['X-FORWARDED-PROTO', 'https'],
  ['X-FORWARDED-SSL', 'on'],
];

class Host implements ConnectionHost {
  readonly handler: RequestHandler;
  readonly options: EngineOptions;
  readonly gate: RequestGate;
  readonly events: EngineEvents;
  readonly #onConnectionClosed: (conn: Connection) => void;
  readonly #onConnectionUpgraded: (conn: Connection, socket: Socket) => void;
  readonly upgrades: UpgradeHandler | null;
  draining = false;
  activeRequests = 0;
  clock = 0;
  readonly clockSlackMs: number;
  readonly forwarded: ForwardedRules | null;
  readonly proxyAllow: AddressList | null;
  /** Refusals by reason since the engine started. */
  readonly clientErrors = new Map<string, number>();

  constructor(
    handler: RequestHandler,
    options: EngineOptions,
    gate: RequestGate,
    events: EngineEvents,
    sweepMs: number,
    upgrades: UpgradeHandler | null,
    onConnectionClosed: (conn: Connection) => void,
    onConnectionUpgraded: (conn: Connection, socket: Socket) => void,
  ) {
    this.clockSlackMs = sweepMs;
    const proxy = options.proxy;
    // No trusted peer still needs the rules: they remove spoofable headers from everyone else.
    this.forwarded = new ForwardedRules(
      new AddressList(proxy?.forwardedAllowIps ?? []),
      proxy?.secureSchemeHeaders ?? DEFAULT_SECURE_SCHEME_HEADERS,
    );
    this.proxyAllow = proxy?.proxyProtocol === true ? new AddressList(proxy.proxyAllowFrom) : null;
    this.handler = handler;
    this.options = options;
    this.gate = gate;
    this.events = events;
    this.#onConnectionClosed = onConnectionClosed;
    this.upgrades = upgrades;
    this.#onConnectionUpgraded = onConnectionUpgraded;
  }

  clientError(err: ClientError, remoteAddress: string): void {
    this.clientErrors.set(err.reason, (this.clientErrors.get(err.reason) ?? 0) + 1);
    this.events.onClientError?.({ remoteAddress, status: err.status, reason: err.reason });
  }

  requestStarted(): void {
    this.activeRequests++;
  }

  requestEnded(): void {
    this.activeRequests--;
  }

  connectionClosed(conn: Connection): void {
    this.#onConnectionClosed(conn);
  }

  connectionUpgraded(conn: Connection, socket: Socket): void {
    this.#onConnectionUpgraded(conn, socket);
  }
}

export class HttpEngine {
  readonly #host: Host;
  readonly #connections = new Set<Connection>();
  /**
   * Sockets handed to the app's 'upgrade' listeners, until they close. Not requests: no
   * deadline, no `--timeout`; a graceful stop waits for them (the app closes them on its
   * server's 'close' event) and a quick stop or the graceful timeout destroys them.
   */
  readonly #upgraded = new Map<Socket, SendWatched>();
  readonly #sweepMs: number;
  #sweeper: NodeJS.Timeout | null = null;
  #drainWaiters: (() => void)[] = [];
  /** --send-timeout, checked by the same sweep (send-timeout.ts). */
  readonly #sendWatch: SendWatch | null;

  constructor(
    handler: RequestHandler,
    options: EngineOptions,
    gate: RequestGate,
    events: EngineEvents = {},
    upgrades: UpgradeHandler | null = null,
  ) {
    const shortest = Math.min(LINGER_MS, ...[options.keepAliveMs, options.headersTimeoutMs, options.bodyTimeoutMs].filter((ms) => ms > 0));
    this.#sweepMs = Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, Math.floor(shortest / SWEEP_FRACTION)));
    this.#host = new Host(
      handler,
      options,
      gate,
      events,
      this.#sweepMs,
      upgrades,
      (conn) => this.#connectionClosed(conn),
      (conn, socket) => this.#connectionUpgraded(conn, socket),
    );
    const sendMs = options.sendTimeoutMs ?? 0;
    this.#sendWatch = sendMs > 0 ? new SendWatch(sendMs, (remoteAddress) => events.onSendTimeout?.(remoteAddress)) : null;
  }

  /** Take ownership of an accepted socket (from net.Server 'connection'). */
  handleConnection(socket: Socket): void {
    if (socket.destroyed) return; // reset before we got to it
    this.#startSweep();
    const conn = new Connection(socket, this.#host);
    this.#connections.add(conn);
    if (this.#host.draining) conn.drain();
  }

  /**
   * Graceful stop: no more keep-alive; busy connections get `Connection: close` on their
   * current response and close after it; idle ones serve a request that arrives within a short
   * grace (a client reusing its connection right now) and close. Upgraded sockets are left to
   * the app. Resolves when every connection, upgraded ones included, is closed.
   */
  drain(): Promise<void> {
    this.#host.draining = true;
    for (const conn of [...this.#connections]) conn.drain();
    if (this.#connections.size === 0 && this.#upgraded.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Quick stop: destroy every connection now. */
  destroyAll(): void {
    for (const conn of [...this.#connections]) conn.destroy();
    for (const socket of [...this.#upgraded.keys()]) socket.destroy();
  }

  /** Open connections the engine serves plus upgraded ones. */
  get connectionCount(): number {
    return this.#connections.size + this.#upgraded.size;
  }

  /** Sockets handed to the app's 'upgrade' listeners and still open. */
  get upgradedCount(): number {
    return this.#upgraded.size;
  }

  /**
   * Requests refused before reaching the app, by reason (`bad-request-line`, `body-too-large`,
   * `headers-timeout`, …), since the engine started. A fresh object each call.
   */
  clientErrorCounts(): Record<string, number> {
    return Object.fromEntries(this.#host.clientErrors);
  }

  /** Requests dispatched to the app and not finished. */
  get activeRequests(): number {
    return this.#host.activeRequests;
  }

  #startSweep(): void {
    if (this.#sweeper !== null) return;
    this.#host.clock = Date.now();
    this.#sweeper = setInterval(this.#sweep, this.#sweepMs).unref();
  }

  readonly #sweep = (): void => {
    const now = Date.now();
    this.#host.clock = now;
    const sendWatch = this.#sendWatch;
    if (this.#connections.size === 0 && (sendWatch === null || this.#upgraded.size === 0)) {
      // Stopped by a sweep, not by the last close: a sync worker's connections come and go one
      // per request, and restarting the timer for each cost more than this one late wake-up.
      clearInterval(this.#sweeper ?? undefined);
      this.#sweeper = null;
      return;
    }
    for (const conn of this.#connections) {
      const deadline = conn.deadline;
      if (deadline !== 0 && deadline <= now) conn.onDeadline();
      sendWatch?.check(conn, now);
    }
    if (sendWatch !== null) for (const watched of this.#upgraded.values()) sendWatch.check(watched, now);
  };

  #connectionClosed(conn: Connection): void {
    this.#connections.delete(conn);
    this.#host.events.onConnectionClosed?.();
    this.#settle();
  }

  #connectionUpgraded(conn: Connection, socket: Socket): void {
    this.#connections.delete(conn);
    // Still watched by --send-timeout: an app's WebSocket to a client that never reads fills up the same way.
    this.#upgraded.set(socket, { socket, sendProgress: conn.sendProgress });
    if (this.#sendWatch !== null) this.#startSweep();
    socket.once('close', () => {
      this.#upgraded.delete(socket);
      this.#host.events.onConnectionClosed?.();
      this.#settle();
    });
    this.#settle();
  }

  /** Resolve drain() when nothing at all is left (the sweep stops itself once it finds no connection). */
  #settle(): void {
    if (this.#connections.size !== 0 || this.#upgraded.size !== 0) return;
    if (this.#host.draining) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
