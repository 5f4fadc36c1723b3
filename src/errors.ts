/**
 * Every error tsgun raises on purpose, with a stable code (never reused once retired),
 * and the process exit codes shared by master and workers.
 */

/** Exit codes of the `tsgun` master process. */
export const EXIT = {
  OK: 0,
  /** Runtime failure: a bind that cannot be opened, an unexpected crash. */
  ERROR: 1,
  /** Bad command line, setting or config file. */
  USAGE: 2,
  /** Workers cannot boot: the app failed to load, or a worker could not listen. */
  BOOT: 3,
} as const;

/**
 * Exit codes of a worker process that the master reads to stop a respawn loop
 * (gunicorn's WORKER_BOOT_ERROR / APP_LOAD_ERROR).
 */
export const WORKER_EXIT = {
  BOOT_ERROR: 3,
  APP_LOAD_ERROR: 4,
} as const;

interface ErrorSpec {
  readonly message: string;
  readonly exitCode: number;
}

export const ERRORS = {
  TSGUN_ERR_INVALID_SETTING: { message: 'Invalid setting', exitCode: EXIT.USAGE },
  TSGUN_ERR_UNKNOWN_SETTING: { message: 'Unknown setting', exitCode: EXIT.USAGE },
  TSGUN_ERR_CONFIG_FILE: { message: 'Cannot load config file', exitCode: EXIT.USAGE },
  TSGUN_ERR_NO_APP: { message: 'No application module given', exitCode: EXIT.USAGE },
  TSGUN_ERR_BAD_APP_SPEC: { message: 'Invalid application spec', exitCode: EXIT.USAGE },
  TSGUN_ERR_BIND: { message: 'Cannot listen', exitCode: EXIT.ERROR },
  TSGUN_ERR_APP_LOAD: { message: 'Application failed to load', exitCode: EXIT.BOOT },
  TSGUN_ERR_APP_NOT_HANDLER: { message: 'Application is not a request handler', exitCode: EXIT.BOOT },
  TSGUN_ERR_WORKER_BOOT: { message: 'Worker failed to boot', exitCode: EXIT.BOOT },
  TSGUN_ERR_PIDFILE: { message: 'Cannot write pid file', exitCode: EXIT.ERROR },
  TSGUN_ERR_ALREADY_CLOSED: { message: 'Server is already closed', exitCode: EXIT.ERROR },
  TSGUN_ERR_USAGE: { message: 'Invalid command line', exitCode: EXIT.USAGE },
  TSGUN_ERR_CONTROL_SOCKET: { message: 'Cannot open the control socket', exitCode: EXIT.ERROR },
  TSGUN_ERR_METRICS_BIND: { message: 'Cannot serve metrics', exitCode: EXIT.ERROR },
  TSGUN_ERR_CTL_CONNECT: { message: 'Cannot reach the tsgun control socket', exitCode: EXIT.ERROR },
  TSGUN_ERR_CTL_BAD_REQUEST: { message: 'Bad control request', exitCode: EXIT.USAGE },
  TSGUN_ERR_CTL_FAILED: { message: 'Control command failed', exitCode: EXIT.ERROR },
  // Dirty workers (src/dirty/): what `dirty.execute()` rejects with.
  TSGUN_ERR_DIRTY_NO_POOL: { message: 'No dirty worker pool (start tsgun with --dirty-app and --dirty-workers N)', exitCode: EXIT.ERROR },
  TSGUN_ERR_DIRTY_UNAVAILABLE: { message: 'The dirty worker pool cannot be reached', exitCode: EXIT.ERROR },
  TSGUN_ERR_DIRTY_TASK: { message: 'Dirty task failed', exitCode: EXIT.ERROR },
  TSGUN_ERR_DIRTY_UNKNOWN_TASK: { message: 'No such dirty task', exitCode: EXIT.ERROR },
  TSGUN_ERR_DIRTY_TIMEOUT: { message: 'Dirty task timed out (--dirty-timeout); its worker is replaced', exitCode: EXIT.ERROR },
  TSGUN_ERR_DIRTY_WORKER_CRASH: { message: 'Dirty worker exited while running the task', exitCode: EXIT.ERROR },
  TSGUN_ERR_DIRTY_OVERLOADED: { message: 'Dirty worker queue is full (--dirty-max-queue)', exitCode: EXIT.ERROR },
  TSGUN_ERR_DIRTY_SERIALIZE: { message: 'Dirty task arguments or result cannot be serialised', exitCode: EXIT.ERROR },
  TSGUN_ERR_DIRTY_PROTOCOL: { message: 'Bad dirty worker message', exitCode: EXIT.ERROR },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class TsgunError extends Error {
  override readonly name = 'TsgunError';
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const spec = ERRORS[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message, options);
    this.code = code;
    this.exitCode = spec.exitCode;
  }
}

export function isTsgunError(err: unknown): err is TsgunError {
  return err instanceof TsgunError;
}

/** The one-line text of any thrown value, for logs and CLI output. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
