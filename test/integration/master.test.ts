/** The master against real processes: workers, respawn, signals, boot failures, sockets. */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, killAll, spawnTsgun, startTsgun, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

afterEach(killAll);

const LOCAL = ['-b', '127.0.0.1:0'];

describe('master', () => {
  it('runs N sync workers, and a busy worker takes no new request', async () => {
    const tsgun = await startTsgun(['examples/sleep.js', '-w', '3', ...LOCAL]);
    // Staggered so each request is running before the next connects: sync workers that are busy
    // stop accepting, so each request must land on a different worker.
    const replies = [];
    for (let i = 0; i < 3; i++) {
      replies.push(request(`${tsgun.url}/?ms=800`));
      await new Promise((r) => setTimeout(r, 100));
    }
    const pids = new Set((await Promise.all(replies)).map((r) => r.headers['x-worker-pid']));
    expect(pids.size).toBe(3);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('respawns a worker killed with SIGKILL within 2 s', async () => {
    const tsgun = await startTsgun(['test/fixtures/cli/crash-on-request.js', '-w', '2', '--log-level', 'debug', ...LOCAL]);
    const ready = await tsgun.waitForLine((l) => String(l.msg).startsWith('Ready:'));
    const [victim] = ready['pids'] as number[];
    const killedAt = Date.now();
    process.kill(victim!, 'SIGKILL');
    const replacement = await tsgun.waitForLine(
      (l) => l.msg === 'Worker ready' && !(ready['pids'] as number[]).includes(l['workerPid'] as number),
      5000,
    );
    expect(Date.now() - killedAt).toBeLessThan(2000);
    expect(replacement['workerPid']).not.toBe(victim);
    expect((await request(`${tsgun.url}/`)).status).toBe(200);
    expect(tsgun.lines.some((l) => String(l.msg).includes(`Worker (pid:${victim}) was sent SIGKILL`))).toBe(true);
    await tsgun.stop();
  });

  it('respawns a worker that exits on its own and logs its exit code', async () => {
    const tsgun = await startTsgun(['test/fixtures/cli/crash-on-request.js', '-w', '1', '--log-level', 'debug', ...LOCAL]);
    await request(`${tsgun.url}/crash`).catch(() => undefined);
    await tsgun.waitForLine((l) => String(l.msg).includes('exited with code 7'));
    await tsgun.waitForLine((l) => l.msg === 'Worker ready' && l['worker'] === 2);
    expect((await request(`${tsgun.url}/`)).status).toBe(200);
    await tsgun.stop();
  });

  it('TERM lets an in-flight request finish, then exits 0', async () => {
    const tsgun = await startTsgun(['examples/sleep.js', '-w', '1', ...LOCAL]);
    const inFlight = request(`${tsgun.url}/?ms=1500`);
    await new Promise((r) => setTimeout(r, 300));
    const exit = tsgun.stop('SIGTERM');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect((await exit).code).toBe(0);
  });

  it('INT stops quickly', async () => {
    const tsgun = await startTsgun(['examples/sleep.js', '-w', '2', ...LOCAL]);
    const slow = request(`${tsgun.url}/?ms=5000`).catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    expect((await tsgun.stop('SIGINT')).code).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await slow).toBeInstanceOf(Error);
  });

  it('exits 1 with a clear message when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const tsgun = spawnTsgun(['examples/hello.js', '-w', '2', '-b', `127.0.0.1:${port}`]);
      const exit = await tsgun.exited;
      expect(exit.code).toBe(1);
      expect(tsgun.stderr()).toContain(`127.0.0.1:${port}: address already in use`);
      expect(tsgun.lines.some((l) => String(l.msg).startsWith('Booting worker'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('halts with exit 3 and the app error when the app cannot load, without a respawn loop', async () => {
    const started = Date.now();
    const tsgun = spawnTsgun(['test/fixtures/cli/throws-at-import.js', '-w', '4', ...LOCAL]);
    const exit = await tsgun.exited;
    expect(exit.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(tsgun.stderr()).toContain('database URL is not set (fixture)');
    const boots = tsgun.lines.filter((l) => String(l.msg).startsWith('Booting worker')).length;
    expect(boots).toBeLessThanOrEqual(4);
  });

  it('writes the pid file and removes it at exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgun-pid-'));
    try {
      const pidfile = join(dir, 'tsgun.pid');
      const tsgun = await startTsgun(['examples/hello.js', '-p', pidfile, ...LOCAL]);
      expect(readFileSync(pidfile, 'utf8').trim()).toBe(String(tsgun.pid));
      await tsgun.stop();
      expect(existsSync(pidfile)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves a unix socket and removes it at exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgun-sock-'));
    try {
      const path = join(dir, 'app.sock');
      const tsgun = await startTsgun(['examples/hello.js', '-w', '2', '-b', `unix:${path}`]);
      const reply = await request('http://localhost/', { socketPath: path });
      expect(reply.body).toContain('Hello, World!');
      await tsgun.stop();
      expect(existsSync(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('async workers serve concurrent requests in one process', async () => {
    const tsgun = await startTsgun(['examples/sleep.js', '-k', 'async', '-w', '1', ...LOCAL]);
    const started = Date.now();
    const replies = await Promise.all([1, 2, 3, 4].map(() => request(`${tsgun.url}/?ms=600`)));
    expect(new Set(replies.map((r) => r.headers['x-worker-pid'])).size).toBe(1);
    // Four 600 ms sleeps overlapped: far less than the 2.4 s a one-at-a-time worker would need.
    expect(Date.now() - started).toBeLessThan(2000);
    await tsgun.stop();
  });

  it('leaves no worker behind when the master is killed with SIGKILL', async () => {
    const tsgun = await startTsgun(['examples/hello.js', '-w', '2', '--graceful-timeout', '2', ...LOCAL]);
    const ready = await tsgun.waitForLine((l) => String(l.msg).startsWith('Ready:'));
    const pids = ready['pids'] as number[];
    tsgun.child.kill('SIGKILL');
    await tsgun.exited;
    expect(await waitUntil(() => pids.every((p) => !isAlive(p)), 5000)).toBe(true);
  });
});
