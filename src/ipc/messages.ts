/**
 * The master ↔ worker contract: every message on the cluster IPC channel that tsgun sends
 * carries a `tsgun` discriminant, so messages the user's own code sends are left alone.
 */
import type { Settings } from '../config/index.js';
import type { WorkerStatsSnapshot } from './stats-snapshot.js';

/** Serialised into the worker's environment at fork (functions cannot cross; hooks are re-read from the config file). */
export interface WorkerBoot {
  readonly app: string;
  readonly settings: Settings;
  readonly configFile: string | undefined;
  /** Monotonic worker number assigned by the master (gunicorn's `age`). */
  readonly age: number;
  readonly listenerCount: number;
  /** This worker's slot on the master's balance board (async class; see ipc/balance-board.ts). */
  readonly board?: { readonly path: string; readonly slot: number } | undefined;
  /** --user/--group: whom the worker becomes before it opens or loads anything (worker/drop-privileges.ts). */
  readonly identity?: WorkerIdentity | undefined;
  /** --reuse-port: the worker binds its own SO_REUSEPORT socket for each of these TCP binds (worker/reuse-port-accept.ts). */
  readonly reusePort?: readonly ReusePortBind[] | undefined;
}

export interface WorkerIdentity {
  readonly uid: number;
  readonly gid: number;
  /** The passwd name, for initgroups(3). */
  readonly user: string | undefined;
  readonly initgroups: boolean;
}

export interface ReusePortBind {
  readonly host: string;
  /** The port the master reserved (the actual one when the bind said port 0). */
  readonly port: number;
}

export const WORKER_BOOT_ENV = 'TSGUN_WORKER_BOOT';

export type BootErrorKind = 'app-load' | 'listen' | 'hook' | 'internal';

export type WorkerMessage =
  /** Asks for the listening sockets once the app has loaded. */
  | { readonly tsgun: 'want-listeners' }
  /** One more copy of listener `index` (a spare for the accept loop; see worker/accept-control.ts). */
  | { readonly tsgun: 'want-listener'; readonly index: number }
  /** App loaded and listening on every socket. */
  | { readonly tsgun: 'ready' }
  /** Replace me: start a new worker, then stop me gracefully (see master retire handling). */
  | { readonly tsgun: 'retire'; readonly reason: RetireReason }
  | { readonly tsgun: 'boot-error'; readonly kind: BootErrorKind; readonly message: string; readonly stack?: string | undefined }
  /** Liveness from the event loop, the request in progress if any (for timeout logs), counters since start. */
  | {
      readonly tsgun: 'heartbeat';
      readonly busy?: RequestInProgress | undefined;
      readonly requests: number;
      readonly connections: number;
      /** Cumulative request metrics and RSS for `tsgun ctl`, /metrics and --max-worker-memory (src/worker/worker-stats.ts). */
      readonly stats?: WorkerStatsSnapshot | undefined;
    };

export type RetireReason = 'max-requests' | 'memory';

export interface RequestInProgress {
  readonly method: string;
  readonly url: string;
  /** Date.now() when it started. */
  readonly since: number;
}

export type MasterMessage =
  /** One listening socket, sent with its handle. */
  | { readonly tsgun: 'listener'; readonly index: number; readonly bind: string }
  | { readonly tsgun: 'stop'; readonly graceful: boolean }
  | { readonly tsgun: 'reopen-logs' };

// Worker → master messages are not trusted by their tag: see decode-worker-message.ts.
// Master → worker messages come from the master, which the worker trusts.
function hasTag(value: unknown): value is { tsgun: string } {
  return typeof value === 'object' && value !== null && typeof (value as { tsgun?: unknown }).tsgun === 'string';
}

export function isMasterMessage(value: unknown): value is MasterMessage {
  return hasTag(value);
}
