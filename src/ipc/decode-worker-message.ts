/**
 * The strict decoder of worker → master messages. Any code in a worker (the application, a
 * dependency) can `process.send()` anything, so a message is not trusted by its `tsgun` tag:
 * every field is checked for type and range, and the message is rebuilt from the checked fields
 * only (no inherited or extra properties reach the master). It never throws.
 */
import type { BootErrorKind, RequestInProgress, RetireReason, WorkerMessage } from './messages.js';
import {
  DURATION_BUCKETS,
  FAULT_KINDS,
  QUEUE_BUCKETS,
  STATUS_CLASSES,
  type FaultKind,
  type HistogramSnapshot,
  type StatusClass,
  type WorkerStatsSnapshot,
} from './stats-snapshot.js';

export type Decoded =
  | { readonly kind: 'message'; readonly message: WorkerMessage }
  /** No `tsgun` tag: the application's own message, not for us. */
  | { readonly kind: 'foreign' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Longest text field accepted (a URL, an error message or stack); longer ones are cut. */
const MAX_TEXT = 64 * 1024;
/** Listener indexes: far more than any master opens. */
const MAX_LISTENER_INDEX = 4096;
const MAX_REJECTION_KEYS = 256;
const REJECTION_KEY = /^[1-5]\d\d [a-z0-9-]{1,64}$/;
const BOOT_ERROR_KINDS: readonly BootErrorKind[] = ['app-load', 'listen', 'hook', 'internal'];
const RETIRE_REASONS: readonly RetireReason[] = ['max-requests', 'memory'];

class Invalid extends Error {}

function fail(reason: string): never {
  throw new Invalid(reason);
}

type Plain = Readonly<Record<string, unknown>>;

function plain(value: unknown, what: string): Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is not an object`);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail(`${what} is not a plain object`);
  return value as Plain;
}

/** An own property only: `constructor`, `__proto__`… on the prototype are not fields. */
function field(obj: Plain, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`${what} is not a non-negative integer`);
  return value;
}

function amount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${what} is not a finite non-negative number`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`${what} is not a string`);
  return value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(`${what} is not one of ${allowed.join(', ')}`);
  return value as T;
}

function histogram(value: unknown, buckets: number, what: string): HistogramSnapshot {
  const h = plain(value, what);
  const counts = field(h, 'counts');
  if (!Array.isArray(counts) || counts.length !== buckets + 1) fail(`${what}.counts is not an array of ${buckets + 1} counts`);
  return { counts: counts.map((c, i) => count(c, `${what}.counts[${i}]`)), sum: amount(field(h, 'sum'), `${what}.sum`) };
}

function stats(value: unknown): WorkerStatsSnapshot {
  const s = plain(value, 'stats');
  const durationIn = plain(field(s, 'duration'), 'stats.duration');
  const duration: Partial<Record<StatusClass, HistogramSnapshot>> = {};
  for (const key of Object.keys(durationIn)) {
    const cls = oneOf(key, STATUS_CLASSES, `stats.duration key ${JSON.stringify(key).slice(0, 40)}`);
    duration[cls] = histogram(durationIn[key], DURATION_BUCKETS.length, `stats.duration.${cls}`);
  }
  const rejectionsIn = plain(field(s, 'rejections'), 'stats.rejections');
  const keys = Object.keys(rejectionsIn);
  if (keys.length > MAX_REJECTION_KEYS) fail(`stats.rejections has more than ${MAX_REJECTION_KEYS} keys`);
  const rejections: Record<string, number> = {};
  for (const key of keys) {
    if (!REJECTION_KEY.test(key)) fail(`stats.rejections key ${JSON.stringify(key).slice(0, 40)} is not "STATUS reason"`);
    rejections[key] = count(rejectionsIn[key], `stats.rejections[${key}]`);
  }
  const faultsIn = field(s, 'faults');
  let faults: Partial<Record<FaultKind, number>> | undefined;
  if (faultsIn !== undefined) {
    const f = plain(faultsIn, 'stats.faults');
    faults = {};
    for (const key of Object.keys(f)) faults[oneOf(key, FAULT_KINDS, 'stats.faults key')] = count(f[key], `stats.faults.${key}`);
  }
  const upstreamIn = field(s, 'upstreamQueue');
  const upstreamQueue = upstreamIn === undefined ? undefined : histogram(upstreamIn, QUEUE_BUCKETS.length, 'stats.upstreamQueue');
  const shed = field(s, 'shed');
  const upgraded = field(s, 'upgraded');
  return {
    rss: count(field(s, 'rss'), 'stats.rss'),
    inFlight: count(field(s, 'inFlight'), 'stats.inFlight'),
    busyMs: amount(field(s, 'busyMs'), 'stats.busyMs'),
    duration,
    aborted: count(field(s, 'aborted'), 'stats.aborted'),
    queue: histogram(field(s, 'queue'), QUEUE_BUCKETS.length, 'stats.queue'),
    rejections,
    ...(faults === undefined ? {} : { faults }),
    ...(upstreamQueue === undefined ? {} : { upstreamQueue }),
    ...(shed === undefined ? {} : { shed: count(shed, 'stats.shed') }),
    ...(upgraded === undefined ? {} : { upgraded: count(upgraded, 'stats.upgraded') }),
  };
}

function busy(value: unknown): RequestInProgress | undefined {
  if (value === undefined) return undefined;
  const b = plain(value, 'busy');
  return {
    method: text(field(b, 'method'), 'busy.method'),
    url: text(field(b, 'url'), 'busy.url'),
    since: amount(field(b, 'since'), 'busy.since'),
  };
}

function decodeTagged(m: Plain, tag: string): WorkerMessage {
  switch (tag) {
    case 'want-listeners':
      return { tsgun: 'want-listeners' };
    case 'ready':
      return { tsgun: 'ready' };
    case 'want-listener': {
      const index = count(field(m, 'index'), 'index');
      if (index >= MAX_LISTENER_INDEX) fail('index is out of range');
      return { tsgun: 'want-listener', index };
    }
    case 'retire':
      return { tsgun: 'retire', reason: oneOf(field(m, 'reason'), RETIRE_REASONS, 'reason') };
    case 'boot-error': {
      const stack = field(m, 'stack');
      return {
        tsgun: 'boot-error',
        kind: oneOf(field(m, 'kind'), BOOT_ERROR_KINDS, 'kind'),
        message: text(field(m, 'message'), 'message'),
        stack: stack === undefined ? undefined : text(stack, 'stack'),
      };
    }
    case 'heartbeat': {
      const s = field(m, 'stats');
      return {
        tsgun: 'heartbeat',
        busy: busy(field(m, 'busy')),
        requests: count(field(m, 'requests'), 'requests'),
        connections: count(field(m, 'connections'), 'connections'),
        stats: s === undefined ? undefined : stats(s),
      };
    }
    default:
      return fail(`unknown message type ${JSON.stringify(tag).slice(0, 40)}`);
  }
}

export function decodeWorkerMessage(value: unknown): Decoded {
  try {
    if (typeof value !== 'object' || value === null) return { kind: 'foreign' };
    const tag: unknown = Object.hasOwn(value, 'tsgun') ? (value as Plain)['tsgun'] : undefined;
    if (tag === undefined) return { kind: 'foreign' };
    if (typeof tag !== 'string') return { kind: 'invalid', reason: 'tsgun tag is not a string' };
    return { kind: 'message', message: decodeTagged(plain(value, 'message'), tag) };
  } catch (err) {
    // Invalid: our own verdict. Anything else (a getter that throws, a Proxy…) is invalid too.
    return { kind: 'invalid', reason: err instanceof Invalid ? err.message : 'message cannot be read' };
  }
}
