/**
 * Every error tsgun raises on purpose, with a stable code (never reused once retired),
 * and the process exit codes shared by master and workers. docs/errors.md is generated from
 * these tables (scripts/gen-errors-doc.ts) together with the HTTP refusals (http/refusals.ts).
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

/** What each exit code means, for docs/errors.md. */
export const EXIT_DOCS: Readonly<Record<keyof typeof EXIT, string>> = {
  OK: 'Stopped on request (TERM, INT, QUIT) after the workers exited.',
  ERROR: 'A runtime failure: a bind that cannot be opened, a pid file or control socket error, an unexpected crash.',
  USAGE: 'A bad command line, setting or config file: nothing was started.',
  BOOT: 'The workers cannot boot: the app failed to load (or is not a handler) before any worker ever served.',
};

export const WORKER_EXIT_DOCS: Readonly<Record<keyof typeof WORKER_EXIT, string>> = {
  BOOT_ERROR: 'The worker could not boot for another reason than the app: a hook threw, it could not listen, an internal error.',
  APP_LOAD_ERROR: 'The worker could not load the app. Before anything served, the master halts with exit 3 instead of respawning.',
};

interface ErrorSpec {
  readonly message: string;
  readonly exitCode: number;
  /** When it happens, for docs/errors.md (npm run docs). */
  readonly doc?: string;
}

export const ERRORS = {
  TSGUN_ERR_INVALID_SETTING: {
    message: 'Invalid setting',
    exitCode: EXIT.USAGE,
    doc: "A setting's value does not parse or is out of range; the message names the setting and its source (flag, env, file, options).",
  },
  TSGUN_ERR_UNKNOWN_SETTING: {
    message: 'Unknown setting',
    exitCode: EXIT.USAGE,
    doc: 'An option or config-file key that no setting has; the message suggests the closest name.',
  },
  TSGUN_ERR_CONFIG_FILE: {
    message: 'Cannot load config file',
    exitCode: EXIT.USAGE,
    doc: 'The config file (`-c`, `TSGUN_CONFIG` or found in the current directory) cannot be read or imported, or exports no object.',
  },
  TSGUN_ERR_NO_APP: {
    message: 'No application module given',
    exitCode: EXIT.USAGE,
    doc: 'Neither the command line, the config file nor the library options name the application module.',
  },
  TSGUN_ERR_BAD_APP_SPEC: {
    message: 'Invalid application spec',
    exitCode: EXIT.USAGE,
    doc: 'The application spec is not `MODULE` or `MODULE:EXPORT`.',
  },
  TSGUN_ERR_BIND: {
    message: 'Cannot listen',
    exitCode: EXIT.ERROR,
    doc: 'A `--bind` address cannot be opened (in use, no permission, bad `fd://N`), or a worker could not listen on it.',
  },
  TSGUN_ERR_APP_LOAD: {
    message: 'Application failed to load',
    exitCode: EXIT.BOOT,
    doc: 'The app module threw or failed to import (with `--preload`, `--check-config`, or in the workers at start: the master halts).',
  },
  TSGUN_ERR_APP_NOT_HANDLER: {
    message: 'Application is not a request handler',
    exitCode: EXIT.BOOT,
    doc: 'The module loaded but its export is not a request handler, app object or factory tsgun knows how to serve.',
  },
  TSGUN_ERR_WORKER_BOOT: {
    message: 'Worker failed to boot',
    exitCode: EXIT.BOOT,
    doc: 'A worker exited before it was ready for another reason than the app (a hook threw, an internal error); the master halts.',
  },
  TSGUN_ERR_PIDFILE: {
    message: 'Cannot write pid file',
    exitCode: EXIT.ERROR,
    doc: 'The `--pid` file cannot be written, or names another running process.',
  },
  TSGUN_ERR_ALREADY_CLOSED: {
    message: 'Server is already closed',
    exitCode: EXIT.ERROR,
    doc: 'The server was stopped (or `close()` called) before its workers were ready.',
  },
  TSGUN_ERR_USAGE: {
    message: 'Invalid command line',
    exitCode: EXIT.USAGE,
    doc: 'The command line is malformed: a missing value, a bad subcommand, an option that has no meaning here.',
  },
  TSGUN_ERR_CONTROL_SOCKET: {
    message: 'Cannot open the control socket',
    exitCode: EXIT.ERROR,
    doc: 'The control socket cannot be created (path too long, directory not private, another server on it).',
  },
  TSGUN_ERR_METRICS_BIND: {
    message: 'Cannot serve metrics',
    exitCode: EXIT.ERROR,
    doc: '`--metrics-bind` is not a TCP address, or cannot be listened on.',
  },
  TSGUN_ERR_CTL_CONNECT: {
    message: 'Cannot reach the tsgun control socket',
    exitCode: EXIT.ERROR,
    doc: "`tsgun ctl` found no server at the control socket (not running, another user's, or a wrong `--pid` / `--control-socket`).",
  },
  TSGUN_ERR_CTL_BAD_REQUEST: {
    message: 'Bad control request',
    exitCode: EXIT.USAGE,
    doc: 'The control socket got a request it cannot act on: malformed, oversized, an unknown command or an argument out of range.',
  },
  TSGUN_ERR_CTL_FAILED: {
    message: 'Control command failed',
    exitCode: EXIT.ERROR,
    doc: 'The server understood a control command but could not carry it out.',
  },
  TSGUN_ERR_NODE_INTERNALS: {
    message: 'Unsupported Node.js version',
    exitCode: EXIT.ERROR,
    doc: 'At start: a Node.js internal tsgun drives (src/internals-guard.ts) changed shape; this Node is outside the supported range.',
  },
  TSGUN_ERR_UNKNOWN_IDENTITY: {
    message: 'Unknown user or group',
    exitCode: EXIT.USAGE,
    doc: '`--user` or `--group` names no user or group of this host (checked before anything is bound).',
  },
  TSGUN_ERR_PRIVILEGES: {
    message: 'Cannot run workers as another user',
    exitCode: EXIT.USAGE,
    doc: '`--user`/`--group` given to a master that is not root, or a worker could not drop its privileges.',
  },
  TSGUN_ERR_REUSE_PORT: {
    message: 'Cannot use --reuse-port',
    exitCode: EXIT.USAGE,
    doc: '`--reuse-port` on a Node without `reusePort` (< 22.12), or with a `unix:`/`fd://` bind.',
  },
  // Dirty workers (src/dirty/): what `dirty.execute()` rejects with.
  TSGUN_ERR_DIRTY_NO_POOL: {
    message: 'No dirty worker pool (start tsgun with --dirty-app and --dirty-workers N)',
    exitCode: EXIT.ERROR,
    doc: '`dirty.execute()` in a process that has no dirty pool (no `--dirty-workers`, or not under tsgun).',
  },
  TSGUN_ERR_DIRTY_UNAVAILABLE: {
    message: 'The dirty worker pool cannot be reached',
    exitCode: EXIT.ERROR,
    doc: "The dirty arbiter's socket cannot be connected to (it is restarting or gone).",
  },
  TSGUN_ERR_DIRTY_TASK: {
    message: 'Dirty task failed',
    exitCode: EXIT.ERROR,
    doc: "The task threw in its dirty worker; the error's message is the task's own.",
  },
  TSGUN_ERR_DIRTY_UNKNOWN_TASK: {
    message: 'No such dirty task',
    exitCode: EXIT.ERROR,
    doc: 'No `--dirty-app` with that spec, or its export has no such method.',
  },
  TSGUN_ERR_DIRTY_TIMEOUT: {
    message: 'Dirty task timed out (--dirty-timeout); its worker is replaced',
    exitCode: EXIT.ERROR,
    doc: 'The task ran longer than `--dirty-timeout`: its dirty worker is killed and replaced.',
  },
  TSGUN_ERR_DIRTY_WORKER_CRASH: {
    message: 'Dirty worker exited while running the task',
    exitCode: EXIT.ERROR,
    doc: 'The dirty worker running the task died (crash, kill); the call fails at once, never hangs.',
  },
  TSGUN_ERR_DIRTY_OVERLOADED: {
    message: 'Dirty worker queue is full (--dirty-max-queue)',
    exitCode: EXIT.ERROR,
    doc: 'Every dirty worker is busy and `--dirty-max-queue` tasks already wait.',
  },
  TSGUN_ERR_DIRTY_SERIALIZE: {
    message: 'Dirty task arguments or result cannot be serialised',
    exitCode: EXIT.ERROR,
    doc: 'Arguments or the result are not structured-clone serialisable (functions, sockets…).',
  },
  TSGUN_ERR_DIRTY_PROTOCOL: {
    message: 'Bad dirty worker message',
    exitCode: EXIT.ERROR,
    doc: 'A frame or message between the app, the dirty arbiter and its workers failed strict decoding.',
  },
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
