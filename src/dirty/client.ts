/**
 * `dirty.execute()` for app code in any worker. The pool is found through the environment
 * (DIRTY_SOCKET_ENV, set by the master before it forks), never through module state: an app
 * that imports another copy of `tsgun` (npm link, a symlink in node_modules) still reaches it.
 * One connection per socket path and process, calls multiplexed on it by id; it is unref'd
 * while no call waits, so it never keeps a process alive.
 */
import net from 'node:net';
import { serialize, deserialize } from 'node:v8';
import { TsgunError, errorMessage, type ErrorCode } from '../errors.js';
import { DIRTY_SOCKET_ENV, FrameReader, decodeReply, encodeFrame, type Frame, type ReplyHeader } from './protocol.js';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

class Connection {
  readonly #path: string;
  readonly #pending = new Map<number, Pending>();
  readonly #reader = new FrameReader<ReplyHeader>(decodeReply);
  readonly #socket: net.Socket;
  readonly #onClose: () => void;
  #nextId = 1;
  #closed = false;

  constructor(path: string, onClose: () => void) {
    this.#path = path;
    this.#onClose = onClose;
    this.#socket = net.connect(path);
    this.#socket.unref();
    this.#socket.on('data', (chunk: Buffer) => this.#data(chunk));
    this.#socket.on('error', (err: NodeJS.ErrnoException) => {
      const gone = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      this.#close(gone ? `no dirty arbiter listens at ${this.#path} (${err.code})` : errorMessage(err));
    });
    this.#socket.on('close', () => this.#close('the dirty arbiter closed the connection'));
  }

  call(task: string, method: string, payload: Buffer): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) this.#socket.ref();
      this.#socket.write(encodeFrame({ t: 'call', id, task, method }, payload));
    });
  }

  #data(chunk: Buffer): void {
    let frames: Frame<ReplyHeader>[];
    try {
      frames = this.#reader.push(chunk);
    } catch (err) {
      this.#socket.destroy();
      this.#close(`bad reply from the dirty arbiter: ${errorMessage(err)}`, 'TSGUN_ERR_DIRTY_PROTOCOL');
      return;
    }
    for (const { header, payload } of frames) {
      const p = this.#pending.get(header.id);
      if (p === undefined) {
        this.#socket.destroy();
        this.#close(`reply for call ${header.id}, which was never made`, 'TSGUN_ERR_DIRTY_PROTOCOL');
        return;
      }
      this.#pending.delete(header.id);
      if (this.#pending.size === 0) this.#socket.unref();
      if (header.t === 'err') {
        const err = new TsgunError(header.code, header.message, {
          cause: header.name ? { name: header.name, stack: header.stack } : undefined,
        });
        p.reject(err);
        continue;
      }
      let value: unknown;
      try {
        value = deserialize(payload);
      } catch (err) {
        p.reject(new TsgunError('TSGUN_ERR_DIRTY_SERIALIZE', `the result does not decode: ${errorMessage(err)}`));
        continue;
      }
      p.resolve(value);
    }
  }

  /** Connection gone: every waiting call fails at once with a coded error (never a hang). */
  #close(why: string, code: ErrorCode = 'TSGUN_ERR_DIRTY_UNAVAILABLE'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    for (const p of this.#pending.values()) p.reject(new TsgunError(code, why));
    this.#pending.clear();
  }
}

const connections = new Map<string, Connection>();

function connection(path: string): Connection {
  let c = connections.get(path);
  if (c === undefined) {
    const created = new Connection(path, () => {
      if (connections.get(path) === created) connections.delete(path);
    });
    connections.set(path, (c = created));
  }
  return c;
}

export interface Dirty {
  /**
   * Run `method` of the dirty app `task` (the `--dirty-app` text, e.g. `tasks.js:Sieve`) in a
   * dirty worker. Arguments and the result are structured-clone serialised. Rejects with a
   * TsgunError: TSGUN_ERR_DIRTY_TASK (the task threw; its message), _TIMEOUT, _WORKER_CRASH,
   * _OVERLOADED, _UNKNOWN_TASK, _SERIALIZE, _UNAVAILABLE, or _NO_POOL outside a tsgun pool.
   */
  execute<T = unknown>(task: string, method: string, ...args: unknown[]): Promise<T>;
}

export const dirty: Dirty = {
  async execute<T = unknown>(task: string, method: string, ...args: unknown[]): Promise<T> {
    const path = process.env[DIRTY_SOCKET_ENV];
    if (path === undefined || path === '') {
      throw new TsgunError('TSGUN_ERR_DIRTY_NO_POOL', `dirty.execute('${task}', '${method}') outside a tsgun server with dirty workers`);
    }
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(method) || task.length === 0 || task.length > 1024) {
      throw new TsgunError(
        'TSGUN_ERR_DIRTY_UNKNOWN_TASK',
        `${JSON.stringify(task)} ${JSON.stringify(method)} is not a dirty app and method name`,
      );
    }
    let payload: Buffer;
    try {
      payload = serialize(args);
    } catch (err) {
      throw new TsgunError('TSGUN_ERR_DIRTY_SERIALIZE', `the arguments of ${task} ${method}: ${errorMessage(err)}`);
    }
    return (await connection(path).call(task, method, payload)) as T;
  },
};
