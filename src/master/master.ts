/**
 * The master (gunicorn's arbiter): holds the listening sockets, forks and supervises workers,
 * never serves a request. Signal handlers and worker events only enqueue a command; one loop
 * drains the queue, reaps dead workers, kills hung ones and tops the pool up.
 */
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { EXIT, WORKER_EXIT, TsgunError, errorMessage } from '../errors.js';
import { isWorkerMessage, WORKER_BOOT_ENV, type RetireReason, type WorkerBoot, type WorkerMessage } from '../ipc/messages.js';
import type { Hooks, ResolvedConfig, MasterView, WorkerView } from '../config/index.js';
import type { Logger, LogFiles } from '../log/logger.js';
import { runHook } from '../hooks/run-hook.js';
import { openListeners, closeListeners, inheritedBinds, renameInherited, type Listener, type ListenerAddress } from './listeners.js';
import { reexecMaster, takeReexecEnv } from './reexec.js';
import { BalanceBoard, BOARD_SLOTS } from '../ipc/balance-board.js';
import { tmpdir } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { PidFile } from './pidfile.js';
import { WorkerRecord, type StopReason } from './worker-record.js';
import { RespawnBackoff } from './respawn-backoff.js';
import { CodeWatcher } from './code-watcher.js';
import { checkApp } from '../app/check-app.js';
import { parseAppSpec } from '../app/index.js';
import { ControlServer } from './control-server.js';
import { runControlCommand, type EffectiveConfig, type MasterControl } from './control-commands.js';
import { describePool, describeWorkers } from './control-views.js';
import { PoolMetrics } from './metrics-pool.js';
import type { MetricsServer } from './metrics-server.js';
import { controlSocketPath } from '../control/socket-path.js';
import type { MasterStatus, PoolStatsView, WorkerSnapshot } from '../control/protocol.js';
import { dirname, join, resolve } from 'node:path';
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

const WORKER_ENTRY = fileURLToPath(new URL('../worker/main.js', import.meta.url));

export interface MasterOptions {
  readonly config: ResolvedConfig;
  readonly log: Logger;
  readonly logFiles: LogFiles;
  readonly version: string;
  /** The CLI installs process signal handlers; an embedding service keeps its own. */
  readonly handleSignals: boolean;
  /** Re-reads the configuration on reload (HUP); without it the current one is reused. */
  readonly reloadConfig?: () => Promise<ResolvedConfig>;
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
  #config: ResolvedConfig;
  #listeners: Listener[] = [];
  #pidfile: PidFile | undefined;
  readonly #workers = new Map<number, WorkerRecord>();
  readonly #queue: MasterCommand[] = [];
  #wake: (() => void) | undefined;
  #target: number;
  #age = 0;
  #generation = 0;
  /** Generation being started by a reload, until all its workers are ready. */
  #pendingGeneration: number | undefined;
  #stopping: { graceful: boolean } | undefined;
  #exitCode: number = EXIT.OK;
  #haltError: TsgunError | undefined;
  readonly #backoff = new RespawnBackoff();
  readonly #signalHandlers = new Map<NodeJS.Signals, () => void>();
  readonly #ready: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (err: Error) => void;
  #isReady = false;
  #done: Promise<number> | undefined;
  #codeWatcher: CodeWatcher | undefined;
  // Control socket and metrics (control-*.ts, metrics-*.ts): fed by heartbeats, read on request.
  readonly #startedAt = Date.now();
  readonly #pool = new PoolMetrics();
  #control: ControlServer | undefined;
  #metrics: MetricsServer | undefined;
  #board: BalanceBoard | undefined;
  /** USR2: the new master we started, until it takes over (TERMs us) or fails. */
  #successor: ChildProcess | undefined;
  /** Started by USR2: the old master to TERM once our workers are ready. */
  #predecessor: number | undefined;
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
    return [...this.#workers.values()].filter((r) => r.state === 'ready').map((r) => r.pid);
  }

  /** Resolves with the exit code once the master has stopped (after `start()`). */
  get done(): Promise<number> {
    if (!this.#done) throw new Error('Master.start() has not been called');
    return this.#done;
  }

  /** Opens the sockets (failing fast), writes the pid file, starts the loop; see `ready` and `done`. */
  async start(): Promise<void> {
    const { settings } = this.#config;
    await runHook(this.#hooks, 'onStarting', this.#log, this.#view());
    // --preload: load the app once here so a broken app fails before anything is forked.
    if (settings.preloadApp) await checkApp(this.#config);
    // Dirty pool first: HTTP workers inherit its socket path; a dirty app that cannot load halts here (exit 3).
    this.#dirty = await DirtyPool.start(settings, this.#log, () => this.#wake?.());
    const reexec = takeReexecEnv(process.env);
    const inherited = reexec ? reexec.binds.map((_, i) => `fd://${3 + i}`) : inheritedBinds(process.env, process.pid);
    // sd_listen_fds(unset_environment=1): workers and their children must not see them.
    delete process.env['LISTEN_FDS'];
    delete process.env['LISTEN_PID'];
    delete process.env['LISTEN_FDNAMES'];
    this.#listeners = await openListeners(inherited ?? settings.bind).catch((err: unknown) => {
      this.#dirty?.kill();
      throw err;
    });
    if (reexec && inherited) {
      this.#listeners = renameInherited(this.#listeners, reexec.binds);
      this.#predecessor = reexec.parentPid;
    }
    try {
      if (settings.pidfile) {
        this.#pidfile = new PidFile(settings.pidfile);
        this.#pidfile.write(process.pid);
      }
    } catch (err) {
      closeListeners(this.#listeners);
      this.#dirty?.kill();
      throw err;
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
    await this.#openControl();
    try {
      this.#board = BalanceBoard.create(join(tmpdir(), `tsgun-${process.pid}.board`));
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, 'Cannot create the balance board: async workers accept without balancing');
    }
    cluster.setupPrimary({ exec: WORKER_ENTRY, args: [], silent: false });
    if (this.#handleSignals) this.#installSignals();
    if (settings.reload && this.#config.app) {
      const dir = dirname(resolve(parseAppSpec(this.#config.app).module));
      this.#codeWatcher = new CodeWatcher(dir, (file) => {
        this.#log.info({ file }, 'Source changed: reloading workers');
        this.command('HUP');
      });
    }
    this.#done = this.#loop();
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
        if (this.#aliveCount() === 0 && !this.#dirty?.alive) break;
      } else {
        this.#murderHung();
        this.#manage();
      }
      if (this.#queue.length === 0) await this.#sleep(Math.min(TICK_MS, this.#backoff.msUntilAllowed()) || TICK_MS);
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
        for (const r of this.#workers.values()) this.#send(r, { tsgun: 'reopen-logs' });
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
    this.#control?.close();
    this.#metrics?.close();
    this.#control = undefined;
    this.#metrics = undefined;
    const child = reexecMaster(this.#listeners);
    this.#successor = child;
    this.#log.info({ successorPid: child.pid }, `Re-executing: new master pid ${child.pid}; this one serves until it is ready`);
    const failed = (why: string): void => {
      if (this.#successor !== child) return;
      this.#successor = undefined;
      if (pidfile && pidPath) pidfile.rename(pidPath);
      this.#log.error({ successorPid: child.pid, why }, 'New master failed before taking over; this master keeps serving');
      void this.#openControl({ keepListeners: true }).catch((err: unknown) =>
        this.#log.error({ err: errorMessage(err) }, 'Cannot reopen the control socket or metrics port'),
      );
    };
    child.once('error', (err) => failed(errorMessage(err)));
    child.once('exit', (code, signal) => {
      if (!this.#stopping) failed(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
  }

  #aliveCount(): number {
    let n = 0;
    for (const r of this.#workers.values()) if (r.alive) n++;
    return n;
  }

  #spawn(): void {
    const age = ++this.#age;
    const generation = this.#pendingGeneration ?? this.#generation;
    void runHook(this.#hooks, 'preFork', this.#log, this.#view(), this.#workerView(undefined, age));
    const boot: WorkerBoot = {
      app: this.#config.app ?? '',
      settings: this.#config.settings,
      configFile: this.#config.configFile,
      age,
      listenerCount: this.#listeners.length,
      board: this.#board ? { path: this.#board.path, slot: this.#freeSlot() } : undefined,
    };
    const env: Record<string, string> = { [WORKER_BOOT_ENV]: JSON.stringify(boot) };
    // libuv: after each accept, sleep a moment so a sibling can take the next pending connection
    // of a burst (async workers; their balance board then stops the loop). Sync workers end the
    // loop themselves after one accept (worker/accept-control.ts), so the sleep would only add
    // latency there.
    if (this.#config.settings.workerClass === 'async') env['UV_TCP_SINGLE_ACCEPT'] = '1';
    const worker = cluster.fork(env);
    const record = new WorkerRecord(worker, age, generation);
    record.slot = boot.board?.slot ?? -1;
    this.#workers.set(worker.id, record);
    this.#log.info({ worker: age, workerPid: record.pid }, `Booting worker with pid: ${record.pid}`);
    void runHook(this.#hooks, 'postFork', this.#log, this.#view(), this.#workerView(record, age));
    worker.on('message', (msg: unknown) => {
      if (isWorkerMessage(msg)) this.#onMessage(record, msg);
    });
    worker.on('error', (err) => this.#log.debug({ worker: age, err }, 'worker IPC error'));
    worker.on('exit', (code, signal) => {
      record.state = 'exited';
      record.exitCode = code;
      record.exitSignal = signal;
      this.command('CHLD');
    });
  }

  /** Lowest board slot no live worker holds. */
  #freeSlot(): number {
    const taken = new Set([...this.#workers.values()].map((r) => r.slot));
    for (let slot = 0; slot < BOARD_SLOTS; slot++) if (!taken.has(slot)) return slot;
    return -1;
  }

  #onMessage(record: WorkerRecord, msg: WorkerMessage): void {
    switch (msg.tsgun) {
      case 'want-listeners':
        if (this.#stopping) return; // closed: the worker is being stopped anyway
        this.#listeners.forEach((l, index) => this.#send(record, { tsgun: 'listener', index, bind: l.info.bind }, l.handle));
        return;
      case 'want-listener': {
        const l = this.#listeners[msg.index];
        if (l && record.state !== 'stopping') this.#send(record, { tsgun: 'listener', index: msg.index, bind: l.info.bind }, l.handle);
        return;
      }
      case 'ready':
        if (record.state !== 'booting') return;
        record.state = 'ready';
        record.readyAt = Date.now();
        record.lastHeartbeat = Date.now();
        this.#log.info({ worker: record.age, workerPid: record.pid }, 'Worker ready');
        this.emit('worker:ready', { pid: record.pid, age: record.age });
        this.#checkReady();
        return;
      case 'boot-error':
        record.bootFailure = { kind: msg.kind, message: msg.message, stack: msg.stack };
        return;
      case 'heartbeat': {
        record.lastHeartbeat = Date.now();
        record.busy = msg.busy;
        record.requests = msg.requests;
        this.#pool.heartbeat(record.pid, msg);
        record.rss = msg.stats?.rss ?? record.rss;
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
    if (record.retiring || record.state !== 'ready' || this.#stopping) return;
    record.retiring = reason;
    const detail = { worker: record.age, workerPid: record.pid, reason, requests: record.requests, rssMb: Math.round(record.rss / 1048576) };
    if (reason === 'memory') this.#log.warn(detail, `Worker (pid:${record.pid}) is over --max-worker-memory: replacing it`);
    else this.#log.info(detail, `Worker (pid:${record.pid}) reached --max-requests: replacing it`);
    this.#manage();
  }

  /** Startup: every worker ready. Reload: the new generation ready → stop the old one. Recycling: replacements ready → stop the retiring. */
  #checkReady(): void {
    const gen = this.#pendingGeneration ?? this.#generation;
    const current = [...this.#workers.values()].filter((r) => r.generation === gen && r.alive);
    const readyCount = current.filter((r) => r.state === 'ready' && !r.retiring).length;
    if (readyCount < this.#target) return;
    for (const r of current) if (r.retiring && r.state === 'ready') this.#stopWorker(r, true, r.retiring);
    if (this.#pendingGeneration !== undefined) {
      this.#generation = this.#pendingGeneration;
      this.#pendingGeneration = undefined;
      for (const r of this.#workers.values()) {
        if (r.generation !== this.#generation && r.alive && r.state !== 'stopping') this.#stopWorker(r, true, 'reload');
      }
      this.#log.info({ generation: this.#generation }, 'Reload complete: new workers ready, old workers stopping');
    }
    if (!this.#isReady) {
      this.#isReady = true;
      this.#log.info({ workers: readyCount, pids: current.map((r) => r.pid) }, `Ready: ${readyCount} worker(s) serving`);
      this.#resolveReady();
      void runHook(this.#hooks, 'whenReady', this.#log, this.#view());
      if (this.#predecessor !== undefined) this.#retirePredecessor(this.#predecessor);
    }
  }

  /** USR2 hand-over: our workers serve now, so the old master may stop gracefully. */
  #retirePredecessor(pid: number): void {
    this.#predecessor = undefined;
    try {
      process.kill(pid, 'SIGTERM');
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
    if (this.#pendingGeneration !== undefined) {
      for (const r of this.#workers.values()) if (r.generation === this.#pendingGeneration && r.alive) this.#stopWorker(r, false, 'reload');
    }
    this.#pendingGeneration = Math.max(this.#generation, this.#pendingGeneration ?? 0) + 1;
    this.#log.info({ generation: this.#pendingGeneration, workers: this.#target }, 'Reloading: starting new workers');
    this.#manage();
  }

  /** Handle workers that have exited since the last turn. */
  #reap(): void {
    for (const [id, r] of this.#workers) {
      if (r.state !== 'exited') continue;
      this.#workers.delete(id);
      this.#pool.exited(r.pid, r.stopReason ?? 'crash');
      this.#board?.vacate(r.slot);
      const info = { worker: r.age, workerPid: r.pid, code: r.exitCode, signal: r.exitSignal, requests: r.requests };
      this.emit('worker:exit', { pid: r.pid, age: r.age, code: r.exitCode, signal: r.exitSignal });
      void runHook(this.#hooks, 'childExit', this.#log, this.#view(), this.#workerView(r, r.age));
      if (r.stopReason) {
        this.#log.info({ ...info, reason: r.stopReason }, `Worker exiting (pid: ${r.pid})`);
        continue;
      }
      const bootFailed =
        r.readyAt === undefined && (r.exitCode === WORKER_EXIT.APP_LOAD_ERROR || r.exitCode === WORKER_EXIT.BOOT_ERROR);
      if (bootFailed) {
        this.#onBootFailure(r);
        continue;
      }
      this.#backoff.crashed(r.readyAt);
      const crash = { ...info, respawnInMs: this.#backoff.msUntilAllowed(), crashStreak: this.#backoff.streak };
      this.#log.error(crash, r.exitSignal ? `Worker (pid:${r.pid}) was sent ${r.exitSignal}!` : `Worker (pid:${r.pid}) exited with code ${r.exitCode}`);
    }
  }

  #onBootFailure(r: WorkerRecord): void {
    const failure = r.bootFailure ?? { kind: 'app-load', message: `worker exited with code ${r.exitCode} before it was ready` };
    const appLoad = r.exitCode === WORKER_EXIT.APP_LOAD_ERROR;
    const what = appLoad ? 'App failed to load' : 'Worker failed to boot';
    if (r.generation === this.#pendingGeneration) {
      // A broken deploy must not take the site down: abandon the reload, keep the old workers.
      this.#log.error({ worker: r.age, workerPid: r.pid, error: failure.message, stack: failure.stack }, `${what} during reload; old workers keep serving`);
      for (const other of this.#workers.values()) {
        if (other.generation === this.#pendingGeneration && other.alive) this.#stopWorker(other, false, 'reload');
      }
      this.#pendingGeneration = undefined;
      return;
    }
    const generationServed = [...this.#workers.values()].some((o) => o.generation === r.generation && o.readyAt !== undefined);
    if (this.#isReady || generationServed) {
      // The app loaded before (a dependency that fails now and then): keep serving, retry slowly.
      this.#log.error({ worker: r.age, workerPid: r.pid, error: failure.message }, `${what}; retrying with backoff`);
      this.#backoff.crashed(undefined);
      return;
    }
    // Nothing ever booted: halt with the app's error instead of a respawn loop (gunicorn's halt).
    this.#log.fatal({ worker: r.age, workerPid: r.pid, error: failure.message, stack: failure.stack }, `${what}: ${failure.message}`);
    const isListen = failure.kind === 'listen';
    this.#haltError = new TsgunError(isListen ? 'TSGUN_ERR_BIND' : appLoad ? 'TSGUN_ERR_APP_LOAD' : 'TSGUN_ERR_WORKER_BOOT', failure.message);
    this.#exitCode = isListen ? EXIT.ERROR : EXIT.BOOT;
    this.#rejectReady(this.#haltError);
    this.#beginStop(false);
  }

  #beginStop(graceful: boolean): void {
    if (this.#stopping && (graceful || !this.#stopping.graceful)) return;
    this.#stopping = { graceful };
    // As gunicorn's arbiter does: close the listening sockets first, so new connections are
    // refused at once (a proxy retries them on another instance, even a POST) instead of
    // waiting in a backlog that no worker will accept from, to be reset when we exit.
    // Unix socket files are removed at exit; an inherited (systemd) socket lives on in systemd.
    // After a USR2 hand-over the sockets belong to the new master: leave them open.
    if (!this.#handedOver) closeListeners(this.#listeners, { keepPaths: true });
    this.#dirty?.stop(graceful);
    for (const r of this.#workers.values()) {
      if (r.alive && (r.state !== 'stopping' || !graceful)) this.#stopWorker(r, graceful, this.#haltError ? 'halt' : 'shutdown');
    }
    if (!this.#isReady && !this.#haltError) this.#rejectReady(new TsgunError('TSGUN_ERR_ALREADY_CLOSED', 'stopped before workers were ready'));
  }

  #stopWorker(r: WorkerRecord, graceful: boolean, reason: StopReason): void {
    // A booting worker may not be listening for IPC yet (a message would be lost); a signal is
    // never lost: before its handlers exist the default action ends it, after them it stops.
    const booting = r.state === 'booting';
    r.state = 'stopping';
    r.stopReason = reason;
    const graceMs = graceful ? this.#config.settings.gracefulTimeout * 1000 : Math.min(this.#config.settings.gracefulTimeout * 1000, 5000);
    r.killAt = Date.now() + graceMs;
    if (booting) this.#kill(r, 'SIGTERM');
    else if (r.worker.isConnected()) this.#send(r, { tsgun: 'stop', graceful });
    else this.#kill(r, graceful ? 'SIGTERM' : 'SIGQUIT');
  }

  #kill(r: WorkerRecord, signal: NodeJS.Signals): void {
    try {
      if (r.pid) process.kill(r.pid, signal);
    } catch {
      // Already gone; reaping will notice.
    }
  }

  /** Stopping workers past their graceful deadline are killed. */
  #enforceDeadlines(): void {
    const now = Date.now();
    for (const r of this.#workers.values()) {
      if (r.alive && r.killAt !== undefined && now >= r.killAt) {
        this.#log.warn({ worker: r.age, workerPid: r.pid, reason: r.stopReason }, 'Worker did not stop in time: SIGKILL');
        r.killAt = undefined;
        this.#kill(r, 'SIGKILL');
      }
    }
  }

  /** Workers whose heartbeat stopped (blocked loop) or whose sync request ran too long. */
  #murderHung(): void {
    const timeoutMs = this.#config.settings.timeout * 1000;
    if (timeoutMs <= 0) return;
    const now = Date.now();
    const sync = this.#config.settings.workerClass === 'sync';
    for (const r of this.#workers.values()) {
      if (r.state !== 'ready') continue;
      const silentFor = now - r.lastHeartbeat;
      const busyFor = sync && r.busy ? now - r.busy.since : 0;
      if (silentFor <= timeoutMs && busyFor <= timeoutMs) continue;
      const request = r.busy ? { method: r.busy.method, url: r.busy.url, elapsedMs: now - r.busy.since } : undefined;
      this.#log.error({ worker: r.age, workerPid: r.pid, request, silentMs: silentFor }, `WORKER TIMEOUT (pid:${r.pid})`);
      r.state = 'stopping';
      r.stopReason = 'timeout';
      r.killAt = now + ABORT_GRACE_MS;
      this.#kill(r, 'SIGABRT');
    }
  }

  /** Top the current generation up to the target; retire extras, oldest first. */
  #manage(): void {
    if (this.#stopping) return;
    const gen = this.#pendingGeneration ?? this.#generation;
    const current = [...this.#workers.values()].filter((r) => r.generation === gen && r.state !== 'stopping' && r.alive && !r.retiring);
    if (current.length < this.#target) {
      if (this.#backoff.msUntilAllowed() > 0) return;
      for (let i = current.length; i < this.#target; i++) this.#spawn();
      return;
    }
    if (current.length > this.#target) {
      const extra = current.sort((a, b) => a.age - b.age).slice(0, current.length - this.#target);
      for (const r of extra) this.#stopWorker(r, true, 'scale-down');
    }
    this.#checkReady();
  }

  async #finish(): Promise<number> {
    this.#codeWatcher?.close();
    this.#control?.close();
    this.#metrics?.close();
    // After a USR2 hand-over the sockets (and their files) belong to the new master. Not even
    // close them: libuv unlinks a unix socket's path when the handle that bound it closes.
    if (!this.#handedOver) closeListeners(this.#listeners);
    this.#board?.close({ unlink: true });
    this.#dirty?.close();
    this.#pidfile?.remove(process.pid);
    this.#removeSignals();
    await runHook(this.#hooks, 'onExit', this.#log, this.#view());
    this.#log.info({ code: this.#exitCode }, 'Shutting down: Master');
    this.#logFiles.flush();
    return this.#exitCode;
  }

  // ── Control socket and metrics ────────────────────────────────────────────────────────────

  /** Opens the control socket and the metrics server; on failure undoes what start() opened. */
  async #openControl(options: { keepListeners?: boolean } = {}): Promise<void> {
    const { settings } = this.#config;
    try {
      if (!settings.noControlSocket) {
        const path = controlSocketPath(settings, process.pid, process.env);
        this.#control = await ControlServer.open(path, async (req) => runControlCommand(this, req), this.#log);
        this.#log.info({ path }, `Control socket at: ${path}`);
      }
      if (settings.metricsBind !== null) {
        // prom-client is loaded only when metrics are on (it is most of an idle master's memory otherwise).
        const [{ MetricsServer }, { MetricsExposition }] = await Promise.all([import('./metrics-server.js'), import('./metrics-exposition.js')]);
        this.#metrics = await MetricsServer.open(settings.metricsBind, new MetricsExposition(this), this.#log);
        this.#log.info({ url: this.#metrics.url }, `Metrics at: ${this.#metrics.url}`);
      }
    } catch (err) {
      this.#control?.close();
      if (options.keepListeners) throw err;
      this.#dirty?.kill();
      closeListeners(this.#listeners);
      this.#pidfile?.remove(process.pid);
      throw err;
    }
  }

  get pool(): PoolMetrics {
    return this.#pool;
  }

  status(): MasterStatus {
    let running = 0;
    for (const r of this.#workers.values()) if (r.alive) running++;
    return {
      pid: process.pid,
      version: this.#version,
      node: process.version,
      startedAt: this.#startedAt,
      uptimeSeconds: (Date.now() - this.#startedAt) / 1000,
      binds: this.#listeners.map((l) => l.info.url),
      workerClass: this.#config.settings.workerClass,
      workers: { target: this.#target, running },
      controlSocket: this.#control?.path ?? null,
      metricsUrl: this.#metrics?.url ?? null,
    };
  }

  workerSnapshots(): WorkerSnapshot[] {
    return describeWorkers(this.#workers.values(), this.#pool);
  }

  poolStats(): PoolStatsView {
    return describePool(this.#pool, this.workerSnapshots(), this.#target, (Date.now() - this.#startedAt) / 1000);
  }

  effectiveConfig(): EffectiveConfig {
    const hooks = Object.entries(this.#config.hooks).filter(([, fn]) => fn !== undefined).map(([name]) => name);
    return { app: this.#config.app, configFile: this.#config.configFile, settings: this.#config.settings, hooks };
  }

  /** Graceful stop of one worker (ctl kill); the loop replaces it. */
  killWorker(pid: number): boolean {
    const r = [...this.#workers.values()].find((w) => w.pid === pid && w.alive && w.state !== 'stopping');
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
