/**
 * Error-log and access-log destinations. The error log is pino JSON (pretty when it goes to a
 * terminal); the access log is one formatted text line per request, like gunicorn's, so CLF
 * tools keep working. Both can be reopened for logrotate (USR1).
 */
import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import pino from 'pino';
import type { Logger, DestinationStream } from 'pino';
import { FileSink } from './file-sink.js';

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
  reopen(): void;
  flushSync(): void;
  /** Lines lost to write errors (a full disk…), since start. */
  readonly dropped: number;
}

/** A file path, or '-' for the standard stream given by `stdFd`. */
function openDestination(target: string, stdFd: 1 | 2): DestinationStream & Reopenable {
  // A file: writes that fail drop lines instead of crashing or hanging the process (file-sink.ts).
  if (target !== '-') return new FileSink(target);
  // sync for the std streams so nothing is lost when a worker exits right after logging.
  const stream = pino.destination({ dest: stdFd, sync: true }) as unknown as DestinationStream & {
    flushSync(): void;
    on(e: 'error', f: () => void): void;
  };
  let dropped = 0;
  // A failing stdout/stderr (a closed pipe, 2>/dev/full) must not become an uncaught 'error'.
  stream.on('error', () => dropped++);
  return {
    write: (line: string) => stream.write(line),
    reopen: () => undefined, // only a file can be reopened (logrotate)
    flushSync: () => {
      try {
        stream.flushSync();
      } catch {
        dropped++;
      }
    },
    get dropped() {
      return dropped;
    },
  };
}

export interface LogFiles {
  /** Reopen every log file (USR1 / logrotate). */
  reopen(): void;
  /** Flush pending writes (before exit). */
  flush(): void;
  /** Log lines lost to write errors since start (docs/security.md). */
  dropped(): number;
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
  const reopen = (): void => dest.reopen();
  return { log, files: { reopen, flush: () => dest.flushSync(), dropped: () => dest.dropped } };
}

export interface AccessLog extends LogFiles {
  write(line: string): void;
}

export function createAccessLog(file: string): AccessLog {
  const dest = openDestination(file, 1);
  return {
    write: (line) => void dest.write(`${line}\n`),
    reopen: () => dest.reopen(),
    flush: () => dest.flushSync(),
    dropped: () => dest.dropped,
  };
}
