/**
 * Every message of the dirty subsystem, with a strict decoder for each process boundary.
 *
 *   app code (client.ts) ──unix socket──▶ dirty arbiter (arbiter.ts) ──IPC──▶ dirty worker (worker.ts)
 *   master (pool.ts)     ──IPC──────────▶ dirty arbiter
 *
 * On the socket a frame is: u32 BE length of the rest, u16 BE length of a JSON header, the
 * header, then the payload — the task's arguments (or its result) as `v8.serialize` bytes
 * (structured clone: Buffers, typed arrays, Maps, Dates survive). The arbiter only reads
 * headers and forwards payload bytes as they are: user objects are built only where they are
 * used (in the dirty worker and in the caller), and routing a large payload costs one copy.
 */
import { ERRORS, type ErrorCode } from '../errors.js';

/** Largest frame either side accepts (a thumbnail's bytes fit; a runaway payload does not). */
export const MAX_FRAME = 64 * 1024 * 1024;
const LENGTH = 4;
const HEADER_LENGTH = 2;
/** Task and method names: what the settings and an identifier can hold, no more. */
const MAX_NAME = 1024;
const METHOD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Set in every process the master forks: the dirty arbiter's socket (in a private 0700 directory). */
export const DIRTY_SOCKET_ENV = 'TSGUN_DIRTY_SOCKET';
export const ARBITER_BOOT_ENV = 'TSGUN_DIRTY_ARBITER_BOOT';
export const WORKER_BOOT_ENV = 'TSGUN_DIRTY_WORKER_BOOT';

// ── socket: client ↔ arbiter ───────────────────────────────────────────────────────────────

export interface CallHeader {
  readonly t: 'call';
  readonly id: number;
  /** The `--dirty-app` text, e.g. `tasks.js:Sieve`. */
  readonly task: string;
  readonly method: string;
}

export interface RemoteError {
  readonly code: ErrorCode;
  readonly message: string;
  /** The thrown error's name (TypeError…) when a task threw. */
  readonly name?: string | undefined;
  readonly stack?: string | undefined;
}

export type ReplyHeader = { readonly t: 'ok'; readonly id: number } | ({ readonly t: 'err'; readonly id: number } & RemoteError);

export interface Frame<H> {
  readonly header: H;
  readonly payload: Buffer;
}

export function encodeFrame(header: CallHeader | ReplyHeader, payload: Uint8Array = EMPTY): Buffer {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  if (head.length > 0xffff) throw new RangeError('dirty frame header too long');
  const frame = Buffer.allocUnsafe(LENGTH + HEADER_LENGTH + head.length + payload.length);
  frame.writeUInt32BE(HEADER_LENGTH + head.length + payload.length, 0);
  frame.writeUInt16BE(head.length, LENGTH);
  head.copy(frame, LENGTH + HEADER_LENGTH);
  frame.set(payload, LENGTH + HEADER_LENGTH + head.length);
  return frame;
}

const EMPTY = new Uint8Array(0);

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/**
 * Incremental frame reader: frames arrive split or several per chunk. A length above MAX_FRAME
 * or a header that does not decode throws: the stream cannot be trusted after that.
 */
export class FrameReader<H> {
  readonly #decode: (value: unknown) => H;
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(decode: (value: unknown) => H) {
    this.#decode = decode;
  }

  push(chunk: Buffer): Frame<H>[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: Frame<H>[] = [];
    while (this.#buffered >= LENGTH) {
      const buf = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#buffered);
      this.#chunks = [buf];
      const length = buf.readUInt32BE(0);
      if (length > MAX_FRAME || length < HEADER_LENGTH) throw new ProtocolError(`frame length ${length} out of range`);
      if (buf.length < LENGTH + length) break;
      const headLength = buf.readUInt16BE(LENGTH);
      if (HEADER_LENGTH + headLength > length) throw new ProtocolError('frame header longer than the frame');
      const headStart = LENGTH + HEADER_LENGTH;
      let value: unknown;
      try {
        value = JSON.parse(utf8.decode(buf.subarray(headStart, headStart + headLength)));
      } catch {
        throw new ProtocolError('frame header is not UTF-8 JSON');
      }
      // Copy the payload out so the (possibly large) read buffer is not kept alive by it.
      const payload = Buffer.from(buf.subarray(headStart + headLength, LENGTH + length));
      out.push({ header: this.#decode(value), payload });
      const rest = buf.subarray(LENGTH + length);
      this.#chunks = rest.length === 0 ? [] : [rest];
      this.#buffered = rest.length;
    }
    return out;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function onlyKeys(v: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(v)) if (!allowed.includes(key)) throw new ProtocolError(`${what}: unexpected field "${key}"`);
}

function id(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ProtocolError(`${what}: id is not a non-negative integer`);
  return v;
}

function str(v: unknown, what: string, max = MAX_NAME): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max)
    throw new ProtocolError(`${what} is not a string of 1 to ${max} characters`);
  return v;
}

function optionalStr(v: unknown, what: string, max: number): string | undefined {
  return v === undefined ? undefined : str(v, what, max);
}

function errorCode(v: unknown): ErrorCode {
  if (typeof v !== 'string' || !Object.hasOwn(ERRORS, v)) throw new ProtocolError('error code is not a TSGUN_ERR_* code');
  return v as ErrorCode;
}

function remoteError(v: Record<string, unknown>): RemoteError {
  return {
    code: errorCode(v['code']),
    message: typeof v['message'] === 'string' ? v['message'].slice(0, 64 * 1024) : '',
    name: optionalStr(v['name'], 'error name', 256),
    stack: optionalStr(v['stack'], 'error stack', 64 * 1024),
  };
}

export function decodeCall(value: unknown): CallHeader {
  const v = record(value, 'call');
  onlyKeys(v, ['t', 'id', 'task', 'method'], 'call');
  if (v['t'] !== 'call') throw new ProtocolError('expected a call');
  const method = str(v['method'], 'method', 256);
  if (!METHOD_NAME.test(method)) throw new ProtocolError('method is not an identifier');
  return { t: 'call', id: id(v['id'], 'call'), task: str(v['task'], 'task'), method };
}

export function decodeReply(value: unknown): ReplyHeader {
  const v = record(value, 'reply');
  if (v['t'] === 'ok') {
    onlyKeys(v, ['t', 'id'], 'reply');
    return { t: 'ok', id: id(v['id'], 'reply') };
  }
  if (v['t'] === 'err') {
    onlyKeys(v, ['t', 'id', 'code', 'message', 'name', 'stack'], 'reply');
    return { t: 'err', id: id(v['id'], 'reply'), ...remoteError(v) };
  }
  throw new ProtocolError('reply is neither ok nor err');
}

// ── IPC: arbiter ↔ dirty worker ────────────────────────────────────────────────────────────

export type ToWorker =
  | { readonly t: 'task'; readonly id: number; readonly task: string; readonly method: string; readonly args: Uint8Array }
  /** Finish (there is no task in flight when it is sent), run the apps' close(), exit. */
  | { readonly t: 'stop' };

export type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'boot-error'; readonly message: string; readonly stack?: string | undefined }
  | { readonly t: 'done'; readonly id: number; readonly ok: true; readonly value: Uint8Array }
  | ({ readonly t: 'done'; readonly id: number; readonly ok: false } & RemoteError);

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ProtocolError(`${what} is not bytes`);
  return v;
}

export function decodeToWorker(value: unknown): ToWorker {
  const v = record(value, 'arbiter message');
  if (v['t'] === 'stop') return { t: 'stop' };
  if (v['t'] !== 'task') throw new ProtocolError('unknown arbiter message');
  onlyKeys(v, ['t', 'id', 'task', 'method', 'args'], 'task');
  return {
    t: 'task',
    id: id(v['id'], 'task'),
    task: str(v['task'], 'task'),
    method: str(v['method'], 'method', 256),
    args: bytes(v['args'], 'args'),
  };
}

/** A dirty worker's or the arbiter's boot failure: the app's message (free text) and stack. */
function decodeBootError(v: Record<string, unknown>): {
  readonly t: 'boot-error';
  readonly message: string;
  readonly stack?: string | undefined;
} {
  return {
    t: 'boot-error',
    message: typeof v['message'] === 'string' ? v['message'] : 'boot failed',
    stack: optionalStr(v['stack'], 'stack', 64 * 1024),
  };
}

export function decodeFromWorker(value: unknown): FromWorker {
  const v = record(value, 'dirty worker message');
  switch (v['t']) {
    case 'ready':
      return { t: 'ready' };
    case 'boot-error':
      return decodeBootError(v);
    case 'done':
      onlyKeys(v, ['t', 'id', 'ok', 'value', 'code', 'message', 'name', 'stack'], 'done');
      if (v['ok'] === true) return { t: 'done', id: id(v['id'], 'done'), ok: true, value: bytes(v['value'], 'result') };
      if (v['ok'] === false) return { t: 'done', id: id(v['id'], 'done'), ok: false, ...remoteError(v) };
      throw new ProtocolError('done without ok');
    default:
      throw new ProtocolError('unknown dirty worker message');
  }
}

// ── IPC: master ↔ arbiter ──────────────────────────────────────────────────────────────────

/** What the arbiter (and through it each dirty worker) needs; JSON in its environment at fork. */
export interface ArbiterBoot {
  readonly socketPath: string;
  readonly apps: readonly string[];
  readonly workers: number;
  readonly timeoutMs: number;
  readonly gracefulMs: number;
  readonly maxQueue: number;
  readonly logLevel: string;
  readonly errorLogfile: string;
}

export type ToArbiter =
  | { readonly t: 'reload'; readonly boot: ArbiterBoot }
  | { readonly t: 'scale'; readonly target: number }
  | { readonly t: 'stop'; readonly graceful: boolean };

export interface DirtyWorkerView {
  readonly pid: number;
  readonly id: number;
  readonly generation: number;
  readonly state: string;
  readonly tasks: number;
  /** `task.method` running now, and for how long. */
  readonly current: { readonly task: string; readonly method: string; readonly elapsedMs: number } | null;
  readonly uptimeSeconds: number;
}

export interface TaskCounters {
  readonly count: number;
  readonly errors: Readonly<Record<string, number>>;
  /** Per-bucket (not cumulative) counts over DURATION_BUCKETS, +Inf last. */
  readonly buckets: readonly number[];
  readonly sumSeconds: number;
}

export interface DirtySnapshot {
  readonly pid: number;
  readonly target: number;
  readonly queueDepth: number;
  readonly maxQueue: number;
  readonly busy: number;
  readonly workers: readonly DirtyWorkerView[];
  /** Keyed by `task.method`. */
  readonly tasks: Readonly<Record<string, TaskCounters>>;
  readonly exits: Readonly<Record<string, number>>;
}

export type FromArbiter =
  | { readonly t: 'ready' }
  | { readonly t: 'boot-error'; readonly message: string; readonly stack?: string | undefined }
  | { readonly t: 'snapshot'; readonly snapshot: DirtySnapshot };

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ProtocolError(`${what} is not a number >= 0`);
  return v;
}

export function decodeArbiterBoot(value: unknown): ArbiterBoot {
  const v = record(value, 'arbiter boot');
  const apps = v['apps'];
  if (!Array.isArray(apps) || apps.length === 0) throw new ProtocolError('arbiter boot: apps is not a list');
  return {
    socketPath: str(v['socketPath'], 'socketPath', 4096),
    apps: apps.map((a) => str(a, 'app')),
    workers: int(v['workers'], 'workers'),
    timeoutMs: int(v['timeoutMs'], 'timeoutMs'),
    gracefulMs: int(v['gracefulMs'], 'gracefulMs'),
    maxQueue: int(v['maxQueue'], 'maxQueue'),
    logLevel: str(v['logLevel'], 'logLevel', 32),
    errorLogfile: str(v['errorLogfile'], 'errorLogfile', 4096),
  };
}

export function decodeToArbiter(value: unknown): ToArbiter {
  const v = record(value, 'master message');
  switch (v['t']) {
    case 'reload':
      return { t: 'reload', boot: decodeArbiterBoot(v['boot']) };
    case 'scale':
      return { t: 'scale', target: int(v['target'], 'target') };
    case 'stop':
      if (typeof v['graceful'] !== 'boolean') throw new ProtocolError('stop: graceful is not a boolean');
      return { t: 'stop', graceful: v['graceful'] };
    default:
      throw new ProtocolError('unknown master message');
  }
}

function numberRecord(v: unknown, what: string): Record<string, number> {
  const r = record(v, what);
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(r)) out[k] = int(n, what);
  return out;
}

function workerView(value: unknown): DirtyWorkerView {
  const v = record(value, 'dirty worker view');
  const c = v['current'];
  let current: DirtyWorkerView['current'] = null;
  if (c !== null) {
    const cr = record(c, 'current task');
    current = { task: str(cr['task'], 'task'), method: str(cr['method'], 'method', 256), elapsedMs: int(cr['elapsedMs'], 'elapsedMs') };
  }
  return {
    pid: int(v['pid'], 'pid'),
    id: int(v['id'], 'id'),
    generation: int(v['generation'], 'generation'),
    state: str(v['state'], 'state', 32),
    tasks: int(v['tasks'], 'tasks'),
    current,
    uptimeSeconds: int(v['uptimeSeconds'], 'uptimeSeconds'),
  };
}

function taskCounters(value: unknown): TaskCounters {
  const v = record(value, 'task counters');
  const buckets = v['buckets'];
  if (!Array.isArray(buckets)) throw new ProtocolError('task counters: buckets is not a list');
  return {
    count: int(v['count'], 'count'),
    errors: numberRecord(v['errors'], 'errors'),
    buckets: buckets.map((b) => int(b, 'bucket')),
    sumSeconds: int(v['sumSeconds'], 'sumSeconds'),
  };
}

export function decodeFromArbiter(value: unknown): FromArbiter {
  const v = record(value, 'arbiter message');
  switch (v['t']) {
    case 'ready':
      return { t: 'ready' };
    case 'boot-error':
      return decodeBootError(v);
    case 'snapshot': {
      const s = record(v['snapshot'], 'snapshot');
      const workers = s['workers'];
      if (!Array.isArray(workers)) throw new ProtocolError('snapshot: workers is not a list');
      const tasks: Record<string, TaskCounters> = {};
      for (const [k, t] of Object.entries(record(s['tasks'], 'tasks'))) tasks[k] = taskCounters(t);
      return {
        t: 'snapshot',
        snapshot: {
          pid: int(s['pid'], 'pid'),
          target: int(s['target'], 'target'),
          queueDepth: int(s['queueDepth'], 'queueDepth'),
          maxQueue: int(s['maxQueue'], 'maxQueue'),
          busy: int(s['busy'], 'busy'),
          workers: workers.map(workerView),
          tasks,
          exits: numberRecord(s['exits'], 'exits'),
        },
      };
    }
    default:
      throw new ProtocolError('unknown arbiter message');
  }
}
