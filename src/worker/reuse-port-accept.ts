/**
 * --reuse-port: the worker listens on its own SO_REUSEPORT socket for each bind, and the kernel
 * hashes each new connection to one of the workers' sockets. Nothing to pass over IPC, no
 * shared accept queue, no thundering herd: but a connection belongs to the worker it was hashed
 * to, busy or not, and connections still queued on a socket that closes are reset.
 *
 * It stands where AcceptControl stands (the gates and admission drive it through the same
 * methods). Pausing or detaching would only leave this worker's own connections waiting in
 * its own queue, since no sibling can take them: those are no-ops here.
 */
import net from 'node:net';
import { AcceptControl, type AcceptControlOptions } from './accept-control.js';
import type { ReusePortBind } from '../ipc/messages.js';

export class ReusePortAccept extends AcceptControl {
  readonly #options: AcceptControlOptions;
  readonly #binds: readonly ReusePortBind[];
  readonly #servers: net.Server[] = [];
  #closed = false;

  constructor(options: AcceptControlOptions, binds: readonly ReusePortBind[]) {
    super(options);
    this.#options = options;
    this.#binds = binds;
  }

  /** Bind and listen on every address (instead of asking the master for its sockets). */
  listen(): void {
    let listening = 0;
    this.#binds.forEach((bind, index) => {
      const server = net.createServer({ noDelay: true });
      let listened = false;
      server.on('connection', (socket: net.Socket) => this.#options.onConnection(socket, index));
      server.on('error', (err) => {
        if (!listened) this.#options.onListenError(index, err);
      });
      // exclusive: inside a node:cluster worker, listen() would otherwise ask the primary for a shared handle.
      const options = { host: bind.host, port: bind.port, backlog: this.#options.backlog, exclusive: true, reusePort: true };
      // @types/node (20) does not know reusePort yet; the master checked the Node version.
      server.listen(options as net.ListenOptions, () => {
        listened = true;
        if (this.#closed) server.close();
        else if (++listening === this.#binds.length) this.#options.onAllListening();
      });
      this.#servers.push(server);
    });
  }

  override expect(): void {}

  /** The master sends no sockets in this mode; close any that arrive. */
  override attach(_index: number, handle: unknown): void {
    (handle as { close?: () => void } | null)?.close?.();
  }

  override detach(): void {}

  override pause(): void {}

  override resume(): void {}

  override close(): void {
    this.#closed = true;
    for (const server of this.#servers.splice(0)) server.close();
  }
}
