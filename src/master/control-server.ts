/**
 * The master's control socket: a Unix socket (mode 0600) speaking length-prefixed JSON.
 * Requests on one connection are answered in order; a malformed frame gets an error reply and
 * the connection goes on; an oversized one gets an error reply and the connection is closed
 * (its length cannot be trusted to find the next frame). Nothing a client sends can throw
 * into the master: every failure becomes a reply or a closed connection.
 */
import net from 'node:net';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { TsgunError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { encodeFrame, FrameDecoder, MAX_REQUEST_FRAME } from '../control/frame-codec.js';
import { isControlRequest, type ControlReply, type ControlRequest } from '../control/protocol.js';
import { checkSocketPathLength, ensureSocketDir, sweepDeadSockets } from '../control/socket-path.js';

export type ControlHandler = (request: ControlRequest) => Promise<ControlReply>;

/** Owner-only connections, but still bounded: a runaway script must not exhaust the master's fds. */
const MAX_CONNECTIONS = 64;
/** An idle client is dropped after this long (ctl top sends a request every second or so). */
const IDLE_MS = 5 * 60_000;

function badRequest(message: string, id?: string | number): ControlReply {
  return { ok: false, ...(id === undefined ? {} : { id }), error: { code: 'TSGUN_ERR_CTL_BAD_REQUEST', message } };
}

/** A socket file left by a master that died: nothing accepts on it any more. */
function isStale(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', () => resolve(true));
  });
}

async function clearStale(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new TsgunError('TSGUN_ERR_CONTROL_SOCKET', `${path} exists and is not a socket`);
  if (!(await isStale(path))) throw new TsgunError('TSGUN_ERR_CONTROL_SOCKET', `${path} is in use by another running server`);
  unlinkSync(path);
}

export class ControlServer {
  readonly path: string;
  readonly #server: net.Server;
  readonly #log: Logger;
  readonly #handler: ControlHandler;
  readonly #sockets = new Set<net.Socket>();
  #closed = false;

  private constructor(path: string, server: net.Server, handler: ControlHandler, log: Logger) {
    this.path = path;
    this.#server = server;
    this.#handler = handler;
    this.#log = log;
  }

  static async open(path: string, handler: ControlHandler, log: Logger): Promise<ControlServer> {
    checkSocketPathLength(path);
    ensureSocketDir(path);
    if (/^tsgun-\d+\.ctl$/.test(basename(path))) sweepDeadSockets(dirname(path));
    await clearStale(path);
    const server = net.createServer();
    server.maxConnections = MAX_CONNECTIONS;
    const control = new ControlServer(path, server, handler, log);
    server.on('connection', (socket) => control.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new TsgunError('TSGUN_ERR_CONTROL_SOCKET', `${path}: ${errorMessage(err)}`, { cause: err })));
      // bind() runs synchronously inside listen() here (no cluster, no DNS), so the umask
      // makes the socket 0600 from its first instant; chmod repeats it for odd platforms.
      const umask = process.umask(0o177);
      try {
        server.listen(path, () => resolve());
      } finally {
        process.umask(umask);
      }
    });
    chmodSync(path, 0o600);
    server.on('error', (err) => log.error({ err: errorMessage(err), path }, 'Control socket error'));
    return control;
  }

  #accept(socket: net.Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', (err) => this.#log.debug({ err: errorMessage(err) }, 'control connection error'));
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    const decoder = new FrameDecoder(MAX_REQUEST_FRAME);
    // Replies go out in request order: each request waits for the one before it.
    let chain: Promise<void> = Promise.resolve();
    const reply = (r: ControlReply): void => {
      if (!socket.destroyed && socket.writable) socket.write(encodeFrame(r));
    };
    socket.on('data', (chunk: Buffer) => {
      for (const item of decoder.push(chunk)) {
        if (item.kind === 'oversized') {
          chain = chain.then(() => {
            reply(badRequest(`frame of ${item.length} bytes exceeds the limit of ${MAX_REQUEST_FRAME}`));
            socket.end();
          });
          return;
        }
        if (item.kind === 'malformed') {
          chain = chain.then(() => reply(badRequest(item.reason)));
          continue;
        }
        const request = item.value;
        if (!isControlRequest(request)) {
          chain = chain.then(() => reply(badRequest('a request is an object with a string "command" and an optional object "args"')));
          continue;
        }
        chain = chain.then(async () => {
          try {
            reply(await this.#handler(request));
          } catch (err) {
            this.#log.error({ err: errorMessage(err), command: request.command }, 'Control command failed');
            const code = err instanceof TsgunError ? err.code : 'TSGUN_ERR_CTL_FAILED';
            reply({ ok: false, ...(request.id === undefined ? {} : { id: request.id }), error: { code, message: errorMessage(err) } });
          }
        });
      }
    });
  }

  /** Stop listening, drop clients and remove the socket file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    // end(), not destroy(): a reply just written (to `shutdown`, say) still reaches its client.
    for (const socket of this.#sockets) {
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    }
    try {
      unlinkSync(this.path);
    } catch {
      // Already removed (or replaced by an operator): nothing to clean.
    }
  }
}
