/**
 * A log file destination that can fail without taking its process down (issue 13, item 6).
 *
 * pino's SonicBoom emits 'error' on ENOSPC (uncaught: the worker died) and its flushSync retries
 * a failing write forever (a worker hung until the heartbeat timeout; the master stopped
 * handling TERM). Here a failed write drops its lines: they are counted (`dropped`, reported in
 * `tsgun ctl stats` and /metrics), the first failure is reported once on stderr, and writing
 * resumes by itself as soon as a write succeeds again (space freed, file replaced and reopened),
 * which is reported too. Lines are batched and written once per event-loop turn (one write(2)
 * for many lines; in order, so a flush at exit loses nothing); at most MAX_PENDING bytes wait.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const MAX_PENDING = 4 * 1024 * 1024;
/** A flushSync gives up after this many partial writes (a file that accepts a byte at a time). */
const MAX_SYNC_WRITES = 64;

function stderrLine(text: string): void {
  try {
    writeSync(2, `${text}\n`);
  } catch {
    // stderr is failing too: nothing left to tell.
  }
}

function openAppend(path: string): number {
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, 'a', 0o666);
}

export class FileSink {
  readonly #path: string;
  #fd: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  #scheduled = false;
  #failing: string | undefined;
  #dropped = 0;

  constructor(path: string) {
    this.#path = path;
    this.#fd = openAppend(path);
  }

  /** Lines lost to write errors or to a full pending buffer, since start. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queue one chunk (a log line); never throws, never blocks. */
  write(chunk: string): boolean {
    if (this.#pendingBytes + chunk.length > MAX_PENDING) {
      this.#dropped++;
      return true;
    }
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    this.#schedule();
    return true;
  }

  #take(): { text: string; lines: number } {
    const text = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join('');
    const lines = this.#pending.length;
    this.#pending = [];
    this.#pendingBytes = 0;
    return { text, lines };
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flushSync();
    });
  }

  #failed(err: NodeJS.ErrnoException, lines: number): void {
    this.#dropped += lines;
    if (this.#failing === undefined) {
      this.#failing = err.code ?? err.message;
      stderrLine(`tsgun[${process.pid}]: cannot write to ${this.#path} (${err.message}); dropping log lines until writes succeed again`);
    }
  }

  #succeeded(): void {
    if (this.#failing === undefined) return;
    this.#failing = undefined;
    stderrLine(`tsgun[${process.pid}]: ${this.#path} is writable again (${this.#dropped} line(s) dropped so far)`);
  }

  /** Write what is pending (once per event-loop turn, and before exit): bounded; failures drop the lines. */
  flushSync(): void {
    if (this.#pending.length === 0) return;
    const { text, lines } = this.#take();
    const buf = Buffer.from(text, 'utf8');
    let offset = 0;
    try {
      for (let i = 0; i < MAX_SYNC_WRITES && offset < buf.length; i++) offset += writeSync(this.#fd, buf, offset);
      if (offset < buf.length) this.#dropped += lines;
      else this.#succeeded();
    } catch (err) {
      this.#failed(err as NodeJS.ErrnoException, lines);
    }
  }

  /** Reopen the path (logrotate, USR1); if it cannot be opened, keep the current file. */
  reopen(): void {
    let fd: number;
    try {
      fd = openAppend(this.#path);
    } catch (err) {
      stderrLine(`tsgun[${process.pid}]: cannot reopen ${this.#path} (${(err as Error).message}); still writing to the old file`);
      return;
    }
    this.flushSync(); // what was logged before the reopen goes to the old file
    const old = this.#fd;
    this.#fd = fd;
    try {
      closeSync(old);
    } catch {
      // Closed already.
    }
  }
}
