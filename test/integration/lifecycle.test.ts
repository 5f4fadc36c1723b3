/**
 * Supervision against real processes: hung-worker timeouts, graceful timeout, reload with no
 * failed request, scaling, recycling (max-requests, memory), crash backoff, log reopening, hooks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, isAlive, killAll, startTsgun, waitUntil, type LogLine, type TsgunProcess } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';
import { runLoad, signalDuring } from '../../src/bench/closed-loop.js';

afterEach(killAll);

const LOCAL = ['-b', '127.0.0.1:0'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const msg = (l: LogLine): string => String(l.msg);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tsgun-lifecycle-'));
}

function readyPids(tsgun: TsgunProcess): number[] {
  return tsgun.lines.filter((l) => l.msg === 'Worker ready').map((l) => l['workerPid'] as number);
}

describe('hung workers (--timeout)', () => {
  it('aborts a sync worker whose request runs past the timeout, names the request, runs worker-abort, replaces it', async () => {
    const dir = tempDir();
    const hookLog = join(dir, 'hooks.log');
    const tsgun = await startTsgun(
      ['test/fixtures/lifecycle/hang.js', '-w', '1', '--timeout', '2', '-c', 'test/fixtures/lifecycle/hooks.config.mjs', ...LOCAL],
      { env: { HOOK_LOG: hookLog } },
    );
    const [victim] = readyPids(tsgun);
    const started = Date.now();
    const slow = request(`${tsgun.url}/slow?ms=20000`).catch((err: Error) => err);
    const timeout = await tsgun.waitForLine((l) => msg(l).startsWith('WORKER TIMEOUT'), 6000);
    expect(timeout['workerPid']).toBe(victim);
    expect(timeout['request']).toMatchObject({ method: 'GET', url: '/slow?ms=20000' });
    expect((timeout['request'] as { elapsedMs: number }).elapsedMs).toBeGreaterThanOrEqual(2000);
    await tsgun.waitForLine((l) => l.msg === 'Worker ready' && l['workerPid'] !== victim, 6000);
    expect(Date.now() - started).toBeLessThan(2000 + 2000 + 1500); // timeout + 2 s (+ tick slack)
    expect(await slow).toBeInstanceOf(Error); // its connection died with the worker
    expect((await request(`${tsgun.url}/`)).status).toBe(200);
    await waitUntil(() => !isAlive(victim!), 3000);
    expect(readFileSync(hookLog, 'utf8')).toContain('workerAbort');
    await tsgun.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills a worker whose event loop is blocked (no heartbeat) and replaces it', async () => {
    const tsgun = await startTsgun(['test/fixtures/lifecycle/hang.js', '-k', 'async', '-w', '1', '--timeout', '2', ...LOCAL]);
    const [victim] = readyPids(tsgun);
    const started = Date.now();
    void request(`${tsgun.url}/block`, { timeoutMs: 15_000 }).catch(() => undefined);
    await tsgun.waitForLine((l) => msg(l).startsWith('WORKER TIMEOUT') && l['workerPid'] === victim, 8000);
    await tsgun.waitForLine((l) => l.msg === 'Worker ready' && l['workerPid'] !== victim, 6000);
    // Heartbeats are 1 s apart and checked every second: detection takes timeout + up to 2 s.
    expect(Date.now() - started).toBeLessThan(2000 + 2000 + 2500);
    await tsgun.waitForLine((l) => l['workerPid'] === victim && l['signal'] === 'SIGKILL', 4000);
    expect((await request(`${tsgun.url}/`)).status).toBe(200);
    await tsgun.stop();
  });
});

describe('graceful stop', () => {
  it('kills requests still running after --graceful-timeout, then exits 0', async () => {
    const tsgun = await startTsgun(['test/fixtures/lifecycle/hang.js', '-w', '1', '--graceful-timeout', '1', ...LOCAL]);
    const slow = request(`${tsgun.url}/slow?ms=20000`).catch((err: Error) => err);
    await sleep(300);
    const t0 = Date.now();
    const exit = await tsgun.stop('SIGTERM', 8000);
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(await slow).toBeInstanceOf(Error);
  });
});

describe('reload (HUP)', () => {
  it('async class: 20 s of autocannon keep-alive load with a HUP every 3 s fails no request', async () => {
    const { default: autocannon } = await import('autocannon');
    const tsgun = await startTsgun(['examples/hello.js', '-k', 'async', '-w', '2', ...LOCAL]);
    const run = Promise.resolve(autocannon({ url: `${tsgun.url}/`, connections: 8, duration: 20 }));
    const hups = await signalDuring(tsgun.pid, 'SIGHUP', 3000, run);
    const result = await run;
    expect(hups).toBeGreaterThanOrEqual(6);
    expect(tsgun.lines.filter((l) => l.msg === 'Reload complete: new workers ready, old workers stopping').length).toBeGreaterThanOrEqual(
      5,
    );
    expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, resets: result.resets }).toEqual({
      errors: 0,
      timeouts: 0,
      non2xx: 0,
      resets: 0,
    });
    expect(result.requests.total).toBeGreaterThan(1000);
    expect((await tsgun.stop()).code).toBe(0);
  }, 60_000);

  it('sync class: 20 s of load (one connection per request) with a HUP every 3 s fails no request', async () => {
    const tsgun = await startTsgun(['examples/sleep.js', '-w', '2', ...LOCAL]);
    const run = runLoad(`${tsgun.url}/?ms=5`, { concurrency: 6, durationMs: 20_000, keepAlive: true });
    const hups = await signalDuring(tsgun.pid, 'SIGHUP', 3000, run);
    const result = await run;
    expect(hups).toBeGreaterThanOrEqual(6);
    expect({ failed: result.failed, errors: result.errors }).toEqual({ failed: 0, errors: [] });
    expect(result.ok).toBeGreaterThan(500);
    expect(result.pids.size).toBeGreaterThanOrEqual(2 * 5); // served by several generations
    expect((await tsgun.stop()).code).toBe(0);
  }, 60_000);

  it('a broken app on reload leaves the old workers serving; a fixed one is picked up', async () => {
    const dir = tempDir();
    const app = join(dir, 'app.mjs');
    copyFileSync(join(ROOT, 'examples/hello.js'), app);
    const tsgun = await startTsgun([app, '-w', '2', ...LOCAL]);
    const oldPids = readyPids(tsgun);
    writeFileSync(app, "throw new Error('deploy is broken');\n");
    process.kill(tsgun.pid, 'SIGHUP');
    const failed = await tsgun.waitForLine((l) => msg(l).includes('during reload; old workers keep serving'), 8000);
    expect(String(failed['error'])).toContain('deploy is broken');
    for (let i = 0; i < 4; i++) {
      const reply = await request(`${tsgun.url}/`);
      expect(reply.status).toBe(200);
      expect(oldPids).toContain(Number(reply.headers['x-worker-pid']));
    }
    copyFileSync(join(ROOT, 'examples/hello.js'), app);
    process.kill(tsgun.pid, 'SIGHUP');
    await tsgun.waitForLine((l) => l.msg === 'Reload complete: new workers ready, old workers stopping', 8000);
    await waitUntil(() => oldPids.every((pid) => !isAlive(pid)), 5000);
    const reply = await request(`${tsgun.url}/`);
    expect(oldPids).not.toContain(Number(reply.headers['x-worker-pid']));
    expect((await tsgun.stop()).code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});

describe('scaling and hooks', () => {
  it('TTIN adds a worker, TTOU removes one down to 1; every hook runs; a failing hook is only logged', async () => {
    const dir = tempDir();
    const hookLog = join(dir, 'hooks.log');
    const tsgun = await startTsgun(['examples/hello.js', '-w', '2', '-c', 'test/fixtures/lifecycle/hooks.config.mjs', ...LOCAL], {
      env: { HOOK_LOG: hookLog },
    });
    await tsgun.waitForLine((l) => l['hook'] === 'whenReady' && msg(l).includes('failed'), 3000);
    expect((await request(`${tsgun.url}/`)).status).toBe(200);

    process.kill(tsgun.pid, 'SIGTTIN');
    await waitUntil(() => readyPids(tsgun).length === 3, 8000);
    // Standard signals coalesce while pending: space them out.
    for (let i = 0; i < 3; i++) {
      process.kill(tsgun.pid, 'SIGTTOU'); // the third finds 1 worker: it stays
      await sleep(300);
    }
    await tsgun.waitForLine((l) => msg(l) === 'Scaling workers from 2 to 1', 5000);
    await waitUntil(
      () => tsgun.lines.filter((l) => l['reason'] === 'scale-down' && msg(l).startsWith('Worker exiting')).length === 2,
      8000,
    );
    expect(tsgun.lines.some((l) => msg(l) === 'Scaling workers from 1 to 0')).toBe(false);
    expect((await request(`${tsgun.url}/`)).status).toBe(200);

    process.kill(tsgun.pid, 'SIGHUP');
    await tsgun.waitForLine((l) => l.msg === 'Reload complete: new workers ready, old workers stopping', 8000);
    expect((await tsgun.stop('SIGINT')).code).toBe(0);

    const hooks = readFileSync(hookLog, 'utf8').split('\n');
    for (const name of [
      'onStarting',
      'whenReady',
      'preFork',
      'postFork',
      'postWorkerInit',
      'preRequest',
      'postRequest',
      'nworkersChanged 2->3',
      'nworkersChanged 3->2',
      'nworkersChanged 2->1',
      'onReload',
      'childExit',
      'workerExit',
      'workerInt',
      'onExit',
    ]) {
      expect(hooks, name).toContain(name);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});

describe('recycling', () => {
  it('--max-requests: each worker is replaced after its requests, the replacement is ready first, no request fails', async () => {
    const tsgun = await startTsgun(['examples/sleep.js', '-w', '2', '--max-requests', '40', '--max-requests-jitter', '10', ...LOCAL]);
    const result = await runLoad(`${tsgun.url}/?ms=5`, { concurrency: 4, durationMs: 6000, keepAlive: false });
    expect({ failed: result.failed, errors: result.errors }).toEqual({ failed: 0, errors: [] });
    const retired = tsgun.lines.filter((l) => l['reason'] === 'max-requests' && msg(l).startsWith('Worker exiting'));
    expect(retired.length).toBeGreaterThanOrEqual(2);
    // Capacity never dips: each retired worker exits only after a replacement became ready.
    for (const exit of retired) {
      const exitIndex = tsgun.lines.indexOf(exit);
      const asked = tsgun.lines.findIndex((l) => l['workerPid'] === exit['workerPid'] && msg(l).includes('reached --max-requests'));
      expect(asked).toBeGreaterThanOrEqual(0);
      expect(tsgun.lines.slice(asked, exitIndex).some((l) => l.msg === 'Worker ready')).toBe(true);
    }
    expect((await tsgun.stop()).code).toBe(0);
  }, 30_000);

  it('--max-worker-memory: a worker over the limit is replaced gracefully', async () => {
    const tsgun = await startTsgun(['test/fixtures/lifecycle/memory-hog.js', '-w', '1', '--max-worker-memory', '150', ...LOCAL]);
    const [victim] = readyPids(tsgun);
    for (let i = 0; i < 4; i++) expect((await request(`${tsgun.url}/grow`)).status).toBe(200);
    const over = await tsgun.waitForLine((l) => msg(l).includes('is over --max-worker-memory'), 5000);
    expect(over['workerPid']).toBe(victim);
    expect(over['rssMb'] as number).toBeGreaterThan(150);
    await tsgun.waitForLine((l) => l['workerPid'] === victim && l['reason'] === 'memory' && msg(l).startsWith('Worker exiting'), 8000);
    const reply = await request(`${tsgun.url}/`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('kept 0');
    expect((await tsgun.stop()).code).toBe(0);
  }, 20_000);
});

describe('crashes and logs', () => {
  it('respawns crashing workers with a growing delay and logs each crash', async () => {
    const tsgun = await startTsgun(['test/fixtures/cli/crash-on-request.js', '-w', '1', ...LOCAL]);
    for (let i = 0; i < 4; i++) {
      const before = tsgun.lines.filter((l) => l.msg === 'Worker ready').length;
      await request(`${tsgun.url}/crash`).catch(() => undefined);
      await waitUntil(() => tsgun.lines.filter((l) => l.msg === 'Worker ready').length > before, 8000);
    }
    const crashes = tsgun.lines.filter((l) => msg(l).includes('exited with code 7'));
    expect(crashes).toHaveLength(4);
    const delays = crashes.map((l) => l['respawnInMs'] as number);
    expect(delays[0]).toBe(0);
    expect(delays[3]!).toBeGreaterThan(delays[1]!);
    expect((await tsgun.stop()).code).toBe(0);
  }, 30_000);

  it('USR1 reopens the access log (logrotate)', async () => {
    const dir = tempDir();
    const log = join(dir, 'access.log');
    const tsgun = await startTsgun(['examples/hello.js', '-w', '1', '--access-logfile', log, ...LOCAL]);
    await request(`${tsgun.url}/before`);
    await waitUntil(() => existsSync(log) && readFileSync(log, 'utf8').includes('/before'), 3000);
    renameSync(log, `${log}.1`);
    process.kill(tsgun.pid, 'SIGUSR1');
    await tsgun.waitForLine((l) => l.msg === 'Reopening log files', 3000);
    await sleep(200);
    await request(`${tsgun.url}/after`);
    expect(await waitUntil(() => existsSync(log) && readFileSync(log, 'utf8').includes('/after'), 3000)).toBe(true);
    expect(readFileSync(`${log}.1`, 'utf8')).not.toContain('/after');
    await tsgun.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('binary upgrade (USR2)', () => {
  it('starts a new master on the same sockets, which TERMs the old one once ready; no request fails', async () => {
    const dir = tempDir();
    const pidfile = join(dir, 'tsgun.pid');
    const sock = join(dir, 'tsgun.sock');
    const tsgun = await startTsgun(['examples/hello.js', '-w', '2', '-p', pidfile, '-b', `unix:${sock}`, ...LOCAL]);
    const oldPid = tsgun.pid;
    const tcpUrl = String(tsgun.lines.find((l) => String(l['url']).startsWith('http://'))!['url']);
    const load = runLoad(`${tcpUrl}/`, { concurrency: 4, durationMs: 5000, keepAlive: false });
    await sleep(500);
    process.kill(oldPid, 'SIGUSR2');
    const exit = await tsgun.exited;
    expect(exit.code).toBe(0);
    const result = await load;
    expect({ failed: result.failed, errors: result.errors }).toEqual({ failed: 0, errors: [] });

    const newPid = Number(readFileSync(pidfile, 'utf8'));
    expect(newPid).not.toBe(oldPid);
    expect(isAlive(newPid)).toBe(true);
    expect(tsgun.lines.some((l) => l.pid === newPid && l['oldMasterPid'] === oldPid)).toBe(true);
    expect(existsSync(sock)).toBe(true); // the old master left the socket file to its successor
    expect((await request('http://localhost/', { socketPath: sock })).status).toBe(200);
    expect((await request(`${tcpUrl}/`)).status).toBe(200);

    process.kill(newPid, 'SIGTERM');
    expect(await waitUntil(() => !isAlive(newPid), 8000)).toBe(true);
    expect(existsSync(sock)).toBe(false);
    expect(existsSync(pidfile)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});
