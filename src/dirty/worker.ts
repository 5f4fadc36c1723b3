/**
 * One dirty worker process: loads every --dirty-app once, then runs the tasks the arbiter
 * sends, one at a time (the arbiter never sends a second before the first is done), and
 * answers each with its result as structured-clone bytes or a coded error.
 */
import { serialize, deserialize } from 'node:v8';
import { WORKER_EXIT, errorMessage } from '../errors.js';
import { createErrorLog, type Logger, type LogLevelName } from '../log/logger.js';
import { decodeToWorker, type ArbiterBoot, type FromWorker, type RemoteError, type ToWorker } from './protocol.js';
import { loadTaskApp, type TaskApp } from './load-tasks.js';

export interface DirtyWorkerBoot extends ArbiterBoot {
  readonly id: number;
}

export class DirtyWorker {
  readonly #boot: DirtyWorkerBoot;
  readonly #log: Logger;
  readonly #apps = new Map<string, TaskApp>();
  #busy = false;
  /** Tasks sent ahead by the arbiter (prefetch): run one at a time, in order. */
  readonly #queue: Extract<ToWorker, { t: 'task' }>[] = [];
  #stopRequested = false;

  constructor(boot: DirtyWorkerBoot) {
    this.#boot = boot;
    this.#log = createErrorLog({
      level: boot.logLevel as LogLevelName,
      file: boot.errorLogfile,
      base: { role: 'dirty-worker', dirtyWorker: boot.id },
    }).log;
  }

  async run(): Promise<void> {
    // The arbiter stops us with a message; Ctrl-C to the terminal's process group must not.
    process.on('SIGINT', () => undefined);
    // TERM (the arbiter's quick stop, or systemd signalling the whole cgroup): finish the task
    // in hand, then exit; SIGKILL follows if it takes too long.
    process.on('SIGTERM', () => {
      this.#stopRequested = true;
      if (!this.#busy) void this.#stop();
    });
    // Our arbiter is gone (crashed, killed): nobody will send tasks or read results.
    process.on('disconnect', () => this.#exit(0));
    try {
      for (const spec of this.#boot.apps) this.#apps.set(spec, await loadTaskApp(spec, process.cwd()));
    } catch (err) {
      const stack = err instanceof Error ? (err.cause instanceof Error ? err.cause.stack : err.stack) : undefined;
      this.#send({ t: 'boot-error', message: errorMessage(err), stack });
      this.#exit(WORKER_EXIT.APP_LOAD_ERROR);
      return;
    }
    process.on('message', (raw: unknown) => {
      let msg: ToWorker;
      try {
        msg = decodeToWorker(raw);
      } catch (err) {
        this.#log.error({ err: errorMessage(err) }, 'Bad message from the dirty arbiter: exiting');
        this.#exit(WORKER_EXIT.BOOT_ERROR);
        return;
      }
      if (msg.t === 'stop') {
        this.#stopRequested = true;
        if (!this.#busy) void this.#stop();
      } else {
        this.#queue.push(msg);
        if (!this.#busy) void this.#drain();
      }
    });
    this.#send({ t: 'ready' });
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    for (let msg = this.#queue.shift(); msg !== undefined; msg = this.#queue.shift()) await this.#runTask(msg);
    this.#busy = false;
    if (this.#stopRequested) await this.#stop();
  }

  async #runTask(msg: Extract<ToWorker, { t: 'task' }>): Promise<void> {
    try {
      const value = await this.#call(msg);
      let bytes: Buffer;
      try {
        bytes = serialize(value);
      } catch (err) {
        throw coded('TSGUN_ERR_DIRTY_SERIALIZE', `the result of ${msg.task} ${msg.method}: ${errorMessage(err)}`);
      }
      this.#send({ t: 'done', id: msg.id, ok: true, value: bytes });
    } catch (err) {
      this.#send({ t: 'done', id: msg.id, ok: false, ...describe(err) });
    }
  }

  async #call(msg: Extract<ToWorker, { t: 'task' }>): Promise<unknown> {
    const app = this.#apps.get(msg.task);
    const fn = app?.method(msg.method);
    if (fn === undefined)
      throw coded('TSGUN_ERR_DIRTY_UNKNOWN_TASK', app ? `${msg.task} has no task method "${msg.method}"` : `no dirty app ${msg.task}`);
    let args: unknown;
    try {
      args = deserialize(msg.args);
    } catch {
      throw coded('TSGUN_ERR_DIRTY_SERIALIZE', 'the arguments do not decode');
    }
    if (!Array.isArray(args)) throw coded('TSGUN_ERR_DIRTY_SERIALIZE', 'the arguments are not a list');
    return await fn(...(args as unknown[]));
  }

  async #stop(): Promise<void> {
    for (const app of this.#apps.values()) {
      try {
        await app.close();
      } catch (err) {
        this.#log.error({ app: app.spec, err: errorMessage(err) }, 'Dirty app close() failed');
      }
    }
    this.#exit(0);
  }

  #send(msg: FromWorker): void {
    if (process.connected) process.send?.(msg);
  }

  #exit(code: number): void {
    process.exit(code);
  }
}

class CodedError extends Error {
  readonly code: RemoteError['code'];
  constructor(code: RemoteError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

function coded(code: RemoteError['code'], message: string): CodedError {
  return new CodedError(code, message);
}

/** A task's exception as it crosses to the caller: its message and name, with a TSGUN_ERR_* code. */
function describe(err: unknown): RemoteError {
  if (err instanceof CodedError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'TSGUN_ERR_DIRTY_TASK', message: err.message, name: err.name, stack: err.stack };
  return { code: 'TSGUN_ERR_DIRTY_TASK', message: String(err) };
}
