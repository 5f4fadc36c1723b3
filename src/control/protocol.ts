/**
 * The control-socket protocol: one JSON request per frame, one JSON reply per request, in order.
 *
 *   request  { "command": "workers", "args": { … }, "id": 7 }        (args and id optional)
 *   reply    { "ok": true,  "id": 7, "result": … }
 *            { "ok": false, "id": 7, "error": { "code": "TSGUN_ERR_…", "message": "…" } }
 */
import type { ErrorCode } from '../errors.js';
import type { DirtyStatsView } from '../dirty/views.js';

export const CONTROL_COMMANDS = [
  'status',
  'workers',
  'stats',
  'config',
  'scale',
  'add',
  'remove',
  'reload',
  'reopen-logs',
  'shutdown',
  'kill',
  'dirty',
  'dirty-add',
  'dirty-remove',
] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

export type ControlArgs = Readonly<Record<string, unknown>>;

export interface ControlRequest {
  readonly command: string;
  readonly args?: ControlArgs;
  readonly id?: string | number;
}

export interface ControlErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
}

export type ControlReply =
  | { readonly ok: true; readonly id?: string | number; readonly result: unknown }
  | { readonly ok: false; readonly id?: string | number; readonly error: ControlErrorBody };

export interface MasterStatus {
  readonly pid: number;
  readonly version: string;
  readonly node: string;
  /** Date.now() when the master started. */
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  readonly binds: readonly string[];
  readonly workerClass: string;
  readonly workers: { readonly target: number; readonly running: number };
  readonly controlSocket: string | null;
  readonly metricsUrl: string | null;
  /** Connections waiting in the kernel accept queue of each TCP listener (absent from older masters). */
  readonly listenBacklog?: readonly ListenBacklog[];
}

export interface ListenBacklog {
  readonly listener: string;
  readonly queued: number;
  readonly max: number;
}

/** A queue-wait histogram summarised for people. */
export interface QueueWaitView {
  readonly requests: number;
  readonly meanMs: number;
  /** Upper bound of the bucket holding the 99th percentile, in ms; null when empty or in the +Inf bucket. */
  readonly p99AtMostMs: number | null;
}

export interface WorkerSnapshot {
  readonly pid: number;
  /** The master's number for the worker (gunicorn's `age`): 1, 2, 3… in fork order. */
  readonly id: number;
  readonly generation: number;
  readonly state: string;
  readonly uptimeSeconds: number;
  readonly requests: number;
  readonly inFlight: number;
  readonly connections: number;
  /** Of `connections`, those handed to the app's 'upgrade' listeners (WebSocket) and still open. */
  readonly upgraded: number;
  /** Requests per second over the last heartbeat interval; null until two heartbeats. */
  readonly requestsPerSecond: number | null;
  /** Fraction of the last heartbeat interval with a request in flight; null until two heartbeats. */
  readonly busyRatio: number | null;
  /** Resident set size in bytes; null before the first heartbeat. */
  readonly rss: number | null;
  /** Milliseconds since the last heartbeat. */
  readonly lastHeartbeatMs: number;
}

export interface PoolStatsView {
  readonly uptimeSeconds: number;
  readonly workers: { readonly target: number; readonly running: number };
  /** Finished requests since the master started, dead workers included. */
  readonly requests: number;
  readonly requestsByStatusClass: Readonly<Record<string, number>>;
  readonly aborted: number;
  readonly inFlight: number;
  readonly rejections: Readonly<Record<string, number>>;
  readonly workerExits: Readonly<Record<string, number>>;
  readonly rssBytes: number;
  /** From accept (or the parsed head) to dispatch, in the workers. */
  readonly queueWait?: QueueWaitView;
  /** From a trusted proxy's X-Request-Start to dispatch (requests that carried one). */
  readonly upstreamQueueWait?: QueueWaitView;
  /** Requests answered 503 by --max-queue-time. */
  readonly shed?: number;
  readonly listenBacklog?: readonly ListenBacklog[];
  /** Log lines dropped (master and workers) and connections cut by --send-timeout. */
  readonly faults: { readonly logDropped: number; readonly sendTimeouts: number };
  /** With a dirty pool (src/dirty/views.ts). */
  readonly dirty?: DirtyStatsView | undefined;
}

export interface ScaleResult {
  readonly from: number;
  readonly to: number;
}

export function isControlRequest(value: unknown): value is ControlRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as { command?: unknown; args?: unknown; id?: unknown };
  if (typeof v.command !== 'string') return false;
  if (v.args !== undefined && (typeof v.args !== 'object' || v.args === null || Array.isArray(v.args))) return false;
  return v.id === undefined || typeof v.id === 'string' || typeof v.id === 'number';
}
