/**
 * The dirty arbiter (gunicorn 25's name): one process, forked by the master, that owns the
 * dirty pool. It listens on a unix socket in a private 0700 directory for calls from app code
 * (any HTTP worker, either class), schedules them onto its dirty workers (scheduler.ts) and
 * supervises those: respawn with backoff, --dirty-timeout, reload by generation, scaling and
 * a graceful drain. Why a process of its own and not the master: routing task bytes costs CPU
 * under load, and the master must stay light and never wait on user code; the master only
 * supervises this one process (pool.ts) and relays reload/stop/scale to it.
 */
import net from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { EXIT, WORKER_EXIT, errorMessage, type ErrorCode } from '../errors.js';
import { createErrorLog, type Logger, type LogLevelName } from '../log/logger.js';
import { RespawnBackoff } from '../master/respawn-backoff.js';
import {
  FrameReader,
  WORKER_BOOT_ENV,
  decodeCall,
  decodeFromWorker,
  decodeToArbiter,
  encodeFrame,
  type ArbiterBoot,
  type CallHeader,
  type DirtySnapshot,
  type FromArbiter,
  type FromWorker,
  type Frame,
  type ReplyHeader,
  type ToArbiter,
} from './protocol.js';
import { DirtyScheduler } from './scheduler.js';
import { TaskStats } from './task-stats.js';

const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));
/** How often the master gets a snapshot (ctl, metrics) besides one on every pool change. */
const SNAPSHOT_MS = 1000;
/** A quick stop gives tasks at most this long before SIGKILL. */
const QUICK_STOP_MS = 5000;

interface Client {
  readonly socket: net.Socket;
  readonly reader: FrameReader<CallHeader>;
  open: boolean;
}

interface Task {
  readonly client: Client;
  readonly callId: number;
  readonly task: string;
  readonly method: string;
  readonly args: Buffer;
}

interface Running {
  readonly task: Task;
  readonly seq: number;
  readonly startedAt: number;
  readonly timer: NodeJS.Timeout | undefined;
}

type StopReason = 'timeout' | 'reload' | 'scale-down' | 'shutdown' | 'protocol';

class DirtyProc {
  readonly startedAt = Date.now();
  state: 'booting' | 'ready' | 'stopping' = 'booting';
  readyAt: number | undefined;
  current: Running | undefined;
  /** Sent to the worker to run after `current` (prefetch): it starts without a round trip. */
  next: { readonly task: Task; readonly seq: number } | undefined;
  tasks = 0;
  stopReason: StopReason | undefined;
  killTimer: NodeJS.Timeout | undefined;
  bootError: string | undefined;

  constructor(
    readonly id: number,
    readonly generation: number,
    readonly child: ChildProcess,
  ) {}

  get pid(): number {
    return this.child.pid ?? 0;
  }

  kill(signal: NodeJS.Signals): void {
    try {
      this.child.kill(signal);
    } catch {
      // Gone already; 'exit' follows.
    }
  }
}

export class DirtyArbiter {
  #boot: ArbiterBoot;
  readonly #log: Logger;
  readonly #workers = new Map<number, DirtyProc>();
  readonly #scheduler: DirtyScheduler<DirtyProc, Task>;
  readonly #clients = new Set<Client>();
  readonly #stats = new TaskStats();
  readonly #exits: Record<string, number> = {};
  readonly #backoff = new RespawnBackoff();
  #server: net.Server | undefined;
  #target: number;
  #age = 0;
  #generation = 1;
  #pending: number | undefined;
  #ready = false;
  #seq = 0;
  #stopping: { graceful: boolean } | undefined;
  #respawnTimer: NodeJS.Timeout | undefined;
  #snapshotQueued = false;

  constructor(boot: ArbiterBoot) {
    this.#boot = boot;
    this.#target = Math.max(1, boot.workers);
    this.#scheduler = new DirtyScheduler(boot.maxQueue);
    this.#log = createErrorLog({ level: boot.logLevel as LogLevelName, file: boot.errorLogfile, base: { role: 'dirty-arbiter' } }).log;
  }

  async run(): Promise<void> {
    process.on('message', (raw: unknown) => this.#fromMaster(raw));
    // The master is gone (SIGKILL, crash): nobody supervises us; stop rather than linger.
    process.on('disconnect', () => this.#stop(false));
    process.on('SIGTERM', () => this.#stop(true));
    process.on('SIGINT', () => this.#stop(false));
    process.on('SIGQUIT', () => this.#stop(false));
    try {
      // A socket file left by an arbiter that crashed: the directory is ours alone (0700).
      rmSync(this.#boot.socketPath, { force: true });
      this.#server = await listen(this.#boot.socketPath, (socket) => this.#accept(socket));
    } catch (err) {
      this.#toMaster({ t: 'boot-error', message: `cannot listen on ${this.#boot.socketPath}: ${errorMessage(err)}` });
      process.exit(EXIT.ERROR);
    }
    this.#log.info({ socket: this.#boot.socketPath, workers: this.#target, apps: this.#boot.apps }, 'Dirty arbiter listening');
    setInterval(() => this.#sendSnapshot(), SNAPSHOT_MS).unref();
    this.#manage();
  }

  // ── master ───────────────────────────────────────────────────────────────────────────────

  #fromMaster(raw: unknown): void {
    let msg: ToArbiter;
    try {
      msg = decodeToArbiter(raw);
    } catch (err) {
      this.#log.error({ err: errorMessage(err) }, 'Bad message from the master: ignored');
      return;
    }
    switch (msg.t) {
      case 'stop':
        this.#stop(msg.graceful);
        return;
      case 'scale':
        this.#scale(msg.target);
        return;
      case 'reload':
        this.#reload(msg.boot);
        return;
    }
  }

  #toMaster(msg: FromArbiter): void {
    if (process.connected) process.send?.(msg);
  }

  #scale(n: number): void {
    const next = Math.max(1, Math.floor(n));
    if (next === this.#target) return;
    this.#log.info({ from: this.#target, to: next }, `Scaling dirty workers from ${this.#target} to ${next}`);
    this.#target = next;
    this.#manage();
  }

  #reload(boot: ArbiterBoot): void {
    if (this.#stopping) return;
    this.#boot = boot;
    this.#target = Math.max(1, boot.workers);
    this.#scheduler.maxQueue = boot.maxQueue;
    // A reload in progress is superseded: its workers stop, a fresh generation starts.
    if (this.#pending !== undefined) for (const w of this.#workers.values()) if (w.generation === this.#pending) this.#retire(w, 'reload');
    this.#pending = Math.max(this.#generation, this.#pending ?? 0) + 1;
    this.#log.info({ generation: this.#pending, workers: this.#target }, 'Reloading dirty workers: starting new ones');
    this.#manage();
  }

  // ── clients ──────────────────────────────────────────────────────────────────────────────

  #accept(socket: net.Socket): void {
    const client: Client = { socket, reader: new FrameReader(decodeCall), open: true };
    this.#clients.add(client);
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame<CallHeader>[];
      try {
        frames = client.reader.push(chunk);
      } catch (err) {
        this.#log.warn({ err: errorMessage(err) }, 'Bad frame from a dirty client: closing its connection');
        socket.destroy();
        return;
      }
      for (const f of frames) this.#call(client, f.header, f.payload);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      client.open = false;
      this.#clients.delete(client);
      this.#checkDrained();
    });
  }

  #call(client: Client, header: CallHeader, args: Buffer): void {
    const task: Task = { client, callId: header.id, task: header.task, method: header.method, args };
    if (!this.#boot.apps.includes(header.task)) {
      this.#fail(task, 'TSGUN_ERR_DIRTY_UNKNOWN_TASK', `no dirty app ${header.task}; this pool runs ${this.#boot.apps.join(', ')}`, false);
      return;
    }
    if (this.#stopping && (!this.#stopping.graceful || this.#scheduler.size === 0)) {
      this.#fail(task, 'TSGUN_ERR_DIRTY_UNAVAILABLE', 'the dirty pool is shutting down');
      return;
    }
    const r = this.#scheduler.submit(task);
    if (r.kind === 'run') this.#dispatch(r.worker, task);
    else if (r.kind === 'queued') this.#prefetch();
    else if (r.kind === 'overloaded') this.#fail(task, 'TSGUN_ERR_DIRTY_OVERLOADED', `${this.#scheduler.queueDepth} tasks already wait`);
  }

  #reply(task: Task, header: ReplyHeader, payload?: Uint8Array): void {
    if (task.client.open) task.client.socket.write(encodeFrame(header, payload));
  }

  #fail(task: Task, code: ErrorCode, message: string, count = true, seconds?: number): void {
    if (count) this.#stats.record(task.task, task.method, seconds, code);
    this.#reply(task, { t: 'err', id: task.callId, code, message });
  }

  // ── tasks on workers ─────────────────────────────────────────────────────────────────────

  #dispatch(w: DirtyProc, task: Task): void {
    const seq = ++this.#seq;
    this.#start(w, task, seq);
    w.child.send({ t: 'task', id: seq, task: task.task, method: task.method, args: task.args });
  }

  #start(w: DirtyProc, task: Task, seq: number): void {
    const ms = this.#boot.timeoutMs;
    const timer = ms > 0 ? setTimeout(() => this.#timedOut(w), ms) : undefined;
    w.current = { task, seq, startedAt: performance.now(), timer };
  }

  /**
   * Under a backlog (at least one waiting task per worker) each busy worker is sent its next
   * task ahead, so it starts the moment the current one ends instead of after a round trip
   * through this process (two process wake-ups: ~1 ms on this machine kind, 10% of a 10 ms
   * task). Only under a backlog: then every worker is busy and more tasks wait than the
   * prefetch slots hold, so no prefetched task could have gone to an idle worker instead.
   */
  #prefetch(): void {
    while (this.#scheduler.queueDepth >= this.#target) {
      let best: DirtyProc | undefined;
      for (const w of this.#workers.values()) {
        if (w.state !== 'ready' || w.current === undefined || w.next !== undefined) continue;
        if (best === undefined || this.#scheduler.ran(w) < this.#scheduler.ran(best)) best = w;
      }
      if (best === undefined) return;
      const task = this.#scheduler.prefetch(best, this.#target);
      if (task === undefined) return;
      const seq = ++this.#seq;
      best.next = { task, seq };
      best.child.send({ t: 'task', id: seq, task: task.task, method: task.method, args: task.args });
    }
  }

  /** A worker that dies or times out never started its prefetched task: put it back first in line. */
  #requeueNext(w: DirtyProc): void {
    const next = w.next;
    w.next = undefined;
    if (next === undefined) return;
    if (this.#stopping && !this.#stopping.graceful) {
      this.#fail(next.task, 'TSGUN_ERR_DIRTY_UNAVAILABLE', 'the dirty pool is shutting down');
      return;
    }
    const idle = this.#scheduler.requeue(next.task);
    if (idle !== undefined) this.#dispatch(idle, next.task);
  }

  #fromWorker(w: DirtyProc, raw: unknown): void {
    let msg: FromWorker;
    try {
      msg = decodeFromWorker(raw);
    } catch (err) {
      this.#protocolViolation(w, errorMessage(err));
      return;
    }
    switch (msg.t) {
      case 'ready':
        if (w.state !== 'booting') return;
        w.state = 'ready';
        w.readyAt = Date.now();
        this.#log.info({ dirtyWorker: w.id, dirtyWorkerPid: w.pid, generation: w.generation }, `Dirty worker ready (pid: ${w.pid})`);
        this.#next(w, this.#scheduler.add(w));
        this.#checkReady();
        this.#snapshotSoon();
        return;
      case 'boot-error':
        w.bootError = msg.message;
        this.#log.error(
          { dirtyWorker: w.id, dirtyWorkerPid: w.pid, error: msg.message, stack: msg.stack },
          `Dirty app failed to load: ${msg.message}`,
        );
        return;
      case 'done': {
        const cur = w.current;
        // A late answer from a worker being killed for its timeout: its caller was answered already.
        if (cur === undefined && w.stopReason === 'timeout') return;
        if (cur === undefined || cur.seq !== msg.id) {
          this.#protocolViolation(w, `result for task ${msg.id}, which it is not running`);
          return;
        }
        clearTimeout(cur.timer);
        w.current = undefined;
        w.tasks++;
        const seconds = (performance.now() - cur.startedAt) / 1000;
        if (msg.ok) {
          this.#stats.record(cur.task.task, cur.task.method, seconds, undefined);
          this.#reply(cur.task, { t: 'ok', id: cur.task.callId }, msg.value);
        } else {
          this.#stats.record(cur.task.task, cur.task.method, seconds, msg.code);
          this.#reply(cur.task, { t: 'err', id: cur.task.callId, code: msg.code, message: msg.message, name: msg.name, stack: msg.stack });
        }
        const next = w.next;
        if (next !== undefined) {
          // The worker has started its prefetched task already (it runs them back to back).
          w.next = undefined;
          this.#start(w, next.task, next.seq);
          this.#prefetch();
          return;
        }
        this.#next(w, w.state === 'ready' ? this.#scheduler.release(w) : undefined);
        return;
      }
    }
  }

  /** After a task (or on ready): run the next one, or stop a worker that is being retired. */
  #next(w: DirtyProc, task: Task | undefined): void {
    if (w.state === 'stopping') {
      w.child.send({ t: 'stop' });
    } else if (task !== undefined) {
      this.#dispatch(w, task);
      return;
    }
    this.#checkDrained();
  }

  #protocolViolation(w: DirtyProc, why: string): void {
    this.#log.error({ dirtyWorker: w.id, dirtyWorkerPid: w.pid, why }, 'Bad message from a dirty worker: killing it');
    this.#scheduler.remove(w);
    w.state = 'stopping';
    w.stopReason = 'protocol';
    w.kill('SIGKILL');
  }

  #timedOut(w: DirtyProc): void {
    const cur = w.current;
    if (cur === undefined) return;
    w.current = undefined;
    const { task, method } = cur.task;
    const seconds = (performance.now() - cur.startedAt) / 1000;
    this.#log.error(
      { dirtyWorker: w.id, dirtyWorkerPid: w.pid, task, method, timeoutMs: this.#boot.timeoutMs },
      `DIRTY WORKER TIMEOUT (pid:${w.pid})`,
    );
    this.#fail(cur.task, 'TSGUN_ERR_DIRTY_TIMEOUT', `${task} ${method} ran over ${this.#boot.timeoutMs / 1000} s`, true, seconds);
    this.#scheduler.remove(w);
    w.state = 'stopping';
    w.stopReason = 'timeout';
    w.kill('SIGKILL');
    this.#requeueNext(w);
    this.#manage();
  }

  // ── supervision ──────────────────────────────────────────────────────────────────────────

  #spawn(generation: number): void {
    const id = ++this.#age;
    const boot = JSON.stringify({ ...this.#boot, id });
    const child = fork(WORKER_ENTRY, [], { env: { ...process.env, [WORKER_BOOT_ENV]: boot }, serialization: 'advanced', stdio: 'inherit' });
    const w = new DirtyProc(id, generation, child);
    this.#workers.set(id, w);
    this.#log.info({ dirtyWorker: id, dirtyWorkerPid: w.pid, generation }, `Booting dirty worker with pid: ${w.pid}`);
    child.on('message', (raw: unknown) => this.#fromWorker(w, raw));
    child.on('error', (err) => this.#log.debug({ dirtyWorker: id, err: errorMessage(err) }, 'dirty worker channel error'));
    child.once('exit', (code, signal) => this.#exited(w, code, signal));
  }

  #exited(w: DirtyProc, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(w.id);
    this.#scheduler.remove(w);
    clearTimeout(w.killTimer);
    const reason = w.stopReason ?? 'crash';
    this.#exits[reason] = (this.#exits[reason] ?? 0) + 1;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const info = { dirtyWorker: w.id, dirtyWorkerPid: w.pid, code, signal, tasks: w.tasks };
    const cur = w.current;
    if (cur !== undefined) {
      // Fail the caller at once: the task's worker is gone, nothing will ever answer it.
      clearTimeout(cur.timer);
      w.current = undefined;
      const seconds = (performance.now() - cur.startedAt) / 1000;
      this.#fail(
        cur.task,
        'TSGUN_ERR_DIRTY_WORKER_CRASH',
        `dirty worker ${w.pid} ${how} while running ${cur.task.task} ${cur.task.method}`,
        true,
        seconds,
      );
    }
    this.#requeueNext(w);
    if (w.stopReason) {
      this.#log.info({ ...info, reason }, `Dirty worker exiting (pid: ${w.pid})`);
    } else if (w.readyAt === undefined && code === WORKER_EXIT.APP_LOAD_ERROR) {
      this.#bootFailed(w);
    } else {
      this.#backoff.crashed(w.readyAt);
      this.#log.error({ ...info, respawnInMs: this.#backoff.msUntilAllowed() }, `Dirty worker (pid:${w.pid}) ${how}`);
    }
    this.#manage();
    this.#checkDrained();
    this.#snapshotSoon();
  }

  #bootFailed(w: DirtyProc): void {
    const message = w.bootError ?? `dirty worker exited with code ${WORKER_EXIT.APP_LOAD_ERROR} before it was ready`;
    if (!this.#ready) {
      // Nothing ever booted: the master halts start-up with the app's error (exit 3).
      this.#toMaster({ t: 'boot-error', message });
      this.#stop(false);
      return;
    }
    if (w.generation === this.#pending) {
      // A broken deploy must not take the pool down: abandon the reload, keep the old workers.
      this.#log.error({ dirtyWorker: w.id, error: message }, 'Dirty app failed to load during reload; old dirty workers keep running');
      for (const o of this.#workers.values()) if (o.generation === this.#pending) this.#retire(o, 'reload');
      this.#pending = undefined;
      return;
    }
    this.#backoff.crashed(undefined);
  }

  /** Top the current generation up to the target; retire extras, idle and oldest first. */
  #manage(): void {
    if (this.#stopping) return;
    const gen = this.#pending ?? this.#generation;
    const current = [...this.#workers.values()].filter((w) => w.generation === gen && w.state !== 'stopping');
    if (current.length < this.#target) {
      const wait = this.#backoff.msUntilAllowed();
      if (wait > 0) {
        this.#respawnTimer ??= setTimeout(() => {
          this.#respawnTimer = undefined;
          this.#manage();
        }, wait);
        return;
      }
      for (let i = current.length; i < this.#target; i++) this.#spawn(gen);
    } else if (current.length > this.#target) {
      const extra = current.sort((a, b) => Number(a.current !== undefined) - Number(b.current !== undefined) || a.id - b.id);
      for (const w of extra.slice(0, current.length - this.#target)) this.#retire(w, 'scale-down');
    }
    this.#checkReady();
    this.#snapshotSoon();
  }

  #checkReady(): void {
    const gen = this.#pending ?? this.#generation;
    let ready = 0;
    for (const w of this.#workers.values()) if (w.generation === gen && w.state === 'ready') ready++;
    if (ready < this.#target) return;
    if (this.#pending !== undefined) {
      this.#generation = this.#pending;
      this.#pending = undefined;
      for (const w of this.#workers.values()) if (w.generation !== this.#generation) this.#retire(w, 'reload');
      this.#log.info({ generation: this.#generation }, 'Dirty reload complete: new dirty workers ready, old ones stopping');
    }
    if (!this.#ready) {
      this.#ready = true;
      this.#log.info({ dirtyWorkers: ready }, `Dirty pool ready: ${ready} dirty worker(s)`);
      this.#toMaster({ t: 'ready' });
    }
  }

  /** Graceful stop of one worker: no new tasks; it finishes the one it runs, then exits. */
  #retire(w: DirtyProc, reason: StopReason): void {
    if (w.state === 'stopping') return;
    const booting = w.state === 'booting';
    w.state = 'stopping';
    w.stopReason = reason;
    this.#scheduler.remove(w);
    const ms = this.#stopping?.graceful === false ? Math.min(this.#boot.gracefulMs, QUICK_STOP_MS) : this.#boot.gracefulMs;
    w.killTimer = setTimeout(() => {
      this.#log.warn({ dirtyWorker: w.id, dirtyWorkerPid: w.pid, reason }, 'Dirty worker did not stop in time: SIGKILL');
      w.kill('SIGKILL');
    }, ms);
    if (booting) w.kill('SIGTERM');
    else if (w.current === undefined) w.child.send({ t: 'stop' });
  }

  #stop(graceful: boolean): void {
    if (this.#stopping && (graceful || !this.#stopping.graceful)) return;
    this.#stopping = { graceful };
    clearTimeout(this.#respawnTimer);
    this.#log.info({ graceful }, graceful ? 'Dirty arbiter draining' : 'Dirty arbiter stopping');
    if (graceful) {
      // Calls from HTTP workers still finishing their requests are served until they are done
      // (their connections close as they exit) or the graceful timeout ends the wait.
      setTimeout(() => this.#stop(false), this.#boot.gracefulMs).unref();
    } else {
      this.#server?.close();
      for (const task of this.#scheduler.drain()) this.#fail(task, 'TSGUN_ERR_DIRTY_UNAVAILABLE', 'the dirty pool is shutting down');
      for (const w of this.#workers.values()) {
        if (w.current !== undefined) {
          clearTimeout(w.current.timer);
          this.#fail(w.current.task, 'TSGUN_ERR_DIRTY_UNAVAILABLE', 'the dirty pool is shutting down');
          w.current = undefined;
        }
        if (w.next !== undefined) this.#fail(w.next.task, 'TSGUN_ERR_DIRTY_UNAVAILABLE', 'the dirty pool is shutting down');
        w.next = undefined;
        if (w.state === 'stopping') continue;
        this.#retire(w, 'shutdown');
        w.kill('SIGTERM');
      }
    }
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (!this.#stopping) return;
    if (this.#stopping.graceful) {
      if (this.#clients.size > 0 || this.#scheduler.queueDepth > 0) return;
      for (const w of this.#workers.values()) if (w.current !== undefined) return;
      for (const w of this.#workers.values()) this.#retire(w, 'shutdown');
    }
    if (this.#workers.size > 0) return;
    this.#sendSnapshot();
    this.#server?.close();
    this.#log.info('Dirty arbiter exiting');
    process.exitCode = EXIT.OK;
    // Let the last replies and the snapshot leave before the process ends.
    setImmediate(() => process.exit(EXIT.OK));
  }

  // ── views ────────────────────────────────────────────────────────────────────────────────

  #snapshotSoon(): void {
    if (this.#snapshotQueued) return;
    this.#snapshotQueued = true;
    setImmediate(() => {
      this.#snapshotQueued = false;
      this.#sendSnapshot();
    });
  }

  #sendSnapshot(): void {
    this.#toMaster({ t: 'snapshot', snapshot: this.#snapshot() });
  }

  #snapshot(): DirtySnapshot {
    const now = Date.now();
    const perfNow = performance.now();
    return {
      pid: process.pid,
      target: this.#target,
      queueDepth: this.#scheduler.queueDepth,
      maxQueue: this.#scheduler.maxQueue,
      busy: [...this.#workers.values()].filter((w) => w.current !== undefined).length,
      workers: [...this.#workers.values()].map((w) => ({
        pid: w.pid,
        id: w.id,
        generation: w.generation,
        state: w.state === 'ready' && w.current !== undefined ? 'busy' : w.state === 'ready' ? 'idle' : w.state,
        tasks: w.tasks,
        current:
          w.current === undefined
            ? null
            : { task: w.current.task.task, method: w.current.task.method, elapsedMs: Math.round(perfNow - w.current.startedAt) },
        uptimeSeconds: (now - w.startedAt) / 1000,
      })),
      tasks: this.#stats.snapshot(),
      exits: { ...this.#exits },
    };
  }
}

function listen(path: string, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
