/**
 * The master (gunicorn's arbiter): holds the listening sockets, forks and supervises workers,
 * never serves a request. Signal handlers and worker events only enqueue a command; one loop
 * drains the queue, reaps dead workers, kills hung ones and tops the pool up.
 */
import type { Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { EXIT, WORKER_EXIT, TsgunError, errorMessage, withoutCodePrefix } from '../errors.js';
import { WORKER_BOOT_ENV, type RetireReason, type WorkerBoot, type WorkerMessage } from '../ipc/messages.js';
import type { Hooks, ResolvedConfig, MasterView, WorkerView } from '../config/index.js';
import type { Logger, LogFiles } from '../log/logger.js';
import { runHook } from '../hooks/run-hook.js';
import { assertNodeInternals } from '../internals-guard.js';
import { openListeners, closeListeners, inheritedBinds, renameInherited, type Listener, type ListenerAddress } from './listeners.js';
import { reexecMaster, takeReexecEnv } from './reexec.js';
import type { BalanceBoard } from '../ipc/balance-board.js';
import { placeBoard } from './board-location.js';
import type { ChildProcess } from 'node:child_process';
import { PidFile } from './pidfile.js';
import { workerClassFor } from '../worker-class/index.js';
import { workerInbox } from './worker-inbox.js';
import type { WorkerRecord, StopReason } from './worker-record.js';
import { WorkerPool } from './worker-pool.js';
import { clusterPorts, type ForkedWorker, type MasterPorts } from './process-ports.js';
import { DisposerStack } from './disposer-stack.js';
import { RespawnBackoff } from './respawn-backoff.js';
import { StopDeadline, isBootOverdue, isForkFailure } from './fork-failure.js';
import { CodeWatcher } from './code-watcher.js';
import { parseAppSpec } from '../app/index.js';
import { ControlServer } from './control-server.js';
import { runControlCommand, type EffectiveConfig, type MasterControl } from './control-commands.js';
import { describePool, describeWorkers } from './control-views.js';
import { listenQueues } from './listen-queues.js';
import { PoolMetrics } from './metrics-pool.js';
import type { MetricsServer } from './metrics-server.js';
import { controlSocketPath } from '../control/socket-path.js';
import type { MasterStatus, PoolStatsView, WorkerSnapshot } from '../control/protocol.js';
import { dirname, resolve } from 'node:path';
import { checkApp, checkAppFile } from '../app/check-app.js';
import { SystemdNotifier, type PoolState } from './systemd-notify.js';
import { handOverLogFiles, handOverPaths, resolveWorkerIdentity } from './worker-identity.js';
import { checkReusePort, reusePortBinds } from './reuse-port.js';
import type { ReusePortBind, WorkerIdentity } from '../ipc/messages.js';
import { DirtyPool } from '../dirty/pool.js';

export type MasterCommand = 'TERM' | 'INT' | 'QUIT' | 'HUP' | 'TTIN' | 'TTOU' | 'USR1' | 'USR2' | 'CHLD';

const SIGNALS: Readonly<Record<MasterCommand, NodeJS.Signals | undefined>> = {
  TERM: 'SIGTERM',
  INT: 'SIGINT',
  QUIT: 'SIGQUIT',
  HUP: 'SIGHUP',
  TTIN: 'SIGTTIN',
  TTOU: 'SIGTTOU',
  USR1: 'SIGUSR1',
  USR2: 'SIGUSR2',
  CHLD: undefined,
};

/** How often the loop wakes with nothing queued, to check timeouts. */
const TICK_MS = 1000;
/** After SIGABRT to a hung worker, how long before SIGKILL. */
const ABORT_GRACE_MS = 1000;

export interface MasterOptions {
  readonly config: ResolvedConfig;
  readonly log: Logger;
  readonly logFiles: LogFiles;
  readonly version: string;
  /** The CLI installs process signal handlers; an embedding service keeps its own. */
  readonly handleSignals: boolean;
  /** Re-reads the configuration on reload (HUP); without it the current one is reused. */
  readonly reloadConfig?: () => Promise<ResolvedConfig>;
  /** Fork, kill and clock; node:cluster, process.kill and Date.now unless a test injects fakes. */
  readonly ports?: MasterPorts;
}

export interface MasterEvents {
  'worker:ready': [info: { pid: number; age: number }];
  'worker:exit': [info: { pid: number; age: number; code: number | null; signal: string | null }];
}

export class Master extends EventEmitter<MasterEvents> implements MasterControl {
  readonly #log: Logger;
  readonly #logFiles: LogFiles;
  readonly #version: string;
  readonly #handleSignals: boolean;
  readonly #reloadConfig: (() => Promise<ResolvedConfig>) | undefined;
  readonly #ports: MasterPorts;
  #config: ResolvedConfig;
  #listeners: Listener[] = [];
  #pidfile: PidFile | undefined;
  readonly #workers = new WorkerPool();
  /** Everything start() opened, closed newest first by #finish (or by start() when it fails). */
  readonly #resources = new DisposerStack();
  /** The control socket and metrics server: closed and reopened around a USR2 hand-over. */
  readonly #controlResources = new DisposerStack();
  readonly #queue: MasterCommand[] = [];
  #wake: (() => void) | undefined;
  #target: number;
  #stopping: { graceful: boolean } | undefined;
  #exitCode: number = EXIT.OK;
  #haltError: TsgunError | undefined;
  readonly #backoff = new RespawnBackoff();
  /** TERM/INT always end the master: --graceful-timeout plus a margin (master/fork-failure.ts). */
  readonly #stopDeadline = new StopDeadline();
  readonly #signalHandlers = new Map<NodeJS.Signals, () => void>();
  readonly #ready: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (err: Error) => void;
  #isReady = false;
  #done: Promise<number> | undefined;
  // Control socket and metrics (control-*.ts, metrics-*.ts): fed by heartbeats, read on request.
  readonly #startedAt: number;
  readonly #pool = new PoolMetrics();
  #control: ControlServer | undefined;
  #metrics: MetricsServer | undefined;
  #board: BalanceBoard | undefined;
  /** USR2: the new master we started, until it takes over (TERMs us) or fails. */
  #successor: ChildProcess | undefined;
  /** Started by USR2: the old master to TERM once our workers are ready. */
  #predecessor: number | undefined;
  // ── Production process settings (issue 14): --user/--group, --reuse-port, systemd notify ──
  #identity: WorkerIdentity | undefined;
  #reusePort: ReusePortBind[] | undefined;
  #notify: SystemdNotifier | undefined;
  /** Dirty workers (src/dirty/): a pool of their own under a dirty arbiter process. */
  #dirty: DirtyPool | undefined;

  constructor(options: MasterOptions) {
    super();
    this.#config = options.config;
    this.#log = options.log;
    this.#logFiles = options.logFiles;
    this.#version = options.version;
    this.#handleSignals = options.handleSignals;
    this.#reloadConfig = options.reloadConfig;
    this.#ports = options.ports ?? clusterPorts();
    this.#startedAt = this.#ports.now();
    this.#target = options.config.settings.workers;
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    // A caller that only awaits `done` must not see an unhandled rejection from `ready`.
    this.#ready.catch(() => undefined);
  }

  get addresses(): readonly ListenerAddress[] {
    return this.#listeners.map((l) => l.info);
  }

  /** Resolves once every initial worker is ready; rejects if they cannot boot. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  get workerPids(): number[] {
    return this.#workers.readyPids();
  }

  /** Resolves with the exit code once the master has stopped (after `start()`). */
  get done(): Promise<number> {
    if (!this.#done) throw new Error('Master.start() has not been called');
    return this.#done;
  }

  /** Opens the sockets (failing fast), writes the pid file, starts the loop; see `ready` and `done`. */
  async start(): Promise<void> {
    assertNodeInternals(); // fail loudly, before any socket, if this Node reshaped what we reach into
    const { settings } = this.#config;
    await runHook(this.#hooks, 'onStarting', this.#log, this.#view());
    // --preload: load the app once here so a broken app fails before anything is forked.
    if (settings.preloadApp) await checkApp(this.#config);
    else checkAppFile(this.#config); // a missing file fails here, before anything is forked
    this.#identity = resolveWorkerIdentity(settings);
    const reexec = takeReexecEnv(process.env);
    const inherited = reexec ? reexec.binds.map((_, i) => `fd://${3 + i}`) : inheritedBinds(process.env, process.pid);
    if (settings.reusePort) checkReusePort(inherited && !reexec ? inherited : settings.bind);
    // sd_listen_fds(unset_environment=1): workers and their children must not see them.
    delete process.env['LISTEN_FDS'];
    delete process.env['LISTEN_PID'];
    delete process.env['LISTEN_FDNAMES'];
    this.#listeners = await openListeners(inherited ?? settings.bind, { umask: settings.umask });
    // After a USR2 hand-over the sockets (and their files) belong to the new master. Not even
    // close them: libuv unlinks a unix socket's path when the handle that bound it closes.
    this.#resources.defer('listeners', () => {
      if (!this.#handedOver) closeListeners(this.#listeners);
    });
    if (reexec && inherited) {
      this.#listeners = renameInherited(this.#listeners, reexec.binds);
      this.#predecessor = reexec.parentPid;
    }
    try {
      // Before any HTTP worker: they inherit its socket path; a dirty app that cannot load halts here (exit 3).
      const dirty = await DirtyPool.start(settings, this.#log, () => this.#wake?.());
      if (dirty) {
        this.#dirty = dirty;
        this.#resources.defer('dirty', () => dirty.kill()); // a no-op kill once it has exited; removes its socket dir
      }
      this.#openResources();
      if (this.#identity) {
        handOverLogFiles([settings.errorLogfile, settings.accessLogfile ?? '-'], this.#identity);
        handOverPaths(
          this.#listeners.flatMap((l) => l.ownedPath ?? []),
          this.#identity,
        );
      }
      await this.#openControl();
      this.#openLoopResources();
    } catch (err) {
      this.#closeResources();
      throw err;
    }
    this.#done = this.#loop();
  }

  /** After the listeners: the pid file, the start log lines, and the slot the control resources close from. */
  #openResources(): void {
    const { settings } = this.#config;
    if (settings.pidfile) {
      const pidfile = new PidFile(settings.pidfile);
      const replaced = pidfile.write(process.pid);
      if (replaced !== undefined) this.#log.warn({ pidfile: settings.pidfile }, `Untrusted pid file: ${replaced}`);
      this.#pidfile = pidfile;
      this.#resources.defer('pidfile', () => pidfile.remove(process.pid));
    }
    this.#log.info(
      {
        version: this.#version,
        node: process.version,
        binds: this.#listeners.map((l) => l.info.url),
        workerClass: settings.workerClass,
        workers: this.#target,
      },
      `Starting tsgun ${this.#version}`,
    );
    for (const l of this.#listeners) this.#log.info({ url: l.info.url }, `Listening at: ${l.info.url}`);
    const accept = workerClassFor(settings.workerClass).acceptPath();
    this.#log.info({ workerClass: settings.workerClass, ...accept }, `Accept path: ${accept.acceptPath}`);
    this.#resources.defer('control', () => this.#controlResources.dispose());
  }

  /** After the control socket: the balance board, signal handlers and the code watcher. */
  #openLoopResources(): void {
    const { settings } = this.#config;
    try {
      // Private verified directory, exclusive create, no links followed (master/board-location.ts).
      const placed = placeBoard(process.env, process.pid, this.#log);
      const board = placed.board;
      this.#board = board;
      this.#resources.defer('board', placed.close);
      if (this.#identity && board) handOverPaths([board.path], this.#identity);
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, 'Cannot create the balance board: async workers accept without balancing');
    }
    if (settings.reusePort) this.#reusePort = reusePortBinds(this.#listeners);
    const notify = SystemdNotifier.fromEnv(process.env, this.#log);
    if (notify) {
      this.#notify = notify;
      this.#resources.defer('notify', () => notify.close());
    }
    if (this.#handleSignals) {
      this.#installSignals();
      this.#resources.defer('signals', () => this.#removeSignals());
    }
    if (settings.reload && this.#config.app) {
      const dir = dirname(resolve(parseAppSpec(this.#config.app).module));
      const watcher = new CodeWatcher(dir, (file) => {
        this.#log.info({ file }, 'Source changed: reloading workers');
        this.command('HUP');
      });
      this.#resources.defer('code-watcher', () => watcher.close());
    }
  }

  #closeResources(): void {
    this.#resources.dispose((name, err) => this.#log.warn({ resource: name, err: errorMessage(err) }, 'Cannot close a resource'));
  }

  /** Queue a command, as a signal would. */
  command(cmd: MasterCommand): void {
    this.#queue.push(cmd);
    this.#wake?.();
  }

  /** Set the worker count (TTIN/TTOU do ±1). */
  scale(n: number): void {
    const next = Math.max(1, Math.floor(n));
    const old = this.#target;
    if (next === old) return;
    this.#target = next;
    this.#log.info({ from: old, to: next }, `Scaling workers from ${old} to ${next}`);
    this.#notify?.status(this.#poolState());
    void runHook(this.#hooks, 'nworkersChanged', this.#log, this.#view(), next, old);
    this.#wake?.();
  }

  get #hooks(): Hooks {
    return this.#config.hooks;
  }

  #view(): MasterView {
    return {
      pid: process.pid,
      settings: this.#config.settings,
      log: this.#log,
      workerCount: this.#target,
    };
  }

  #workerView(record: WorkerRecord | undefined, age: number): WorkerView {
    return { pid: record?.pid ?? 0, id: record?.worker.id ?? 0, age, settings: this.#config.settings, log: this.#log };
  }

  #installSignals(): void {
    for (const [cmd, signal] of Object.entries(SIGNALS) as [MasterCommand, NodeJS.Signals | undefined][]) {
      if (!signal) continue;
      const handler = (): void => this.command(cmd);
      this.#signalHandlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  #removeSignals(): void {
    for (const [signal, handler] of this.#signalHandlers) process.off(signal, handler);
    this.#signalHandlers.clear();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #loop(): Promise<number> {
    this.#manage();
    for (;;) {
      const cmd = this.#queue.shift();
      if (cmd) await this.#handle(cmd);
      this.#reap();
      this.#enforceDeadlines();
      if (this.#stopping) {
        const overdue = this.#stopDeadline.overdue(this.#workers.alive(), this.#log, (r) => this.#kill(r, 'SIGKILL'), this.#ports.now());
        if ((this.#workers.aliveCount() === 0 && !this.#dirty?.alive) || overdue) break;
      } else {
        this.#murderHung();
        this.#manage();
      }
      if (this.#queue.length === 0) await this.#sleep(Math.min(TICK_MS, this.#backoff.msUntilAllowed(this.#ports.now())) || TICK_MS);
    }
    return this.#finish();
  }

  async #handle(cmd: MasterCommand): Promise<void> {
    switch (cmd) {
      case 'TERM':
        this.#log.info({ signal: 'SIGTERM' }, 'Handling signal: term');
        this.#beginStop(true);
        return;
      case 'INT':
      case 'QUIT':
        this.#log.info({ signal: SIGNALS[cmd] }, `Handling signal: ${cmd.toLowerCase()}`);
        this.#beginStop(false);
        return;
      case 'HUP':
        this.#log.info({ signal: 'SIGHUP' }, 'Handling signal: hup');
        await this.#reload();
        return;
      case 'TTIN':
        this.scale(this.#target + 1);
        return;
      case 'TTOU':
        this.scale(this.#target - 1);
        return;
      case 'USR1':
        this.#log.info({ signal: 'SIGUSR1' }, 'Reopening log files');
        this.#logFiles.reopen();
        this.#handOverLogsAgain();
        for (const r of this.#workers.alive()) this.#send(r, { tsgun: 'reopen-logs' });
        return;
      case 'USR2':
        this.#log.info({ signal: 'SIGUSR2' }, 'Handling signal: usr2');
        this.#reexec();
        return;
      case 'CHLD':
        return; // reaping happens every turn of the loop
    }
  }

  /** A USR2 successor is running: it owns the sockets now (it TERMs us once ready). */
  get #handedOver(): boolean {
    return this.#successor !== undefined && this.#successor.exitCode === null;
  }

  /** USR2: start a new master on the same sockets; it TERMs us once its workers are ready. */
  #reexec(): void {
    if (this.#stopping || !this.#handleSignals) return;
    if (this.#successor) {
      this.#log.warn({ successorPid: this.#successor.pid }, 'A new master is already starting: USR2 ignored');
      return;
    }
    const pidfile = this.#pidfile;
    const pidPath = pidfile?.path;
    pidfile?.rename(`${pidfile.path}.oldbin`);
    // The control socket and metrics port are bound by address: hand them over too.
    this.#controlResources.dispose();
    const child = reexecMaster(this.#listeners);
    this.#successor = child;
    this.#log.info({ successorPid: child.pid }, `Re-executing: new master pid ${child.pid}; this one serves until it is ready`);
    const failed = (why: string): void => {
      if (this.#successor !== child) return;
      this.#successor = undefined;
      if (pidfile && pidPath) pidfile.rename(pidPath);
      this.#log.error({ successorPid: child.pid, why }, 'New master failed before taking over; this master keeps serving');
      void this.#openControl().catch((err: unknown) =>
        this.#log.error({ err: errorMessage(err) }, 'Cannot reopen the control socket or metrics port'),
      );
    };
    child.once('error', (err) => failed(errorMessage(err)));
    child.once('exit', (code, signal) => {
      if (!this.#stopping) failed(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
  }

  #spawn(): void {
    const age = this.#workers.nextAge();
    void runHook(this.#hooks, 'preFork', this.#log, this.#view(), this.#workerView(undefined, age));
    const boot: WorkerBoot = {
      app: this.#config.app ?? '',
      settings: this.#config.settings,
      configFile: this.#config.configFile,
      age,
      listenerCount: this.#listeners.length,
      board: this.#board ? { path: this.#board.path, slot: this.#workers.freeSlot() } : undefined,
      identity: this.#identity,
      reusePort: this.#reusePort,
    };
    const env: Record<string, string> = { [WORKER_BOOT_ENV]: JSON.stringify(boot) };
    Object.assign(env, workerClassFor(this.#config.settings.workerClass).forkEnv());
    let worker: ForkedWorker;
    try {
      worker = this.#ports.fork(env);
    } catch (err) {
      // Most fork errors are reported as an 'error' event (below); others throw.
      this.#onForkFailure(age, errorMessage(err));
      return;
    }
    const record = this.#workers.add(worker, age, boot.board?.slot ?? -1, this.#ports.now());
    if (record.pid !== 0) this.#log.info({ worker: age, workerPid: record.pid }, `Booting worker with pid: ${record.pid}`);
    void runHook(this.#hooks, 'postFork', this.#log, this.#view(), this.#workerView(record, age));
    // Strictly decoded; invalid ones are logged and dropped (master/worker-inbox.ts).
    worker.on(
      'message',
      workerInbox(record, this.#log, (msg) => this.#onMessage(record, msg)),
    );
    worker.on('error', (err) => {
      if (isForkFailure(worker) && record.alive) {
        // No process was created: no 'exit' will ever come. Reap the record now (master/fork-failure.ts).
        this.#workers.markForkFailed(record, errorMessage(err));
        this.command('CHLD');
        return;
      }
      this.#log.debug({ worker: age, err }, 'worker IPC error');
    });
    worker.on('exit', (code, signal) => {
      this.#workers.markExited(record, code, signal);
      this.command('CHLD');
    });
  }

  #onMessage(record: WorkerRecord, msg: WorkerMessage): void {
    switch (msg.tsgun) {
      case 'want-listeners':
        if (this.#stopping) return; // closed: the worker is being stopped anyway
        for (const [index, l] of this.#listeners.entries()) this.#send(record, { tsgun: 'listener', index, bind: l.info.bind }, l.handle);
        return;
      case 'want-listener': {
        const l = this.#listeners[msg.index];
        this.#log.debug({ worker: record.age, index: msg.index }, 'Spare listener requested');
        if (l && record.state !== 'stopping') this.#send(record, { tsgun: 'listener', index: msg.index, bind: l.info.bind }, l.handle);
        return;
      }
      case 'ready':
        if (!this.#workers.markReady(record, this.#ports.now())) return;
        this.#log.info({ worker: record.age, workerPid: record.pid }, 'Worker ready');
        this.emit('worker:ready', { pid: record.pid, age: record.age });
        this.#checkReady();
        return;
      case 'boot-error':
        record.bootFailure = { kind: msg.kind, message: msg.message, stack: msg.stack };
        return;
      case 'heartbeat': {
        this.#workers.heard(record, { busy: msg.busy, requests: msg.requests, rss: msg.stats?.rss }, this.#ports.now());
        this.#pool.heartbeat(record.pid, msg);
        const limitMb = this.#config.settings.maxWorkerMemory;
        if (limitMb > 0 && record.rss > limitMb * 1024 * 1024) this.#retire(record, 'memory');
        return;
      }
      case 'retire':
        this.#retire(record, msg.reason);
        return;
    }
  }

  #send(record: WorkerRecord, msg: object, handle?: unknown): void {
    if (!record.alive || !record.worker.isConnected()) return;
    try {
      (record.worker.send as (m: object, h?: unknown) => boolean)(msg, handle);
    } catch (err) {
      this.#log.debug({ worker: record.age, err }, 'cannot send to worker');
    }
  }

  /**
   * Recycling (max-requests, max-worker-memory): the worker keeps serving while `#manage`
   * starts its replacement; `#checkReady` stops it once the replacement is ready.
   */
  #retire(record: WorkerRecord, reason: RetireReason): void {
    if (this.#stopping || !this.#workers.retire(record, reason)) return;
    const detail = {
      worker: record.age,
      workerPid: record.pid,
      reason,
      requests: record.requests,
      rssMb: Math.round(record.rss / 1048576),
    };
    if (reason === 'memory') this.#log.warn(detail, `Worker (pid:${record.pid}) is over --max-worker-memory: replacing it`);
    else this.#log.info(detail, `Worker (pid:${record.pid}) reached --max-requests: replacing it`);
    this.#manage();
  }

  /**
   * Startup: every worker ready. Reload: the new generation ready → stop the old one.
   * Recycling: replacements ready → stop the retiring.
   */
  #checkReady(): void {
    const readyCount = this.#workers.readyCount();
    if (readyCount < this.#target) return;
    const current = this.#workers.buildingWorkers();
    for (const r of this.#workers.replaced()) if (r.retiring) this.#stopWorker(r, true, r.retiring);
    const outdated = this.#workers.completeReload();
    if (outdated) {
      for (const r of outdated) this.#stopWorker(r, true, 'reload');
      this.#log.info({ generation: this.#workers.servingGeneration }, 'Reload complete: new workers ready, old workers stopping');
      if (this.#isReady) this.#notify?.ready(this.#poolState());
    }
    if (!this.#isReady) {
      this.#isReady = true;
      this.#log.info({ workers: readyCount, pids: current.map((r) => r.pid) }, `Ready: ${readyCount} worker(s) serving`);
      this.#resolveReady();
      this.#notify?.ready(this.#poolState());
      void runHook(this.#hooks, 'whenReady', this.#log, this.#view());
      if (this.#predecessor !== undefined) this.#retirePredecessor(this.#predecessor);
    }
  }

  /** USR2 hand-over: our workers serve now, so the old master may stop gracefully. */
  #retirePredecessor(pid: number): void {
    this.#predecessor = undefined;
    try {
      this.#ports.kill(pid, 'SIGTERM');
      this.#log.info({ oldMasterPid: pid }, 'Took over from the old master: sent it TERM');
    } catch {
      // It is gone already.
    }
  }

  async #reload(): Promise<void> {
    if (this.#stopping) return;
    if (this.#reloadConfig) {
      try {
        const next = await this.#reloadConfig();
        if (next.settings.bind.join() !== this.#config.settings.bind.join()) {
          this.#log.warn('bind changed in the configuration: a reload keeps the current sockets; restart to rebind');
        }
        this.#config = next;
        this.#target = next.settings.workers;
      } catch (err) {
        this.#log.error({ err: errorMessage(err) }, 'Reload aborted: the configuration cannot be loaded; old workers keep serving');
        return;
      }
    }
    await runHook(this.#hooks, 'onReload', this.#log, this.#view());
    this.#dirty?.reload(this.#config.settings);
    // A reload in progress is superseded: its workers stop, a fresh generation starts.
    const { generation, superseded } = this.#workers.beginReload();
    for (const r of superseded) this.#stopWorker(r, false, 'reload');
    this.#notify?.reloading(this.#poolState());
    this.#log.info({ generation, workers: this.#target }, 'Reloading: starting new workers');
    this.#manage();
  }

  /** Handle workers that have exited since the last turn. */
  #reap(): void {
    for (const r of this.#workers.reap()) {
      this.#board?.vacate(r.slot);
      if (r.forkError !== undefined) {
        this.#onForkFailure(r.age, r.forkError);
        continue;
      }
      this.#pool.exited(r.pid, r.stopReason ?? 'crash');
      const info = { worker: r.age, workerPid: r.pid, code: r.exitCode, signal: r.exitSignal, requests: r.requests };
      this.emit('worker:exit', { pid: r.pid, age: r.age, code: r.exitCode, signal: r.exitSignal });
      void runHook(this.#hooks, 'childExit', this.#log, this.#view(), this.#workerView(r, r.age));
      if (r.stopReason) {
        this.#log.info({ ...info, reason: r.stopReason }, `Worker exiting (pid: ${r.pid})`);
        continue;
      }
      const bootFailed =
        r.readyAt === undefined && (r.bootTimedOut || r.exitCode === WORKER_EXIT.APP_LOAD_ERROR || r.exitCode === WORKER_EXIT.BOOT_ERROR);
      if (bootFailed) {
        this.#onBootFailure(r);
        continue;
      }
      this.#backoff.crashed(r.readyAt, this.#ports.now());
      const crash = { ...info, respawnInMs: this.#backoff.msUntilAllowed(this.#ports.now()), crashStreak: this.#backoff.streak };
      this.#log.error(
        crash,
        r.exitSignal ? `Worker (pid:${r.pid}) was sent ${r.exitSignal}!` : `Worker (pid:${r.pid}) exited with code ${r.exitCode}`,
      );
    }
  }

  #onBootFailure(r: WorkerRecord): void {
    const failure = r.bootFailure ?? { kind: 'app-load', message: `worker exited with code ${r.exitCode} before it was ready` };
    const appLoad = r.exitCode === WORKER_EXIT.APP_LOAD_ERROR;
    const what = appLoad ? 'App failed to load' : 'Worker failed to boot';
    if (this.#workers.isReloadWorker(r)) {
      // A broken deploy must not take the site down: abandon the reload, keep the old workers.
      this.#log.error(
        { worker: r.age, workerPid: r.pid, error: failure.message, stack: failure.stack },
        `${what} during reload; old workers keep serving`,
      );
      for (const other of this.#workers.abandonReload()) this.#stopWorker(other, false, 'reload');
      this.#notify?.ready(this.#poolState()); // the old generation still serves: the reload is over
      return;
    }
    if (this.#isReady || this.#workers.generationServed(r.generation)) {
      // The app loaded before (a dependency that fails now and then): keep serving, retry slowly.
      this.#log.error({ worker: r.age, workerPid: r.pid, error: failure.message }, `${what}; retrying with backoff`);
      this.#backoff.crashed(undefined, this.#ports.now());
      return;
    }
    // Nothing ever booted: halt with the app's error instead of a respawn loop (gunicorn's halt).
    const isListen = failure.kind === 'listen';
    const code = isListen ? 'TSGUN_ERR_BIND' : appLoad ? 'TSGUN_ERR_APP_LOAD' : 'TSGUN_ERR_WORKER_BOOT';
    // The worker's text may carry the same "Application failed to load: " the error adds again.
    const detail = withoutCodePrefix(code, failure.message);
    this.#log.fatal({ worker: r.age, workerPid: r.pid, error: failure.message, stack: failure.stack }, `${what}: ${detail}`);
    this.#haltError = new TsgunError(code, detail);
    this.#exitCode = isListen ? EXIT.ERROR : EXIT.BOOT;
    this.#rejectReady(this.#haltError);
    this.#beginStop(false);
  }

  #beginStop(graceful: boolean): void {
    if (this.#stopping && (graceful || !this.#stopping.graceful)) return;
    if (!this.#stopping) this.#notify?.stopping();
    this.#stopping = { graceful };
    this.#stopDeadline.begin(this.#config.settings.gracefulTimeout * 1000);
    // As gunicorn's arbiter does: close the listening sockets first, so new connections are
    // refused at once (a proxy retries them on another instance, even a POST) instead of
    // waiting in a backlog that no worker will accept from, to be reset when we exit.
    // Unix socket files are removed at exit; an inherited (systemd) socket lives on in systemd.
    // After a USR2 hand-over the sockets belong to the new master: leave them open.
    if (!this.#handedOver) closeListeners(this.#listeners, { keepPaths: true });
    this.#dirty?.stop(graceful);
    for (const r of this.#workers.toStop(graceful)) this.#stopWorker(r, graceful, this.#haltError ? 'halt' : 'shutdown');
    if (!this.#isReady && !this.#haltError)
      this.#rejectReady(new TsgunError('TSGUN_ERR_ALREADY_CLOSED', 'stopped before workers were ready'));
  }

  #stopWorker(r: WorkerRecord, graceful: boolean, reason: StopReason): void {
    // A booting worker may not be listening for IPC yet (a message would be lost); a signal is
    // never lost: before its handlers exist the default action ends it, after them it stops.
    const graceMs = graceful ? this.#config.settings.gracefulTimeout * 1000 : Math.min(this.#config.settings.gracefulTimeout * 1000, 5000);
    const booting = this.#workers.markStopping(r, reason, this.#ports.now() + graceMs) === 'booting';
    if (booting) this.#kill(r, 'SIGTERM');
    else if (r.worker.isConnected()) this.#send(r, { tsgun: 'stop', graceful });
    else this.#kill(r, graceful ? 'SIGTERM' : 'SIGQUIT');
  }

  #kill(r: WorkerRecord, signal: NodeJS.Signals): void {
    try {
      if (r.pid) this.#ports.kill(r.pid, signal);
    } catch {
      // Already gone; reaping will notice.
    }
  }

  /** Stopping workers past their graceful deadline are killed. */
  #enforceDeadlines(): void {
    for (const r of this.#workers.overdue(this.#ports.now())) {
      this.#log.warn({ worker: r.age, workerPid: r.pid, reason: r.stopReason }, 'Worker did not stop in time: SIGKILL');
      this.#workers.clearDeadline(r);
      this.#kill(r, 'SIGKILL');
    }
  }

  /** Workers whose heartbeat stopped (blocked loop) or whose sync request ran too long. */
  #murderHung(): void {
    const timeoutMs = this.#config.settings.timeout * 1000;
    if (timeoutMs <= 0) return;
    const now = this.#ports.now();
    const workerClass = workerClassFor(this.#config.settings.workerClass);
    for (const r of this.#workers.alive()) if (isBootOverdue(r, timeoutMs, now)) this.#killBootOverdue(r, timeoutMs);
    for (const r of this.#workers.serving()) {
      const silentFor = now - r.lastHeartbeat;
      const busyFor = r.busy ? now - r.busy.since : 0;
      if (!workerClass.timedOut({ silentMs: silentFor, busyMs: busyFor, timeoutMs })) continue;
      const request = r.busy ? { method: r.busy.method, url: r.busy.url, elapsedMs: now - r.busy.since } : undefined;
      this.#log.error({ worker: r.age, workerPid: r.pid, request, silentMs: silentFor }, `WORKER TIMEOUT (pid:${r.pid})`);
      this.#workers.markStopping(r, 'timeout', now + ABORT_GRACE_MS);
      this.#kill(r, 'SIGABRT');
    }
  }

  /** fork() failed: nothing to reap; log it and retry with the crash backoff. */
  #onForkFailure(age: number, message: string): void {
    this.#pool.exited(0, 'fork-error');
    const now = this.#ports.now();
    this.#backoff.crashed(undefined, now);
    const detail = { worker: age, err: message, respawnInMs: this.#backoff.msUntilAllowed(now), crashStreak: this.#backoff.streak };
    this.#log.error(detail, `Cannot fork a worker: ${message}; retrying with backoff`);
  }

  /** A worker that never became ready (an app that never finishes loading) is a boot failure. */
  #killBootOverdue(r: WorkerRecord, timeoutMs: number): void {
    const message = `worker did not become ready within --timeout ${timeoutMs / 1000} s`;
    this.#log.error({ worker: r.age, workerPid: r.pid, timeoutMs }, `Worker (pid:${r.pid}) ${message}: SIGKILL`);
    this.#workers.markBootTimedOut(r, { kind: 'boot-timeout', message });
    this.#kill(r, 'SIGKILL');
  }

  /** Top the current generation up to the target; retire extras, oldest first. */
  #manage(): void {
    if (this.#stopping) return;
    const missing = this.#workers.shortfall(this.#target);
    if (missing > 0) {
      if (this.#backoff.msUntilAllowed(this.#ports.now()) > 0) return;
      for (let i = 0; i < missing; i++) this.#spawn();
      return;
    }
    for (const r of this.#workers.surplus(this.#target)) this.#stopWorker(r, true, 'scale-down');
    this.#checkReady();
  }

  async #finish(): Promise<number> {
    this.#closeResources();
    await runHook(this.#hooks, 'onExit', this.#log, this.#view());
    this.#log.info({ code: this.#exitCode }, 'Shutting down: Master');
    this.#logFiles.flush();
    return this.#exitCode;
  }

  // ── Production process settings (issue 14) ─────────────────────────────────────────────────

  #poolState(): PoolState {
    return { ready: this.#workers.servingReadyCount(), target: this.#target, generation: this.#workers.building };
  }

  /** USR1 after logrotate: the master just recreated the files as root; workers reopen them as --user. */
  #handOverLogsAgain(): void {
    if (!this.#identity) return;
    const { settings } = this.#config;
    try {
      handOverLogFiles([settings.errorLogfile, settings.accessLogfile ?? '-'], this.#identity);
    } catch (err) {
      this.#log.error({ err: errorMessage(err) }, "Cannot hand the reopened log files to the workers' user");
    }
  }

  // ── Control socket and metrics ────────────────────────────────────────────────────────────

  /** Opens the control socket and the metrics server into #controlResources; on failure closes what it opened. */
  async #openControl(): Promise<void> {
    const { settings } = this.#config;
    try {
      if (!settings.noControlSocket) {
        const path = controlSocketPath(settings, process.pid, process.env);
        const control = await ControlServer.open(path, async (req) => runControlCommand(this, req), this.#log);
        this.#control = control;
        this.#controlResources.defer('control-socket', () => {
          control.close();
          this.#control = undefined;
        });
        this.#log.info({ path }, `Control socket at: ${path}`);
      }
      if (settings.metricsBind !== null) {
        // prom-client is loaded only when metrics are on (it is most of an idle master's memory otherwise).
        const [{ MetricsServer }, { MetricsExposition }] = await Promise.all([
          import('./metrics-server.js'),
          import('./metrics-exposition.js'),
        ]);
        const metrics = await MetricsServer.open(settings.metricsBind, new MetricsExposition(this), this.#log);
        this.#metrics = metrics;
        this.#controlResources.defer('metrics-server', () => {
          metrics.close();
          this.#metrics = undefined;
        });
        this.#log.info({ url: metrics.url }, `Metrics at: ${metrics.url}`);
      }
    } catch (err) {
      this.#controlResources.dispose();
      throw err;
    }
  }

  get pool(): PoolMetrics {
    return this.#pool;
  }

  status(): MasterStatus {
    const running = this.#workers.aliveCount();
    return {
      pid: process.pid,
      version: this.#version,
      node: process.version,
      startedAt: this.#startedAt,
      uptimeSeconds: (this.#ports.now() - this.#startedAt) / 1000,
      binds: this.#listeners.map((l) => l.info.url),
      workerClass: this.#config.settings.workerClass,
      workers: { target: this.#target, running },
      controlSocket: this.#control?.path ?? null,
      metricsUrl: this.#metrics?.url ?? null,
      listenBacklog: listenQueues(
        this.#listeners.map((l) => l.info.url),
        this.#config.settings.backlog,
      ), // kernel accept queues
    };
  }

  workerSnapshots(): WorkerSnapshot[] {
    return describeWorkers(this.#workers.alive(), this.#pool, this.#ports.now());
  }

  poolStats(): PoolStatsView {
    const uptimeS = (this.#ports.now() - this.#startedAt) / 1000;
    const { listenBacklog } = this.status();
    return describePool(this.#pool, this.workerSnapshots(), this.#target, uptimeS, listenBacklog, this.masterLogDropped());
  }

  masterLogDropped(): number {
    return this.#logFiles.dropped();
  }

  effectiveConfig(): EffectiveConfig {
    const hooks = Object.entries(this.#config.hooks)
      .filter(([, fn]) => fn !== undefined)
      .map(([name]) => name);
    return { app: this.#config.app, configFile: this.#config.configFile, settings: this.#config.settings, hooks };
  }

  /** Graceful stop of one worker (ctl kill); the loop replaces it. */
  killWorker(pid: number): boolean {
    const r = this.#workers.stoppable(pid);
    if (!r || this.#stopping) return false;
    this.#log.info({ worker: r.age, workerPid: pid }, `Stopping worker ${pid} (control socket)`);
    this.#stopWorker(r, true, 'killed');
    this.#wake?.();
    return true;
  }

  /** The dirty pool, when --dirty-workers is set (ctl dirty, /metrics). */
  get dirty(): DirtyPool | undefined {
    return this.#dirty;
  }

  /** The error that halted the master, if any (the CLI prints it and exits with its code). */
  get haltError(): TsgunError | undefined {
    return this.#haltError;
  }
}

export type { Worker };
