/**
 * Error-log and access-log destinations. The error log is pino JSON (pretty when it goes to a
 * terminal); the access log is one formatted text line per request, like gunicorn's, so CLF
 * tools keep working. Both can be reopened for logrotate (USR1).
 */
import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import pino from 'pino';
import type { Logger, DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** gunicorn's level names → pino's. */
const LEVELS = {
  debug: 'debug',
  info: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
} as const;

export type LogLevelName = keyof typeof LEVELS;

interface Reopenable {
  reopen(file?: string): void;
  flushSync(): void;
}

/** A file path, or '-' for the standard stream given by `stdFd`. */
function openDestination(target: string, stdFd: 1 | 2): DestinationStream & Reopenable {
  const dest = target === '-' ? stdFd : target;
  // sync for the std streams so nothing is lost when a worker exits right after logging.
  const stream = pino.destination({ dest, sync: target === '-', append: true, mkdir: true }) as unknown as DestinationStream & Reopenable;
  // Only a file can be reopened (logrotate); a standard stream stays as it is.
  if (target === '-') stream.reopen = () => undefined;
  return stream;
}

export interface LogFiles {
  /** Reopen every log file (USR1 / logrotate). */
  reopen(): void;
  /** Flush pending writes (before exit). */
  flush(): void;
}

export interface ErrorLogOptions {
  readonly level: LogLevelName;
  readonly file: string;
  readonly base?: Record<string, unknown>;
}

export function createErrorLog(options: ErrorLogOptions): { log: Logger; files: LogFiles } {
  const dest = openDestination(options.file, 2);
  const level = LEVELS[options.level];
  const base = { pid: process.pid, ...options.base };
  let stream: DestinationStream = dest;
  if (options.file === '-' && isatty(2) && !process.env['NO_COLOR']) {
    // pino-pretty is only loaded for humans at a terminal; JSON everywhere else.
    const require = createRequire(import.meta.url);
    const pretty = require('pino-pretty') as (opts: object) => DestinationStream;
    stream = pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname' });
  }
  const log = pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, stream);
  // A std stream has no file to reopen (SonicBoom throws on it): USR1 must not kill the master.
  const reopen = options.file === '-' ? () => undefined : () => dest.reopen();
  return { log, files: { reopen, flush: () => dest.flushSync() } };
}

export interface AccessLog extends LogFiles {
  write(line: string): void;
}

export function createAccessLog(file: string): AccessLog {
  const dest = openDestination(file, 1);
  return {
    write: (line) => void dest.write(`${line}\n`),
    reopen: file === '-' ? () => undefined : () => dest.reopen(),
    flush: () => {
      try {
        dest.flushSync();
      } catch {
        // flushSync throws while the stream is still opening; nothing is lost, it is async.
      }
    },
  };
}
