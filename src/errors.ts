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
  TSGUN_ERR_UNKNOWN_IDENTITY: { message: 'Unknown user or group', exitCode: EXIT.USAGE },
  TSGUN_ERR_PRIVILEGES: { message: 'Cannot run workers as another user', exitCode: EXIT.USAGE },
  TSGUN_ERR_REUSE_PORT: { message: 'Cannot use --reuse-port', exitCode: EXIT.USAGE },
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

/** `message` without a leading "<code's message>: " (a worker's error text, wrapped again by the master). */
export function withoutCodePrefix(code: ErrorCode, message: string): string {
  const prefix = `${ERRORS[code].message}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** The one-line text of any thrown value, for logs and CLI output. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
