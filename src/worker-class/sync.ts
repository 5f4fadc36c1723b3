/**
 * `sync`: one request at a time per worker, gunicorn's semantics. While a request runs the
 * worker takes no connection, so the kernel leaves new ones to idle workers; requests that
 * arrive meanwhile on connections it already holds wait their turn in its gate. It closes after
 * each response (a keep-alive connection would pin its next request to this worker even when
 * another is idle) and buffers a little body first, so a slow uploader holds only its own
 * connection. The master aborts a worker whose request runs longer than `--timeout`.
 *
 * Accept path: the native helper's exclusive wait (native-accept.ts) when it is built, else the
 * spare-handle path (worker/accept-control.ts): close the listen handle after each accept to end
 * libuv's accept loop and listen again on a spare copy from the master (one IPC round trip).
 */
import type { Settings } from '../config/index.js';
import { nativeHelper, nativeStatus } from '../native/native.js';
import type { AcceptControl } from '../worker/accept-control.js';
import { acceptControlFor, listenOwn } from './listener-mode.js';
import { SyncGate, type Pausable } from '../worker/gates.js';
import { NativeAccept } from './native-accept.js';
import type { WorkerClass, WorkerClassContext, WorkerClassRuntime } from './types.js';

/** Body bytes a sync worker receives before a request takes the worker (docs/http.md, slow clients). */
export const SYNC_BUFFER_BODY_BYTES = 64 * 1024;

interface Acceptor extends Pausable {
  attach(index: number, handle: unknown): void;
  close(): void;
}

class SyncRuntime implements WorkerClassRuntime {
  readonly gate: SyncGate;
  readonly #accept: Acceptor;

  constructor(ctx: WorkerClassContext) {
    // --reuse-port sockets are the worker's own: no sibling shares them, nothing to wait on exclusively.
    const native = ctx.reusePort ? undefined : nativeHelper();
    const backlog = ctx.settings.backlog;
    if (native) {
      this.#accept = new NativeAccept({
        native,
        listenerCount: ctx.listenerCount,
        backlog,
        onConnection: ctx.onConnection,
        onListenError: ctx.onListenError,
        onAllListening: ctx.onAllListening,
      });
    } else {
      const control: AcceptControl = acceptControlFor(ctx, {
        backlog,
        onConnection: (socket, index) => {
          // One accept per wake-up; the next pending connection goes to whichever worker is free.
          control.detach(index);
          if (!this.gate.busy) control.resume();
          ctx.onConnection(socket);
        },
        requestSpare: ctx.requestSpare,
        onListenError: (_index, err) => ctx.onListenError(err),
        onAllListening: ctx.onAllListening,
      });
      this.#accept = control;
    }
    this.gate = new SyncGate(this.#accept);
  }

  attach(index: number, handle: unknown): void {
    this.#accept.attach(index, handle);
  }

  listenOwn(): boolean {
    return listenOwn(this.#accept);
  }

  start(): void {}

  refresh(): void {}

  connectionClosed(): void {}

  close(): void {
    this.#accept.close();
  }
}

export const syncClass: WorkerClass = {
  name: 'sync',
  // libuv's UV_TCP_SINGLE_ACCEPT sleep would only add latency: a sync worker takes one
  // connection per wake-up on either path.
  forkEnv: () => ({}),
  timedOut: ({ silentMs, busyMs, timeoutMs }) => silentMs > timeoutMs || busyMs > timeoutMs,
  reportsRequest: true,
  engine: (_settings: Settings) => ({ keepAliveMs: 0, bufferBodyBytes: SYNC_BUFFER_BODY_BYTES }),
  acceptPath: () => {
    const status = nativeStatus();
    return status.loaded ? { acceptPath: 'native exclusive wait' } : { acceptPath: 'spare handles from the master', reason: status.reason };
  },
  createRuntime: (ctx) => new SyncRuntime(ctx),
};
