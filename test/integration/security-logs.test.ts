/**
 * Log files that fail writes (issue 13, item 6): /dev/full stands in for a full disk (ENOSPC on
 * every write), and RLIMIT_FSIZE set on a running worker with prlimit for a disk that fills up
 * and then has room again (EFBIG until the limit is lifted). Serving and signals go on; the lost
 * lines are counted in `tsgun ctl stats`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, spawnTsgun, startTsgun, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';
import { ctlJson } from '../helpers/ctl.js';
import type { PoolStatsView } from '../../src/control/protocol.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logs-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await killAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const warnings = (stderr: string): number => stderr.split('\n').filter((l) => l.includes('cannot write to')).length;

async function dropped(socket: string, atLeast: number): Promise<PoolStatsView> {
  let stats: PoolStatsView | undefined;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    stats = await ctlJson<PoolStatsView>(socket, ['stats']);
    if (stats.faults.logDropped >= atLeast) return stats;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`log lines dropped stayed at ${stats?.faults.logDropped}`);
}

describe('a log file that fails every write', () => {
  it('--access-logfile /dev/full: workers keep serving, lines are counted as dropped, one warning per process', async () => {
    const socket = join(tempDir(), 'ctl.sock');
    const tsgun = await startTsgun([
      'examples/hello.js',
      '-b',
      '127.0.0.1:0',
      '-w',
      '2',
      '--access-logfile',
      '/dev/full',
      '--control-socket',
      socket,
    ]);
    for (let i = 0; i < 30; i++) expect((await request(tsgun.url)).status).toBe(200);
    const stats = await dropped(socket, 30);
    expect(stats.workerExits).toEqual({});
    expect(tsgun.lines.filter((l) => String(l.msg).startsWith('Booting worker'))).toHaveLength(2); // none replaced
    expect(warnings(tsgun.stderr())).toBeGreaterThanOrEqual(1);
    expect(warnings(tsgun.stderr())).toBeLessThanOrEqual(2);
    const started = Date.now();
    expect(await tsgun.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('--error-logfile /dev/full: the master serves, answers ctl and still stops on TERM', async () => {
    const dir = tempDir();
    const socket = join(dir, 'ctl.sock');
    const http = join(dir, 'http.sock');
    const tsgun = spawnTsgun([
      'examples/hello.js',
      '-b',
      `unix:${http}`,
      '-w',
      '2',
      '--error-logfile',
      '/dev/full',
      '--control-socket',
      socket,
    ]);
    // No log to wait on: poll until it serves.
    let served = false;
    for (const deadline = Date.now() + 15_000; !served && Date.now() < deadline; await new Promise((res) => setTimeout(res, 200))) {
      served = (await request('http://localhost/', { socketPath: http, timeoutMs: 1000 }).catch(() => undefined))?.status === 200;
    }
    expect(served).toBe(true);
    const stats = await dropped(socket, 3);
    expect(stats.workers.running).toBe(2);
    const started = Date.now();
    expect(await tsgun.stop('SIGTERM', 15_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('a log file that fails, then has room again', () => {
  it('drops while writes fail (RLIMIT_FSIZE), resumes by itself when they succeed, and says so on stderr', async () => {
    const dir = tempDir();
    const socket = join(dir, 'ctl.sock');
    const log = join(dir, 'access.log');
    const tsgun = await startTsgun([
      'examples/hello.js',
      '-b',
      '127.0.0.1:0',
      '-w',
      '1',
      '--access-logfile',
      log,
      '--control-socket',
      socket,
    ]);
    const worker = Number(tsgun.lines.find((l) => String(l.msg).startsWith('Booting worker'))?.['workerPid']);
    await request(tsgun.url);
    expect(await waitUntil(() => readFileSync(log, 'utf8').split('\n').length === 2, 5000)).toBe(true);
    const full = statSync(log).size;
    execFileSync('prlimit', ['--pid', String(worker), `--fsize=${full}:`]); // the disk is "full" for this worker
    for (let i = 0; i < 5; i++) expect((await request(tsgun.url)).status).toBe(200);
    await dropped(socket, 5);
    expect(statSync(log).size).toBe(full);
    expect(tsgun.stderr()).toContain(`cannot write to ${log}`);

    execFileSync('prlimit', ['--pid', String(worker), '--fsize=unlimited:']); // room again
    for (let i = 0; i < 3; i++) expect((await request(tsgun.url)).status).toBe(200);
    expect(await waitUntil(() => readFileSync(log, 'utf8').trim().split('\n').length === 4, 5000)).toBe(true);
    expect(await waitUntil(() => tsgun.stderr().includes(`${log} is writable again`), 5000)).toBe(true);
    expect(tsgun.lines.filter((l) => String(l.msg).startsWith('Booting worker'))).toHaveLength(1);
    await tsgun.stop();
  });
});
