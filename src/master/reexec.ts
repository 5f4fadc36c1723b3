/**
 * USR2: the binary-upgrade dance (gunicorn's, nginx's). The master starts a new master from the
 * current code on disk, handing it the listening sockets as inherited fds 3… (like systemd's
 * `LISTEN_FDS`, but under our own variable, as gunicorn's `GUNICORN_FD`: systemd's needs a
 * `LISTEN_PID` we cannot know before the child exists). The new master boots its own workers and, once they are all
 * ready, sends TERM to the old master, which stops its workers gracefully. Until then the old
 * master keeps serving; if the new one fails to start, the old one simply carries on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Listener } from './listeners.js';

/** Set in the new master: the old master's pid, to TERM once ready. */
export const REEXEC_PARENT_ENV = 'TSGUN_REEXEC_PARENT';
/** Set in the new master: the binds behind the inherited fds 3… (JSON array), for names and socket-file ownership. */
export const REEXEC_BINDS_ENV = 'TSGUN_REEXEC_BINDS';

export function reexecMaster(listeners: readonly Listener[]): ChildProcess {
  const fds = listeners.map((l) => l.handle.fd);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['LISTEN_FDS'];
  delete env['LISTEN_PID'];
  return spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', ...fds],
    env: {
      ...env,
      [REEXEC_PARENT_ENV]: String(process.pid),
      [REEXEC_BINDS_ENV]: JSON.stringify(listeners.map((l) => l.info.bind)),
    },
  });
}

export interface Reexecuted {
  readonly parentPid: number;
  readonly binds: readonly string[];
}

/** In a new master started by USR2: who started it and what the inherited fds are. Clears the env so workers don't inherit it. */
export function takeReexecEnv(env: NodeJS.ProcessEnv): Reexecuted | undefined {
  const parent = Number(env[REEXEC_PARENT_ENV] ?? '');
  let binds: string[] = [];
  try {
    const parsed: unknown = JSON.parse(env[REEXEC_BINDS_ENV] ?? '[]');
    if (Array.isArray(parsed)) binds = parsed.filter((b): b is string => typeof b === 'string');
  } catch {
    binds = [];
  }
  delete env[REEXEC_PARENT_ENV];
  delete env[REEXEC_BINDS_ENV];
  return Number.isInteger(parent) && parent > 0 ? { parentPid: parent, binds } : undefined;
}
