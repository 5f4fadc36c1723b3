/**
 * Faults that must not wedge the master (issue 13, item 4): a fork() that fails for real (a
 * process limit, RLIMIT_NPROC, set on the running master with prlimit — it applies only to an
 * unprivileged user, so tsgun runs as nobody here), and a worker that never finishes booting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { canImpersonate, cleanupShared, dropPrivileges, sharedDir } from '../helpers/attacker.js';
import { isAlive, killAll, spawnTsgun, startTsgun, waitUntil, type TsgunProcess } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

afterEach(async () => {
  await killAll();
  cleanupShared();
});

/** Soft RLIMIT_NPROC of a nobody-owned process (set as nobody: lowering one's own limit needs no privilege). */
function setNproc(pid: number, limit: string): void {
  execFileSync(dropPrivileges[0] as string, [...dropPrivileges.slice(1), 'prlimit', '--pid', String(pid), `--nproc=${limit}:`]);
}

function softNproc(pid: number): string {
  const line =
    readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max processes')) ?? '';
  return line.split(/\s{2,}/)[1] ?? 'unlimited';
}

const forkFailures = (t: TsgunProcess): number => t.lines.filter((l) => String(l.msg).startsWith('Cannot fork a worker')).length;
const workerPids = (t: TsgunProcess): number[] =>
  t.lines.filter((l) => String(l.msg).startsWith('Booting worker')).map((l) => Number(l['workerPid']));

describe.skipIf(!canImpersonate)('fork() failure (RLIMIT_NPROC on a master run by nobody)', () => {
  it('is logged and retried with backoff; serving resumes once fork works; TERM still ends the master', async () => {
    const tmp = sharedDir();
    const tsgun = await startTsgun(['examples/hello.js', '-b', '127.0.0.1:0', '-w', '1', '--graceful-timeout', '2'], {
      wrap: dropPrivileges,
      env: { TMPDIR: tmp, XDG_RUNTIME_DIR: '' },
    });
    const [worker] = workerPids(tsgun) as [number];
    const normal = softNproc(tsgun.pid);
    setNproc(tsgun.pid, '1');
    process.kill(worker, 'SIGKILL');
    await tsgun.waitForLine((l) => String(l.msg).startsWith('Cannot fork a worker'));
    expect(await waitUntil(() => forkFailures(tsgun) >= 3, 10_000)).toBe(true); // retried, with backoff
    expect(tsgun.lines.find((l) => String(l.msg).startsWith('Cannot fork'))?.['err']).toMatch(/EAGAIN/);

    setNproc(tsgun.pid, normal);
    expect(await waitUntil(() => tsgun.lines.filter((l) => l.msg === 'Worker ready').length >= 2, 15_000)).toBe(true);
    expect((await request(tsgun.url)).status).toBe(200);

    // Fork failing again, then TERM: the master ends within --graceful-timeout plus a small margin.
    setNproc(tsgun.pid, '1');
    process.kill(workerPids(tsgun).at(-1) as number, 'SIGKILL');
    const failed = forkFailures(tsgun);
    expect(await waitUntil(() => forkFailures(tsgun) > failed, 10_000)).toBe(true);
    const started = Date.now();
    const exit = await tsgun.stop('SIGTERM', 20_000);
    expect(Date.now() - started).toBeLessThan(2000 + 5000);
    expect(exit.code).toBe(0);
  });
});

describe('a worker that never finishes loading', () => {
  it('is killed after --timeout and the master halts with a boot error', async () => {
    const tsgun = spawnTsgun(['test/fixtures/security/never-loads.js', '-b', '127.0.0.1:0', '--timeout', '1', '--no-control-socket']);
    const started = Date.now();
    const exited = await Promise.race([tsgun.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
    expect(exited).not.toBe('hung');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(tsgun.stderr()).toMatch(/did not become ready within --timeout 1 s/);
    expect(exited).toMatchObject({ code: 3 });
  });

  it('TERM ends the master while the worker is still loading (no --timeout)', async () => {
    const tsgun = spawnTsgun([
      'test/fixtures/security/never-loads.js',
      '-b',
      '127.0.0.1:0',
      '--timeout',
      '0',
      '--graceful-timeout',
      '1',
      '--no-control-socket',
    ]);
    await tsgun.waitForLine((l) => String(l.msg).startsWith('Booting worker'));
    const pid = Number(tsgun.lines.find((l) => String(l.msg).startsWith('Booting worker'))?.['workerPid']);
    const started = Date.now();
    await tsgun.stop('SIGTERM', 15_000);
    expect(Date.now() - started).toBeLessThan(1000 + 5000);
    expect(await waitUntil(() => !isAlive(pid), 3000)).toBe(true);
  });
});
