/** A control-socket client: one connection, requests answered in order. */
import net from 'node:net';
import { TsgunError, errorMessage, type ErrorCode } from '../errors.js';
import { encodeFrame, FrameDecoder, MAX_REPLY_FRAME } from '../control/frame-codec.js';
import type { ControlArgs, ControlReply } from '../control/protocol.js';
import { controlSocketPath, findRunningSockets, runtimeDir } from '../control/socket-path.js';

type Env = Readonly<Record<string, string | undefined>>;

const CONNECT_TIMEOUT_MS = 5000;
const REPLY_TIMEOUT_MS = 10_000;

export interface SocketChoice {
  readonly controlSocket: string | undefined;
  readonly pidfile: string | undefined;
}

/** The socket ctl should use: explicit path, beside the pid file, or the one running server found. */
export function resolveSocket(choice: SocketChoice, env: Env): string {
  const explicit = choice.controlSocket ?? env['TSGUN_CONTROL_SOCKET'];
  const pidfile = choice.pidfile ?? env['TSGUN_PIDFILE'];
  if ((explicit !== undefined && explicit !== '') || (pidfile !== undefined && pidfile !== '')) {
    return controlSocketPath({ controlSocket: explicit || null, pidfile: pidfile || null }, 0, env);
  }
  const found = findRunningSockets(env);
  if (found.length === 1) return found[0] as string;
  if (found.length === 0) {
    throw new TsgunError('TSGUN_ERR_CTL_CONNECT', `no running tsgun found in ${runtimeDir(env)}; give --control-socket PATH or --pid FILE`);
  }
  throw new TsgunError('TSGUN_ERR_CTL_CONNECT', `several servers are running (${found.join(', ')}); choose one with --control-socket PATH`);
}

function isReply(value: unknown): value is ControlReply {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

export class ControlClient {
  readonly #socket: net.Socket;
  readonly #decoder = new FrameDecoder(MAX_REPLY_FRAME);
  readonly #waiting: { resolve: (r: ControlReply) => void; reject: (e: Error) => void }[] = [];
  #failure: Error | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.#decoder.push(chunk)) {
        if (item.kind !== 'frame' || !isReply(item.value)) {
          this.#fail(new TsgunError('TSGUN_ERR_CTL_FAILED', 'the server sent a reply ctl cannot read'));
          return;
        }
        this.#waiting.shift()?.resolve(item.value);
      }
    });
    socket.on('error', (err) => this.#fail(new TsgunError('TSGUN_ERR_CTL_CONNECT', errorMessage(err), { cause: err })));
    socket.on('close', () => this.#fail(new TsgunError('TSGUN_ERR_CTL_CONNECT', 'the server closed the connection')));
  }

  static connect(path: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TsgunError('TSGUN_ERR_CTL_CONNECT', `${path}: no answer within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why =
          err.code === 'ENOENT'
            ? 'no such socket (is the server running?)'
            : err.code === 'ECONNREFUSED'
              ? 'nothing is listening (a stale socket?)'
              : err.code === 'EACCES'
                ? "permission denied (only the server's user may connect)"
                : errorMessage(err);
        reject(new TsgunError('TSGUN_ERR_CTL_CONNECT', `${path}: ${why}`, { cause: err }));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new ControlClient(socket));
      });
    });
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const w of this.#waiting.splice(0)) w.reject(err);
    this.#socket.destroy();
  }

  /** The raw reply (ok or error). */
  send(command: string, args: ControlArgs = {}): Promise<ControlReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(new TsgunError('TSGUN_ERR_CTL_CONNECT', `no reply to "${command}" within ${REPLY_TIMEOUT_MS} ms`)),
        REPLY_TIMEOUT_MS,
      );
      this.#waiting.push({
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#socket.write(encodeFrame({ command, args }));
    });
  }

  /** The result, or the server's error as a TsgunError. */
  async request(command: string, args: ControlArgs = {}): Promise<unknown> {
    const reply = await this.send(command, args);
    if (reply.ok) return reply.result;
    const code: ErrorCode = reply.error.code === 'TSGUN_ERR_CTL_BAD_REQUEST' ? 'TSGUN_ERR_CTL_BAD_REQUEST' : 'TSGUN_ERR_CTL_FAILED';
    throw new TsgunError(code, reply.error.message.replace(/^(Bad control request|Control command failed): /, ''));
  }

  close(): void {
    this.#failure ??= new TsgunError('TSGUN_ERR_CTL_CONNECT', 'closed');
    this.#socket.end();
  }
}
