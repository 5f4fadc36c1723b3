/** The pid file: written once the master holds its sockets, removed at exit if it is still ours. */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { TsgunError } from '../errors.js';
import { isProcessAlive } from '../process-alive.js';

export class PidFile {
  #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /** Refuses to take over a pid file whose process is alive (another master). */
  write(pid: number): void {
    const other = this.#readPid();
    if (other !== undefined && other !== pid && isProcessAlive(other)) {
      throw new TsgunError('TSGUN_ERR_PIDFILE', `${this.#path}: already used by running process ${other}`);
    }
    // Write then rename, so readers never see a half-written file.
    const tmp = join(dirname(this.#path), `.${basename(this.#path)}.${pid}.tmp`);
    try {
      writeFileSync(tmp, `${pid}\n`);
      renameSync(tmp, this.#path);
    } catch (err) {
      throw new TsgunError('TSGUN_ERR_PIDFILE', `${this.#path}: ${(err as Error).message}`, { cause: err });
    }
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

  /** Removes the file only if it still names `pid` (a re-executed master may own it now). */
  remove(pid: number): void {
    if (this.#readPid() !== pid) return;
    try {
      unlinkSync(this.#path);
    } catch {
      // Already removed by an operator: nothing to do.
    }
  }

  #readPid(): number | undefined {
    try {
      const pid = Number.parseInt(readFileSync(this.#path, 'utf8').trim(), 10);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }
}
