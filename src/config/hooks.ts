/**
 * Server hooks: functions a config file may define, called by the master or a worker at fixed
 * points (gunicorn's server hooks, camelCased). A hook may return a promise; the caller awaits it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Settings, TableHookName } from './settings.js';

/** The logger a hook gets: pino-style, fields first, then the message. */
export interface HookLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What master-side hooks see of the master. */
export interface MasterView {
  readonly pid: number;
  readonly settings: Readonly<Settings>;
  readonly log: HookLogger;
  /** Number of workers the master is currently aiming for. */
  readonly workerCount: number;
}

/** What hooks see of one worker (in the master: the worker's record; in the worker: itself). */
export interface WorkerView {
  readonly pid: number;
  /** The worker's id (cluster worker id). */
  readonly id: number;
  /** Spawn counter: the Nth worker this master started (gunicorn's `worker.age`). */
  readonly age: number;
  readonly settings: Readonly<Settings>;
  readonly log: HookLogger;
}

type HookResult = void | Promise<void>;

/** Property (not method) syntax so hook arguments are checked strictly. */
export interface Hooks {
  /** Master, before it opens sockets or forks. */
  readonly onStarting?: (master: MasterView) => HookResult;
  /** Master, on SIGHUP, before new workers are started. */
  readonly onReload?: (master: MasterView) => HookResult;
  /** Master, once the first set of workers is ready to serve. */
  readonly whenReady?: (master: MasterView) => HookResult;
  /** Master, just before a worker is forked. */
  readonly preFork?: (master: MasterView, worker: WorkerView) => HookResult;
  /** Master, just after a worker was forked. */
  readonly postFork?: (master: MasterView, worker: WorkerView) => HookResult;
  /** Worker, after it loaded the app, before it serves. */
  readonly postWorkerInit?: (worker: WorkerView) => HookResult;
  /** Worker, on SIGINT/SIGQUIT. */
  readonly workerInt?: (worker: WorkerView) => HookResult;
  /** Worker, when the master aborts it for missing its heartbeat (timeout). */
  readonly workerAbort?: (worker: WorkerView) => HookResult;
  /** Worker, before each request reaches the app. */
  readonly preRequest?: (worker: WorkerView, req: IncomingMessage) => HookResult;
  /** Worker, after each response finished. */
  readonly postRequest?: (worker: WorkerView, req: IncomingMessage, res: ServerResponse) => HookResult;
  /** Master, after a worker process exited. */
  readonly childExit?: (master: MasterView, worker: WorkerView) => HookResult;
  /**
   * Worker, just before the worker process exits (gunicorn runs worker_exit in the worker too);
   * `master` is the master as the worker sees it (pid = parent pid).
   */
  readonly workerExit?: (master: MasterView, worker: WorkerView) => HookResult;
  /** Master, when the target number of workers changes; `oldValue` is undefined the first time. */
  readonly nworkersChanged?: (master: MasterView, newValue: number, oldValue: number | undefined) => HookResult;
  /** Master, just before it exits. */
  readonly onExit?: (master: MasterView) => HookResult;
}

export type HookName = keyof Hooks;

// Compile-time checks that the settings table and the Hooks interface name the same hooks.
type AssertNever<T extends never> = T;
export type HooksMissingFromTable = AssertNever<Exclude<HookName, TableHookName>>;
export type HooksMissingFromInterface = AssertNever<Exclude<TableHookName, HookName>>;
