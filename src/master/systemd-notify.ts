/**
 * sd_notify(3) for the master under systemd `Type=notify`: READY=1 once the first generation
 * serves, RELOADING=1 … READY=1 around a HUP reload, STOPPING=1, STATUS= lines, and WATCHDOG=1
 * at half of WATCHDOG_USEC. Node has no unix datagram sockets, so the datagram goes through the
 * native helper (native/notify.c); without it tsgun runs as before and says so once.
 */
import type { Logger } from '../log/logger.js';
import { nativeHelper, nativeStatus } from '../native/native.js';
import { errorMessage } from '../errors.js';

/** What a STATUS= line reports. */
export interface PoolState {
  readonly ready: number;
  readonly target: number;
  readonly generation: number;
}

type Send = (socketPath: string, message: string) => void;

/** systemd's own limit is far above this; anything longer is not a notify socket address. */
const MAX_PATH = 107;

export class SystemdNotifier {
  readonly #path: string;
  readonly #send: Send;
  readonly #log: Logger;
  #watchdog: NodeJS.Timeout | undefined;
  #failed = false;

  private constructor(path: string, send: Send, log: Logger) {
    this.#path = path;
    this.#send = send;
    this.#log = log;
  }

  /**
   * From NOTIFY_SOCKET (and WATCHDOG_USEC/WATCHDOG_PID), removed from `env` as sd_notify's
   * unset_environment does: workers and the app must not notify in the master's name.
   */
  static fromEnv(env: NodeJS.ProcessEnv, log: Logger, pid = process.pid): SystemdNotifier | undefined {
    const path = env['NOTIFY_SOCKET'];
    const watchdogUsec = Number(env['WATCHDOG_USEC'] ?? '');
    const watchdogPid = env['WATCHDOG_PID'];
    delete env['NOTIFY_SOCKET'];
    delete env['WATCHDOG_USEC'];
    delete env['WATCHDOG_PID'];
    if (!path) return undefined;
    if (!(path.startsWith('/') || path.startsWith('@')) || path.length > MAX_PATH) {
      log.warn({ notifySocket: path }, 'NOTIFY_SOCKET is not an absolute path or @abstract name: systemd notify off');
      return undefined;
    }
    const helper = nativeHelper();
    if (!helper) {
      const status = nativeStatus();
      const reason = status.loaded ? 'unknown' : status.reason;
      log.warn({ reason }, `NOTIFY_SOCKET is set but systemd notify is unavailable (native helper ${reason}): use Type=exec`);
      return undefined;
    }
    const notifier = new SystemdNotifier(path, (p, m) => helper.notify(p, m), log);
    const pidMatches = watchdogPid === undefined || Number(watchdogPid) === pid;
    if (Number.isSafeInteger(watchdogUsec) && watchdogUsec > 0 && pidMatches) notifier.#startWatchdog(watchdogUsec);
    return notifier;
  }

  /** The first generation serves, or a reload finished (or was abandoned: the old workers serve). */
  ready(state: PoolState): void {
    this.#notify(`READY=1\nSTATUS=${describe(state)}\nMAINPID=${process.pid}`);
  }

  reloading(state: PoolState): void {
    // MONOTONIC_USEC: systemd >= 253 matches it against its own clock for Type=notify-reload.
    const usec = process.hrtime.bigint() / 1000n;
    this.#notify(`RELOADING=1\nMONOTONIC_USEC=${usec}\nSTATUS=Reloading: starting generation ${state.generation}`);
  }

  stopping(): void {
    this.#notify('STOPPING=1\nSTATUS=Stopping: workers finishing their requests');
  }

  status(state: PoolState): void {
    this.#notify(`STATUS=${describe(state)}`);
  }

  close(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #startWatchdog(usec: number): void {
    const everyMs = Math.max(1, Math.floor(usec / 2000));
    this.#log.info({ everyMs }, 'systemd watchdog: pinging at half of WATCHDOG_USEC');
    this.#watchdog = setInterval(() => this.#notify('WATCHDOG=1'), everyMs);
    this.#watchdog.unref();
  }

  #notify(message: string): void {
    try {
      this.#send(this.#path, message);
    } catch (err) {
      // Once: a gone systemd (or a test listener) must not flood the log every watchdog tick.
      if (!this.#failed) this.#log.warn({ err: errorMessage(err), notifySocket: this.#path }, 'systemd notify failed');
      this.#failed = true;
    }
  }
}

function describe(state: PoolState): string {
  return `${state.ready} of ${state.target} workers ready, generation ${state.generation}`;
}
