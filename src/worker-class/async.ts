/**
 * `async`: every parsed request runs at once, up to `--worker-connections` connections, with
 * keep-alive. Accept path: the spare-handle accept control with least-connections admission over
 * the shared balance board (worker/async-admission.ts); libuv's UV_TCP_SINGLE_ACCEPT makes a woken
 * worker yield after each accept so the board can stop a burst. The native exclusive wait is not
 * used here: an async worker polls its listener while it serves, which is what the board governs.
 * The master aborts a worker only when its heartbeat stops (a blocked event loop).
 */
import { errorMessage } from '../errors.js';
import { BalanceBoard } from '../ipc/balance-board.js';
import type { AcceptControl } from '../worker/accept-control.js';
import { acceptControlFor, listenOwn } from './listener-mode.js';
import { AsyncAdmission } from '../worker/async-admission.js';
import { AsyncGate } from '../worker/gates.js';
import type { WorkerClass, WorkerClassContext, WorkerClassRuntime } from './types.js';

function openBoard(ctx: WorkerClassContext): BalanceBoard | undefined {
  if (!ctx.board) return undefined;
  try {
    return BalanceBoard.open(ctx.board.path);
  } catch (err) {
    ctx.log.warn({ err: errorMessage(err) }, 'Balance board unavailable: accepting without balancing');
    return undefined;
  }
}

class AsyncRuntime implements WorkerClassRuntime {
  readonly gate = new AsyncGate();
  readonly #accept: AcceptControl;
  readonly #admission: AsyncAdmission;
  #closed = false;

  constructor(ctx: WorkerClassContext) {
    this.#accept = acceptControlFor(ctx, {
      backlog: ctx.settings.backlog,
      onConnection: (socket, index) => {
        ctx.onConnection(socket);
        this.#admission.changed(index);
      },
      requestSpare: ctx.requestSpare,
      onListenError: (_index, err) => ctx.onListenError(err),
      onAllListening: ctx.onAllListening,
    });
    const { workerConnections } = ctx.settings;
    this.#admission = new AsyncAdmission(this.#accept, workerConnections, ctx.connections, openBoard(ctx), ctx.board?.slot ?? -1);
  }

  attach(index: number, handle: unknown): void {
    this.#accept.attach(index, handle);
  }

  listenOwn(): boolean {
    return listenOwn(this.#accept);
  }

  start(): void {
    this.#admission.start();
  }

  refresh(): void {
    this.#admission.refresh();
  }

  connectionClosed(): void {
    if (!this.#closed) this.#admission.changed();
  }

  close(): void {
    this.#closed = true;
    this.#admission.stop();
    this.#accept.close();
  }
}

export const asyncClass: WorkerClass = {
  name: 'async',
  forkEnv: () => ({ UV_TCP_SINGLE_ACCEPT: '1' }),
  // A long request is normal here; only a silent worker (blocked loop) is hung.
  timedOut: ({ silentMs, timeoutMs }) => silentMs > timeoutMs,
  reportsRequest: false,
  engine: (settings) => ({ keepAliveMs: settings.keepalive * 1000, bufferBodyBytes: 0 }),
  acceptPath: () => ({ acceptPath: 'spare handles from the master, least-connections board' }),
  createRuntime: (ctx) => new AsyncRuntime(ctx),
};
