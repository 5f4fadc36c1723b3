/**
 * The master's handle on the dirty pool: it forks the dirty arbiter (arbiter.ts), waits for it
 * to be ready at start-up (a --dirty-app that fails to load halts start-up), respawns it with
 * backoff if it dies, relays reload/scale/stop, and keeps its latest snapshot for `tsgun ctl`
 * and /metrics. No task byte passes through the master.
 *
 * The arbiter's socket lives in a fresh private directory (mkdtemp: 0700, unpredictable name);
 * its path is put in the master's environment before any HTTP worker forks, so every worker —
 * and any copy of the `tsgun` module the app imports — finds the pool through the environment.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsgunError, errorMessage } from '../errors.js';
import type { Settings } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { RespawnBackoff } from '../master/respawn-backoff.js';
import {
  ARBITER_BOOT_ENV,
  DIRTY_SOCKET_ENV,
  decodeFromArbiter,
  type ArbiterBoot,
  type DirtySnapshot,
  type FromArbiter,
  type ToArbiter,
} from './protocol.js';

const ARBITER_ENTRY = fileURLToPath(new URL('./arbiter-main.js', import.meta.url));
/** Beyond the dirty graceful timeout, how long the arbiter may take to exit before SIGKILL. */
const EXIT_GRACE_MS = 5000;
const QUICK_STOP_MS = 5000;

/** What `tsgun ctl dirty` shows and /metrics exports. */
export interface DirtyView {
  readonly arbiterPid: number | null;
  readonly state: 'running' | 'restarting' | 'stopping';
  readonly target: number;
  readonly socket: string;
  readonly snapshot: DirtySnapshot | undefined;
}

export function arbiterBoot(settings: Settings, socketPath: string, workers: number): ArbiterBoot {
  return {
    socketPath,
    apps: settings.dirtyApps,
    workers,
    timeoutMs: Math.round(settings.dirtyTimeout * 1000),
    gracefulMs: Math.round(settings.dirtyGracefulTimeout * 1000),
    maxQueue: settings.dirtyMaxQueue,
    logLevel: settings.logLevel,
    errorLogfile: settings.errorLogfile,
  };
}

export class DirtyPool {
  readonly #log: Logger;
  readonly #dir: string;
  readonly #socketPath: string;
  readonly #onExit: () => void;
  readonly #backoff = new RespawnBackoff();
  #settings: Settings;
  #target: number;
  #child: ChildProcess | undefined;
  #readyAt: number | undefined;
  #snapshot: DirtySnapshot | undefined;
  #stopping = false;
  #respawnTimer: NodeJS.Timeout | undefined;

  private constructor(settings: Settings, log: Logger, onExit: () => void) {
    this.#settings = settings;
    this.#log = log;
    this.#onExit = onExit;
    this.#target = settings.dirtyWorkers;
    this.#dir = mkdtempSync(join(tmpdir(), 'tsgun-dirty-'));
    this.#socketPath = join(this.#dir, 'arbiter.sock');
  }

  /**
   * Starts the pool when the settings ask for one and resolves once every dirty worker loaded
   * its apps; undefined when --dirty-workers is 0. `onExit` is called when the arbiter exits.
   */
  static async start(settings: Settings, log: Logger, onExit: () => void): Promise<DirtyPool | undefined> {
    if (settings.dirtyWorkers === 0) {
      if (settings.dirtyApps.length > 0)
        log.warn({ dirtyApps: settings.dirtyApps }, '--dirty-app is set but --dirty-workers is 0: no dirty pool');
      return undefined;
    }
    if (settings.dirtyApps.length === 0)
      throw new TsgunError('TSGUN_ERR_INVALID_SETTING', '--dirty-workers needs at least one --dirty-app');
    const pool = new DirtyPool(settings, log, onExit);
    process.env[DIRTY_SOCKET_ENV] = pool.#socketPath;
    try {
      await pool.#spawn(true);
    } catch (err) {
      pool.kill();
      throw err;
    }
    return pool;
  }

  get alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get socketPath(): string {
    return this.#socketPath;
  }

  view(): DirtyView {
    return {
      arbiterPid: this.alive ? (this.#child?.pid ?? null) : null,
      state: this.#stopping ? 'stopping' : this.alive ? 'running' : 'restarting',
      target: this.#target,
      socket: this.#socketPath,
      snapshot: this.#snapshot,
    };
  }

  /** ctl dirty-add / dirty-remove. */
  scale(delta: number): { from: number; to: number } {
    const from = this.#target;
    this.#target = Math.max(1, from + delta);
    if (this.#target !== from) {
      this.#log.info({ from, to: this.#target }, `Scaling dirty workers from ${from} to ${this.#target}`);
      this.#send({ t: 'scale', target: this.#target });
    }
    return { from, to: this.#target };
  }

  /** HUP: new dirty workers load the (possibly changed) apps, then the old ones stop. */
  reload(settings: Settings): void {
    if (this.#stopping) return;
    if (settings.dirtyWorkers === 0 || settings.dirtyApps.length === 0) {
      this.#log.warn('The reloaded configuration turns the dirty pool off: that needs a restart; reloading it as it was');
    } else {
      if (settings.dirtyWorkers !== this.#settings.dirtyWorkers) this.#target = settings.dirtyWorkers;
      this.#settings = settings;
    }
    this.#send({ t: 'reload', boot: arbiterBoot(this.#settings, this.#socketPath, this.#target) });
  }

  /** TERM (graceful: tasks finish, callers still draining are served) or INT/QUIT. */
  stop(graceful: boolean): void {
    const first = !this.#stopping;
    this.#stopping = true;
    clearTimeout(this.#respawnTimer);
    if (!this.alive) {
      if (first) this.#onExit();
      return;
    }
    this.#send({ t: 'stop', graceful });
    const grace = graceful
      ? this.#settings.dirtyGracefulTimeout * 1000
      : Math.min(this.#settings.dirtyGracefulTimeout * 1000, QUICK_STOP_MS);
    const child = this.#child;
    setTimeout(() => {
      if (child === this.#child && this.alive) {
        this.#log.warn({ dirtyArbiterPid: child?.pid }, 'Dirty arbiter did not stop in time: SIGKILL');
        child?.kill('SIGKILL');
      }
    }, grace + EXIT_GRACE_MS).unref();
  }

  /** Start-up failed elsewhere: end the arbiter now and remove the socket directory. */
  kill(): void {
    this.#stopping = true;
    clearTimeout(this.#respawnTimer);
    if (this.alive) this.#child?.kill('SIGKILL');
    this.close();
  }

  /** After the arbiter exited: remove the socket directory. */
  close(): void {
    if (process.env[DIRTY_SOCKET_ENV] === this.#socketPath) delete process.env[DIRTY_SOCKET_ENV];
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #send(msg: ToArbiter): void {
    if (!this.alive || !this.#child?.connected) return;
    try {
      this.#child.send(msg);
    } catch (err) {
      this.#log.debug({ err: errorMessage(err) }, 'cannot send to the dirty arbiter');
    }
  }

  /** Fork the arbiter; the promise settles when it is ready or failed (start-up waits on it). */
  #spawn(startup: boolean): Promise<void> {
    const boot = arbiterBoot(this.#settings, this.#socketPath, this.#target);
    const child = fork(ARBITER_ENTRY, [], { env: { ...process.env, [ARBITER_BOOT_ENV]: JSON.stringify(boot) }, stdio: 'inherit' });
    this.#child = child;
    this.#readyAt = undefined;
    this.#log.info(
      { dirtyArbiterPid: child.pid, dirtyWorkers: this.#target, dirtyApps: this.#settings.dirtyApps },
      `Booting dirty arbiter with pid: ${child.pid}`,
    );
    return new Promise((resolve, reject) => {
      let bootError: string | undefined;
      child.on('message', (raw: unknown) => {
        let msg: FromArbiter;
        try {
          msg = decodeFromArbiter(raw);
        } catch (err) {
          this.#log.error({ err: errorMessage(err) }, 'Bad message from the dirty arbiter: ignored');
          return;
        }
        if (msg.t === 'snapshot') this.#snapshot = msg.snapshot;
        else if (msg.t === 'ready') {
          this.#readyAt = Date.now();
          resolve();
        } else bootError = msg.message;
      });
      child.on('error', (err) => this.#log.error({ err: errorMessage(err) }, 'Dirty arbiter process error'));
      child.once('exit', (code, signal) => {
        this.#snapshot = undefined;
        if (startup && this.#readyAt === undefined) {
          const why = bootError ?? `the dirty arbiter exited (${signal ?? `code ${code}`}) before its workers were ready`;
          reject(new TsgunError('TSGUN_ERR_APP_LOAD', `dirty app: ${why}`));
          return;
        }
        this.#exited(code, signal, bootError);
      });
    });
  }

  #exited(code: number | null, signal: NodeJS.Signals | null, bootError: string | undefined): void {
    if (this.#stopping) {
      this.#log.info({ code, signal }, 'Dirty arbiter exited');
      this.#onExit();
      return;
    }
    this.#backoff.crashed(this.#readyAt);
    const wait = this.#backoff.msUntilAllowed();
    this.#log.error(
      { code, signal, error: bootError, respawnInMs: wait, crashStreak: this.#backoff.streak },
      `Dirty arbiter ${signal ? `was sent ${signal}` : `exited with code ${code}`}: respawning`,
    );
    this.#respawnTimer = setTimeout(() => {
      if (!this.#stopping) void this.#spawn(false).catch(() => undefined);
    }, wait);
  }
}
