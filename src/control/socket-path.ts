/**
 * Where the control socket lives, decided the same way by the server and by `tsgun ctl`:
 *   1. `--control-socket PATH` (TSGUN_CONTROL_SOCKET) when given;
 *   2. next to the pid file: `--pid /run/app.pid` → `/run/app.ctl`;
 *   3. `$XDG_RUNTIME_DIR/tsgun-<master pid>.ctl`, or `<tmpdir>/tsgun-<uid>/tsgun-<master pid>.ctl`
 *      (a directory created 0700 and checked to be ours), where ctl finds it by listing the
 *      directory for a socket whose master is alive.
 */
import { lstatSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { TsgunError } from '../errors.js';
import { isProcessAlive } from '../process-alive.js';
import { fallbackRuntimeDir, runtimeDir, verifyPrivateDir } from './private-dir.js';

export { runtimeDir } from './private-dir.js';

type Env = Readonly<Record<string, string | undefined>>;

/** sun_path is 108 bytes on Linux (104 on macOS), including the terminating NUL. */
const MAX_SOCKET_PATH = 103;
const SOCKET_NAME = /^tsgun-(\d+)\.ctl$/;

export interface SocketPathInput {
  readonly controlSocket: string | null;
  readonly pidfile: string | null;
}

/** What to do when the default directory is squatted (start-up refusal). */
export const SQUATTED_DIR_HINT =
  'remove it, or put the control socket elsewhere with --control-socket PATH (or run with --no-control-socket)';

/** `/run/app.pid` → `/run/app.ctl`; `/run/app` → `/run/app.ctl`. */
export function besidePidfile(pidfile: string): string {
  const ext = extname(pidfile);
  return join(dirname(pidfile), `${ext === '' ? basename(pidfile) : basename(pidfile, ext)}.ctl`);
}

/** The path a master with this pid listens on, or that ctl connects to for given settings. */
export function controlSocketPath(input: SocketPathInput, masterPid: number, env: Env): string {
  if (input.controlSocket !== null) return input.controlSocket;
  if (input.pidfile !== null) return besidePidfile(input.pidfile);
  return join(runtimeDir(env), `tsgun-${masterPid}.ctl`);
}

export function checkSocketPathLength(path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new TsgunError(
      'TSGUN_ERR_CONTROL_SOCKET',
      `${path}: path longer than ${MAX_SOCKET_PATH} bytes (a Unix socket limit); set --control-socket`,
    );
  }
}

/**
 * Create the fallback directory (mode 0700) if needed and refuse one another user could
 * write to: a socket there could be replaced by someone else's.
 */
export function ensureSocketDir(path: string): void {
  const dir = dirname(path);
  if (dir !== fallbackRuntimeDir()) return; // the operator chose the directory (or XDG_RUNTIME_DIR): theirs to secure
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new TsgunError('TSGUN_ERR_CONTROL_SOCKET', `${dir}: ${(err as Error).message}`, { cause: err });
  }
  verifyPrivateDir(dir, { strict: true, code: 'TSGUN_ERR_CONTROL_SOCKET', hint: SQUATTED_DIR_HINT });
}

/**
 * Remove default-named sockets in `dir` whose master is dead (killed with SIGKILL, so it could
 * not clean up), so the default directory does not fill up. A live pid's socket is left alone.
 */
export function sweepDeadSockets(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = SOCKET_NAME.exec(name);
    if (m === null || isProcessAlive(Number(m[1]))) continue;
    const path = join(dir, name);
    try {
      if (lstatSync(path).isSocket()) unlinkSync(path);
    } catch {
      // Raced with another master sweeping: fine.
    }
  }
}

/** Default-location sockets whose master process is alive, for ctl's discovery. */
export function findRunningSockets(env: Env): string[] {
  const dir = runtimeDir(env);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      const m = SOCKET_NAME.exec(name);
      return m !== null && isProcessAlive(Number(m[1]));
    })
    .map((name) => join(dir, name));
}
