/**
 * A worker class: everything that differs between `sync` and `async`, in one object per class
 * (like gunicorn's workers/sync.py, or node's shared_handle.js / round_robin_handle.js): the
 * fork environment and timeout rule (master side), the engine options, and, in the worker, the
 * accept policy and request gate. `workerClassFor()` (index.ts) is the one place that picks it.
 */
import type net from 'node:net';
import type { Settings } from '../config/index.js';
import type { EngineOptions, RequestGate } from '../http/types.js';
import type { Logger } from '../log/logger.js';
import type { ReusePortBind } from '../ipc/messages.js';

/** What the master knows about a worker when it applies the timeout rule. */
export interface TimeoutFacts {
  /** Since the worker's last heartbeat. */
  readonly silentMs: number;
  /** How long the request it reported as running has run; 0 when none. */
  readonly busyMs: number;
  readonly timeoutMs: number;
}

/** How a class's workers accept, for the master's one start-up log line. */
export interface AcceptPathInfo {
  readonly acceptPath: string;
  readonly reason?: string;
}

/** What a worker gives its class's runtime. */
export interface WorkerClassContext {
  readonly settings: Settings;
  readonly listenerCount: number;
  readonly log: Logger;
  /** The balance board slot the master gave this worker, if any. */
  readonly board: { readonly path: string; readonly slot: number } | undefined;
  /** Ask the master for one more copy of listener `index`'s socket. */
  readonly requestSpare: (index: number) => void;
  /** A connection was accepted: the worker counts it and hands it to the engine. */
  readonly onConnection: (socket: net.Socket) => void;
  readonly onListenError: (err: Error) => void;
  /** Every listener is listening: the worker is ready. */
  readonly onAllListening: () => void;
  /** The worker's open-connection count. */
  readonly connections: () => number;
  /** --reuse-port: the addresses this worker listens on itself (no sockets from the master). */
  readonly reusePort?: readonly ReusePortBind[] | undefined;
}

/** The worker-side half of a class: accept policy and request gate. */
export interface WorkerClassRuntime {
  readonly gate: RequestGate;
  /** A listener handle arrived from the master (the first copy, or a spare). */
  attach(index: number, handle: unknown): void;
  /** --reuse-port: bind and listen on this worker's own sockets; false when the master's are used (ask for them). */
  listenOwn(): boolean;
  /** Listening on every socket (called once, when the worker is ready). */
  start(): void;
  /** Heartbeat tick. */
  refresh(): void;
  /** A connection this worker held closed. */
  connectionClosed(): void;
  /** Stop accepting for good (graceful or quick stop): closes this process's listener copies. */
  close(): void;
}

export interface WorkerClass {
  readonly name: Settings['workerClass'];
  /** Environment for the forked worker process (master side). */
  forkEnv(): Readonly<Record<string, string>>;
  /** Whether the master should abort a worker (master side, once a second). */
  timedOut(facts: TimeoutFacts): boolean;
  /** Does the worker report the request it is running with each heartbeat (for `timedOut`)? */
  readonly reportsRequest: boolean;
  /** The class's part of the engine options. */
  engine(settings: Settings): Pick<EngineOptions, 'keepAliveMs' | 'bufferBodyBytes'>;
  /** Which accept path its workers take here (the master logs it once at start). */
  acceptPath(): AcceptPathInfo;
  /** The worker-side runtime (in the worker process). */
  createRuntime(ctx: WorkerClassContext): WorkerClassRuntime;
}
