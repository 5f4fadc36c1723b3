/**
 * --user / --group / --initgroups in the master: resolve names to ids before anything is forked
 * (a typo fails at start, not in every worker), refuse a switch a non-root master cannot make,
 * and hand the files workers open over to that user (gunicorn chowns its log files and unix
 * sockets the same way). The switch itself happens in the worker (worker/drop-privileges.ts).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, fchownSync, lchownSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TsgunError, errorMessage } from '../errors.js';
import type { Settings } from '../config/index.js';
import type { WorkerIdentity } from '../ipc/messages.js';

interface Entry {
  readonly name: string;
  readonly id: number;
  /** passwd: the primary group id; group: unused. */
  readonly gid: number;
}

/** One passwd or group entry by name or id, through NSS (`getent`), else the plain files. */
function lookup(database: 'passwd' | 'group', key: string): Entry | undefined {
  let line: string | undefined;
  try {
    line = execFileSync('getent', [database, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // getent exits 2 for "not found"; ENOENT means there is no getent (some minimal images).
    if (code !== 'ENOENT') return undefined;
    const numeric = /^\d+$/.test(key);
    line = readFileSync(`/etc/${database}`, 'utf8')
      .split('\n')
      .find((l) => {
        const f = l.split(':');
        return numeric ? f[2] === key : f[0] === key;
      });
  }
  const f = line?.split(':') ?? [];
  if (f.length < 3 || !/^\d+$/.test(f[2] ?? '')) return undefined;
  return { name: f[0] ?? '', id: Number(f[2]), gid: Number(f[3] ?? NaN) };
}

function unknown(flag: string, value: string, what: string): TsgunError {
  return new TsgunError('TSGUN_ERR_UNKNOWN_IDENTITY', `${flag} ${value}: no such ${what}`);
}

/** The identity workers switch to, or undefined when neither --user nor --group is set. */
export function resolveWorkerIdentity(settings: Pick<Settings, 'user' | 'group' | 'initgroups'>): WorkerIdentity | undefined {
  const { user, group, initgroups } = settings;
  if (user === null && group === null) {
    if (initgroups) throw new TsgunError('TSGUN_ERR_INVALID_SETTING', '--initgroups: needs --user');
    return undefined;
  }
  const euid = process.geteuid?.() ?? 0;
  const egid = process.getegid?.() ?? 0;
  let uid = euid;
  let name: string | undefined;
  let primaryGid: number | undefined;
  if (user !== null) {
    const entry = lookup('passwd', user);
    if (entry) {
      uid = entry.id;
      name = entry.name;
      primaryGid = Number.isInteger(entry.gid) ? entry.gid : undefined;
    } else if (/^\d+$/.test(user)) {
      uid = Number(user); // an id without a passwd entry is fine (containers), as in gunicorn
    } else {
      throw unknown('--user', user, 'user');
    }
  }
  let gid = primaryGid ?? egid;
  if (group !== null) {
    const entry = lookup('group', group);
    if (entry) gid = entry.id;
    else if (/^\d+$/.test(group)) gid = Number(group);
    else throw unknown('--group', group, 'group');
  } else if (user !== null && primaryGid === undefined) {
    throw new TsgunError('TSGUN_ERR_INVALID_SETTING', `--user ${user}: has no passwd entry, so give --group too`);
  }
  if (initgroups && name === undefined) {
    throw new TsgunError('TSGUN_ERR_INVALID_SETTING', '--initgroups: needs a --user with a passwd entry');
  }
  if (euid !== 0 && (uid !== euid || gid !== egid)) {
    throw new TsgunError(
      'TSGUN_ERR_PRIVILEGES',
      `the master runs as uid ${euid}, not root, so it cannot start workers as uid ${uid} gid ${gid}: ` +
        'start tsgun as root, or drop --user/--group',
    );
  }
  // A non-root master asked for its own identity: there is nothing to switch (nor could it).
  return euid === 0 ? { uid, gid, user: name, initgroups } : undefined;
}

/**
 * Make sure each log file exists and belongs to the workers' user, so a worker (which opens
 * them after dropping privileges, and again on USR1) can append. O_NOFOLLOW: never chown
 * through a symlink someone planted at the path.
 */
export function handOverLogFiles(files: readonly string[], id: WorkerIdentity): void {
  for (const file of files) {
    if (file === '-') continue;
    try {
      mkdirSync(dirname(file), { recursive: true });
      const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
      try {
        fchownSync(fd, id.uid, id.gid);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw new TsgunError('TSGUN_ERR_PRIVILEGES', `cannot hand ${file} over to uid ${id.uid}: ${errorMessage(err)}`);
    }
  }
}

/** Unix socket files and the balance board: owned by the workers' user (lchown: never follow a link). */
export function handOverPaths(paths: readonly string[], id: WorkerIdentity): void {
  for (const path of paths) {
    try {
      lchownSync(path, id.uid, id.gid);
    } catch (err) {
      throw new TsgunError('TSGUN_ERR_PRIVILEGES', `cannot hand ${path} over to uid ${id.uid}: ${errorMessage(err)}`);
    }
  }
}
