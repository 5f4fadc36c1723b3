/**
 * One worker process: loads the app, receives the listening sockets from the master, serves
 * them with the HTTP engine under its worker class, reports liveness, stops on request.
 */
import type net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WORKER_EXIT, errorMessage } from '../errors.js';
import {
  isMasterMessage,
  type BootErrorKind,
  type MasterMessage,
  type WorkerBoot,
  type WorkerMessage,
  type RequestInProgress,
  type RetireReason,
} from '../ipc/messages.js';
// config-file.js, not config/index.js: the worker needs no command-line parser (yargs) in memory.
import { loadConfigFile } from '../config/config-file.js';
import type { Hooks, WorkerView } from '../config/hooks.js';
import { parseAppSpec, loadApp } from '../app/index.js';
import type { LoadedApp } from '../app/types.js';
import { HttpEngine } from '../http/engine.js';
import { compileAccessLogFormat } from '../http/access-log.js';
import { engineOptions } from '../http/engine-options.js';
import type { RequestHandler, RequestRecord } from '../http/types.js';
import { upgradesFor } from './upgrades.js';
import { createAccessLog, createErrorLog, type AccessLog, type Logger, type LogFiles } from '../log/logger.js';
import { runHook } from '../hooks/run-hook.js';
import { workerClassFor, type WorkerClass, type WorkerClassRuntime } from '../worker-class/index.js';
import { maxRequestsFor } from './max-requests.js';
import { WorkerStats } from './worker-stats.js';

/** Heartbeats are cheap IPC messages; the master checks them once a second. */
const HEARTBEAT_MS = 1000;

export class WorkerProcess {
  readonly #boot: WorkerBoot;
  readonly #log: Logger;
  readonly #logFiles: LogFiles;
  readonly #accessLog: AccessLog | undefined;
  readonly #class: WorkerClass;
  /** The class's accept policy and request gate. */
  readonly #runtime: WorkerClassRuntime;
  /** Request metrics sent with each heartbeat (ctl, /metrics). */
  readonly #stats = new WorkerStats();
  #hooks: Hooks = {};
  #app: LoadedApp | undefined;
  #engine: HttpEngine | undefined;
  #requests = 0;
  #maxRequests = 0;
  #current: RequestInProgress | undefined;
  /** Connections destroyed by --send-timeout (http/send-timeout.ts). */
  #sendTimeouts = 0;
  #stopping = false;
  #retiring = false;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(boot: WorkerBoot) {
    this.#boot = boot;
    const { settings } = boot;
    const { log, files } = createErrorLog({ level: settings.logLevel, file: settings.errorLogfile, base: { worker: boot.age } });
    this.#log = log;
    this.#accessLog = settings.accessLogfile ? createAccessLog(settings.accessLogfile) : undefined;
    this.#class = workerClassFor(settings.workerClass);
    this.#runtime = this.#class.createRuntime({
      settings,
      listenerCount: boot.listenerCount,
      log,
      board: boot.board,
      requestSpare: (index) => this.#send({ tsgun: 'want-listener', index }),
      onConnection: (socket) => this.#onConnection(socket),
      onListenError: (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        this.#bootFailed('listen', new Error(code === 'EADDRINUSE' ? 'address already in use' : errorMessage(err)), WORKER_EXIT.BOOT_ERROR);
      },
      onAllListening: () => this.#onListening(),
      connections: () => this.#connectionCount(),
      // --reuse-port: the worker listens on its own sockets instead of the master's.
      reusePort: boot.reusePort,
    });
    this.#logFiles = {
      reopen: () => {
        files.reopen();
        this.#accessLog?.reopen();
      },
      flush: () => {
        files.flush();
        this.#accessLog?.flush();
      },
      dropped: () => files.dropped() + (this.#accessLog?.dropped() ?? 0),
    };
  }

  #view(): WorkerView {
    return { pid: process.pid, id: this.#boot.age, age: this.#boot.age, settings: this.#boot.settings, log: this.#log };
  }

  async run(): Promise<void> {
    // Attach before anything async so no master message can be missed.
    process.on('message', (msg: unknown, handle: unknown) => {
      if (isMasterMessage(msg)) this.#onMessage(msg, handle);
    });
    process.on('disconnect', () => {
      // The master is gone (killed with SIGKILL?): finish what we have and leave, never orphaned.
      this.#log.warn('Master went away: stopping');
      void this.stop(true);
    });
    process.on('SIGTERM', () => void this.stop(true));
    process.on('SIGINT', () => this.#quit('SIGINT'));
    process.on('SIGQUIT', () => this.#quit('SIGQUIT'));
    process.on('SIGUSR1', () => this.#logFiles.reopen());
    process.on('SIGABRT', () => void this.#abort());
    process.on('uncaughtException', (err) => {
      this.#log.fatal({ err }, 'Uncaught exception in worker');
      this.#logFiles.flush();
      process.exit(1);
    });

    try {
      if (this.#boot.configFile) this.#hooks = (await loadConfigFile(this.#boot.configFile)).hooks;
    } catch (err) {
      return this.#bootFailed('hook', err, WORKER_EXIT.BOOT_ERROR);
    }
    let app: LoadedApp;
    try {
      app = await loadApp(parseAppSpec(this.#boot.app), { cwd: process.cwd() });
    } catch (err) {
      return this.#bootFailed('app-load', err, WORKER_EXIT.APP_LOAD_ERROR);
    }
    this.#app = app;
    await runHook(this.#hooks, 'postWorkerInit', this.#log, this.#view());

    const { settings } = this.#boot;
    this.#maxRequests = maxRequestsFor(settings.maxRequests, settings.maxRequestsJitter);
    this.#engine = new HttpEngine(
      this.#wrapHandler(app.handler),
      engineOptions(settings, this.#class.engine(settings)),
      this.#runtime.gate,
      {
        onRequestDone: (rec) => this.#onRequestDone(rec),
        onClientError: (rec) => {
          this.#stats.rejected(rec.status, rec.reason);
          this.#log.debug({ remoteAddress: rec.remoteAddress, status: rec.status, reason: rec.reason }, 'Invalid request');
        },
        onAppError: (err, req) => this.#log.error({ err, method: req.method, url: req.url }, 'Error handling request'),
        onQueueWait: (localMs, upstreamMs, shed) => this.#stats.queued(localMs, upstreamMs, shed),
        onConnectionClosed: () => {
          if (!this.#stopping) this.#runtime.connectionClosed();
        },
        onSendTimeout: (remoteAddress) => {
          this.#sendTimeouts++;
          const detail = { remoteAddress, sendTimeout: settings.sendTimeout };
          this.#log.info(detail, 'Client read nothing of its response for --send-timeout: connection closed');
        },
      },
      upgradesFor(app.upgrades, settings.workerClass, this.#log),
    );
    if (!this.#runtime.listenOwn()) this.#send({ tsgun: 'want-listeners' });
  }

  /** Request-level bookkeeping around the app: the request in progress (for timeouts) and hooks. */
  #wrapHandler(app: RequestHandler): RequestHandler {
    const track = this.#class.reportsRequest;
    const preRequest = this.#hooks.preRequest;
    const view = this.#view();
    return (req, res) => {
      this.#stats.started();
      if (track) this.#current = { method: req.method ?? '', url: req.url ?? '', since: Date.now() };
      if (!preRequest) return app(req, res);
      return runHook(this.#hooks, 'preRequest', this.#log, view, req).then(() => app(req, res));
    };
  }

  #onRequestDone(rec: RequestRecord): void {
    this.#current = undefined;
    this.#requests++;
    this.#stats.done(rec);
    if (this.#accessLog) this.#accessLog.write(this.#formatAccess(rec));
    if (this.#hooks.postRequest)
      void runHook(this.#hooks, 'postRequest', this.#log, this.#view(), rec.req as IncomingMessage, rec.res as ServerResponse);
    if (this.#maxRequests > 0 && this.#requests >= this.#maxRequests) this.#retire('max-requests');
  }

  /**
   * Ask the master to replace this worker (max-requests, memory). It keeps serving until its
   * replacement is ready and the master sends `stop`, so capacity never dips. Without a
   * master to ask, it stops on its own.
   */
  #retire(reason: RetireReason): void {
    if (this.#retiring || this.#stopping) return;
    this.#retiring = true;
    this.#log.info({ requests: this.#requests, reason }, 'Worker asks to be replaced');
    if (process.connected) this.#send({ tsgun: 'retire', reason });
    else void this.stop(true);
  }

  #formatter: ((rec: RequestRecord) => string) | undefined;

  #formatAccess(rec: RequestRecord): string {
    const format = (this.#formatter ??= compileAccessLogFormat(this.#boot.settings.accessLogFormat));
    return format(rec);
  }

  #onMessage(msg: MasterMessage, handle: unknown): void {
    switch (msg.tsgun) {
      case 'listener':
        this.#runtime.attach(msg.index, handle); // closes it again if we are stopping
        return;
      case 'stop':
        if (msg.graceful) void this.stop(true);
        else this.#quit('stop');
        return;
      case 'reopen-logs':
        this.#logFiles.reopen();
        return;
    }
  }

  /** Open connections, upgraded ones included: the engine counts them until they close. */
  #connectionCount(): number {
    return this.#engine?.connectionCount ?? 0;
  }

  #onConnection(socket: net.Socket): void {
    // The engine exists before the worker listens; it counts the connection until it closes.
    if (this.#engine) this.#engine.handleConnection(socket);
    else socket.destroy();
  }

  #onListening(): void {
    this.#log.debug({ kind: this.#app?.kind }, 'Worker listening');
    this.#runtime.start();
    this.#send({ tsgun: 'ready' });
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #beatMessage(): WorkerMessage {
    const faults = { logDropped: this.#logFiles.dropped(), sendTimeouts: this.#sendTimeouts };
    const stats = { ...this.#stats.snapshot(process.memoryUsage.rss(), this.#engine?.upgradedCount ?? 0), faults };
    return { tsgun: 'heartbeat', busy: this.#current, requests: this.#requests, connections: this.#connectionCount(), stats };
  }

  #beat(): void {
    this.#runtime.refresh();
    this.#send(this.#beatMessage());
  }

  #send(msg: WorkerMessage, callback?: () => void): void {
    if (!process.connected || !process.send) {
      callback?.();
      return;
    }
    process.send(msg, undefined, {}, () => callback?.());
  }

  #bootFailed(kind: BootErrorKind, err: unknown, code: number): void {
    const message = errorMessage(err);
    this.#log.error({ err }, kind === 'app-load' ? `Exception in worker process: ${message}` : message);
    this.#logFiles.flush();
    const stack = err instanceof Error ? err.stack : undefined;
    this.#send({ tsgun: 'boot-error', kind, message, stack }, () => process.exit(code));
  }

  /** Stop accepting: the class closes this process's copies of the listening sockets. */
  #stopAccepting(): void {
    this.#runtime.close();
    this.#appStopping();
  }

  /** Tell the app (an exported server's 'close' event) so it can close its upgraded sockets. */
  #appStopping(): void {
    try {
      this.#app?.stopping?.();
    } catch (err) {
      this.#log.warn({ err }, "App's server close failed");
    }
  }

  /** Graceful stop: stop accepting, let in-flight requests finish, close keep-alive connections. */
  async stop(graceful: boolean): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (!graceful) return this.#quit('stop');
    clearInterval(this.#heartbeat);
    this.#stopAccepting();
    const limitMs = this.#boot.settings.gracefulTimeout * 1000;
    const timer = setTimeout(() => {
      this.#log.warn('Graceful timeout: closing remaining connections');
      this.#engine?.destroyAll();
    }, limitMs);
    timer.unref();
    await this.#engine?.drain();
    clearTimeout(timer);
    await this.#exit(0);
  }

  #quit(reason: string): void {
    this.#stopping = true;
    this.#log.debug({ reason }, 'Quick stop');
    this.#stopAccepting();
    this.#engine?.destroyAll();
    // gunicorn's worker_int: a quick stop, whether by our own INT/QUIT or the master's (it sends QUIT).
    void runHook(this.#hooks, 'workerInt', this.#log, this.#view()).then(() => this.#exit(0));
  }

  /** The master decided this worker is hung (SIGABRT): run the hook, then die. */
  async #abort(): Promise<void> {
    await runHook(this.#hooks, 'workerAbort', this.#log, this.#view());
    this.#logFiles.flush();
    process.exit(1);
  }

  async #exit(code: number): Promise<void> {
    // Final counters, so the master can log per-worker totals.
    await new Promise<void>((resolve) => this.#send(this.#beatMessage(), resolve));
    try {
      await this.#app?.close?.();
    } catch (err) {
      this.#log.warn({ err }, 'App close failed');
    }
    const master = { pid: process.ppid, settings: this.#boot.settings, log: this.#log, workerCount: this.#boot.settings.workers };
    await runHook(this.#hooks, 'workerExit', this.#log, master, this.#view());
    this.#logFiles.flush();
    process.exit(code);
  }
}
