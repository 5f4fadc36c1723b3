/**
 * A local attacker for security tests: code run as the unprivileged user `nobody` (uid 65534,
 * via `setpriv`), while the test and the tsgun it starts run as root. Directories the two share
 * are made under the suite's private TMPDIR (test/setup/private-tmpdir.ts) and removed by
 * `cleanupShared()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NOBODY = 65534;
const SETPRIV = '/usr/bin/setpriv';
const DROP = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

/** Root with setpriv: the attacker can be a different, unprivileged user. */
export const canImpersonate = process.getuid?.() === 0 && existsSync(SETPRIV);

const made: string[] = [];

/** A directory like /tmp: world-writable and sticky. */
export function sharedDir(prefix = 'shared-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o1777);
  made.push(dir);
  return dir;
}

/** A directory only root can enter (victim files live here). */
export function rootDir(prefix = 'root-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  made.push(dir);
  return dir;
}

export function cleanupShared(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Run a Node script as nobody to completion; returns its stdout (throws on failure). */
export function asNobody(script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync(SETPRIV, [...DROP, process.execPath, '--input-type=module', '-e', script, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, ...env },
  });
  if (run.status !== 0) throw new Error(`attacker script failed (${run.status ?? run.signal}): ${run.stderr}`);
  return run.stdout;
}

/** Start a long-running Node script as nobody (kill it with `stopNobody`). */
export function spawnAsNobody(script: string, args: readonly string[] = []): ChildProcess {
  return spawn(SETPRIV, [...DROP, process.execPath, '--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Run any command as nobody with extra setpriv/prlimit wrapping left to the caller. */
export const dropPrivileges: readonly string[] = [SETPRIV, ...DROP];
