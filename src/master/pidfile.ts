/**
 * The pid file: written once the master holds its sockets, removed at exit if it is still ours.
 *
 * `--pid` may point into a directory other users can write to. So the temporary file is created
 * exclusively under an unguessable name without following links (a planted symlink must not
 * make us write into another file), renamed over the pid file (rename replaces a link, it never
 * writes through it), and an existing pid file is trusted only when it is a regular file of
 * ours: anything else (a link, someone else's file naming pid 1…) is replaced, with a warning.
 */
import { type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, basename } from 'node:path';
import { TsgunError } from '../errors.js';
import { isProcessAlive } from '../process-alive.js';
import { currentUid } from '../control/private-dir.js';

type Existing =
  | { readonly kind: 'none' }
  | { readonly kind: 'ours'; readonly pid: number | undefined }
  | { readonly kind: 'untrusted'; readonly why: string };

export class PidFile {
  #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /**
   * Refuses to take over a pid file of ours whose process is alive (another master). Returns a
   * warning when an untrusted file was replaced.
   */
  write(pid: number): string | undefined {
    const existing = this.#inspect();
    if (existing.kind === 'ours' && existing.pid !== undefined && existing.pid !== pid && isProcessAlive(existing.pid)) {
      throw new TsgunError('TSGUN_ERR_PIDFILE', `${this.#path}: already used by running process ${existing.pid}`);
    }
    // Write then rename, so readers never see a half-written file.
    const tmp = join(dirname(this.#path), `.${basename(this.#path)}.${pid}.${randomBytes(6).toString('hex')}.tmp`);
    let created = false;
    try {
      const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      created = true;
      try {
        writeSync(fd, `${pid}\n`);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.#path);
    } catch (err) {
      if (created) tryUnlink(tmp);
      throw new TsgunError('TSGUN_ERR_PIDFILE', `${this.#path}: ${(err as Error).message}`, { cause: err });
    }
    return existing.kind === 'untrusted' ? `${this.#path}: replaced ${existing.why}` : undefined;
  }

  /** Move the file aside (USR2 renames it to `.oldbin` while the new master takes the name). */
  rename(to: string): void {
    try {
      renameSync(this.#path, to);
      this.#path = to;
    } catch {
      // Gone already (deleted by hand): nothing to move.
    }
  }

  /** Removes the file only if it is still ours and names `pid` (a re-executed master may own it now). */
  remove(pid: number): void {
    const existing = this.#inspect();
    if (existing.kind !== 'ours' || existing.pid !== pid) return;
    tryUnlink(this.#path);
  }

  #inspect(): Existing {
    let st: Stats;
    try {
      st = lstatSync(this.#path);
    } catch {
      return { kind: 'none' };
    }
    if (st.isSymbolicLink()) return { kind: 'untrusted', why: 'a symbolic link' };
    if (!st.isFile()) return { kind: 'untrusted', why: 'something that is not a regular file' };
    if (st.uid !== currentUid()) return { kind: 'untrusted', why: `a file of uid ${st.uid} (not ours, its pid is not trusted)` };
    return { kind: 'ours', pid: readPid(this.#path) };
  }
}

function readPid(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(32);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8').trim();
    const pid = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } finally {
    closeSync(fd);
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already removed by an operator: nothing to do.
  }
}
