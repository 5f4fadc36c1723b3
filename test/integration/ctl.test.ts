/** `tsgun ctl` and the control socket against real servers. */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { isAlive, killAll, startTsgun, waitUntil, type TsgunProcess } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';
import { ctlJson, RawControl, runCtl, type CtlRun } from '../helpers/ctl.js';
import type { MasterStatus, PoolStatsView, WorkerSnapshot } from '../../src/control/protocol.js';
import { ControlClient } from '../../src/ctl/client.js';

const LOCAL = ['-b', '127.0.0.1:0'];
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-ctl-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await killAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serverWithSocket(args: readonly string[] = []): Promise<{ tsgun: TsgunProcess; socket: string }> {
  const socket = join(tempDir(), 'tsgun.ctl');
  const tsgun = await startTsgun(['examples/hello.js', ...LOCAL, '--control-socket', socket, ...args]);
  return { tsgun, socket };
}

/** stdout of a ctl run that must succeed (the assertion shows stderr when it does not). */
async function ok(run: Promise<CtlRun>): Promise<string> {
  const r = await run;
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
}

/** Polls in-process (a ctl process per poll would compete with the load for the 2 cores). */
async function readyWorkers(
  socket: string,
  n: number,
  timeoutMs = 15_000,
  pred: (w: WorkerSnapshot) => boolean = () => true,
): Promise<WorkerSnapshot[]> {
  let last: WorkerSnapshot[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const client = await ControlClient.connect(socket);
    last = (await client.request('workers').finally(() => client.close())) as WorkerSnapshot[];
    if (last.length === n && last.every((w) => w.state === 'ready' && pred(w))) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`workers never became ${n} ready: ${JSON.stringify(last)}`);
}

describe('tsgun ctl', () => {
  it('finds the default socket (0600 in a private 0700 directory) and answers status, workers, stats, config', async () => {
    const tmp = tempDir();
    // No XDG_RUNTIME_DIR: the fallback directory under TMPDIR, which tsgun creates 0700.
    const env = { XDG_RUNTIME_DIR: '', TMPDIR: tmp };
    const tsgun = await startTsgun(['examples/hello.js', '-w', '2', ...LOCAL], { env });
    const ready = await tsgun.waitForLine((l) => String(l.msg).startsWith('Ready:'));
    const uid = process.getuid?.() ?? 0;
    const socket = join(tmp, `tsgun-${uid}`, `tsgun-${tsgun.pid}.ctl`);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp, `tsgun-${uid}`)).mode & 0o777).toBe(0o700);

    const status = await runCtl(['status'], env);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`master pid:\\s+${tsgun.pid}`));
    expect(status.stdout).toMatch(/worker class:\s+sync/);

    const json = JSON.parse(await ok(runCtl(['status', '--json'], env))) as MasterStatus;
    expect(json).toMatchObject({
      pid: tsgun.pid,
      workerClass: 'sync',
      binds: [tsgun.url],
      workers: { target: 2, running: 2 },
      controlSocket: socket,
      metricsUrl: null,
    });
    expect(json.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(json.uptimeSeconds).toBeGreaterThan(0);

    for (let i = 0; i < 20; i++) expect((await request(`${tsgun.url}/`)).status).toBe(200);
    // Counters travel on the heartbeat (every second); a sync worker that served none of the
    // 20 (the hot one takes them all) may not have sent its first one yet.
    let workers: WorkerSnapshot[] = [];
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      workers = await ctlJson<WorkerSnapshot[]>(socket, ['workers']);
      if (workers.reduce((sum, w) => sum + w.requests, 0) >= 20 && workers.every((w) => w.rss !== null)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(workers.map((w) => w.pid).sort()).toEqual([...(ready['pids'] as number[])].sort());
    expect(workers.reduce((sum, w) => sum + w.requests, 0)).toBe(20);
    for (const w of workers) {
      expect(w).toMatchObject({ state: 'ready', inFlight: 0, generation: 0 });
      expect(w.rss).toBeGreaterThan(10 * 1024 * 1024);
      expect(w.lastHeartbeatMs).toBeLessThan(2500);
    }

    const table = (await ok(runCtl(['workers'], env))).trimEnd().split('\n');
    expect(table[0]).toMatch(/PID\s+ID\s+GEN\s+STATE\s+UPTIME\s+REQUESTS\s+IN-FLIGHT\s+UPGRADED\s+BUSY\s+RSS\s+HEARTBEAT/);
    expect(table).toHaveLength(3);
    for (const w of workers) expect(table.some((row) => row.trimStart().startsWith(`${w.pid} `) && row.includes('MiB'))).toBe(true);

    const stats = await ctlJson<PoolStatsView>(socket, ['stats']);
    expect(stats).toMatchObject({
      requests: 20,
      requestsByStatusClass: { '2xx': 20 },
      inFlight: 0,
      aborted: 0,
      workers: { target: 2, running: 2 },
    });
    expect(await ok(runCtl(['stats'], env))).toMatch(/requests:\s+20/);

    const config = await ctlJson<{ app: string; settings: Record<string, unknown> }>(socket, ['config']);
    expect(config.app).toBe('examples/hello.js');
    expect(config.settings).toMatchObject({ workers: 2, workerClass: 'sync', controlSocket: null, metricsBind: null });
    expect(await ok(runCtl(['config'], env))).toMatch(/workerClass:\s+"sync"/);

    const down = await runCtl(['shutdown', '--graceful'], env);
    expect(down).toMatchObject({ code: 0, stdout: 'graceful shutdown queued\n' });
    expect(await tsgun.exited).toEqual({ code: 0, signal: null });
    expect(tsgun.lines.some((l) => l.msg === 'Handling signal: term')).toBe(true);
    expect(existsSync(socket)).toBe(false);
  });

  it('scales, adds, removes, kills and reloads under load with zero failed requests', async () => {
    const { tsgun, socket } = await serverWithSocket(['-w', '2']);
    const first = await readyWorkers(socket, 2);
    // Load for the whole sequence (stopped below; 30 s is only a cap), so every step runs under it.
    let load!: autocannon.Instance;
    const result = new Promise<autocannon.Result>((resolve, reject) => {
      load = autocannon({ url: `${tsgun.url}/`, connections: 8, duration: 30 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(await ctlJson(socket, ['scale', '3'])).toEqual({ from: 2, to: 3 });
      await readyWorkers(socket, 3);
      expect(await ctlJson(socket, ['add'])).toEqual({ from: 3, to: 4 });
      await readyWorkers(socket, 4);
      expect(await ctlJson(socket, ['remove'])).toEqual({ from: 4, to: 3 });
      await readyWorkers(socket, 3);
      // remove retired the oldest worker: pick a victim among those still running.
      const victim = (await readyWorkers(socket, 3))[0]!.pid;
      expect(await ctlJson(socket, ['kill', String(victim)])).toEqual({ queued: 'kill', pid: victim });
      await readyWorkers(socket, 3, 15_000, (w) => w.pid !== victim);
      expect(await ctlJson(socket, ['reload'])).toEqual({ queued: 'reload' });
      // The reload finishes with a newer generation. Like gunicorn's HUP it re-reads the
      // configuration, so the count is the configured one (-w 2) again.
      await readyWorkers(socket, 2, 15_000, (w) => w.generation >= 1);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      load.stop();
    }
    const totals = await result;
    expect(totals.errors).toBe(0);
    expect(totals.timeouts).toBe(0);
    expect(totals.non2xx).toBe(0);
    expect(totals['2xx']).toBeGreaterThan(100);
    const after = await readyWorkers(socket, 2, 15_000, (w) => w.generation >= 1);
    expect(after.some((w) => first.some((f) => f.pid === w.pid))).toBe(false);
    for (const f of first) expect(await waitUntil(() => !isAlive(f.pid), 10_000)).toBe(true);
    const stats = await ctlJson<PoolStatsView>(socket, ['stats']);
    expect(stats.workerExits).toMatchObject({ killed: 1, 'scale-down': 1, reload: 3 });
    // Every request autocannon got an answer to was counted, dead workers included.
    expect(stats.requests).toBeGreaterThan(100);

    const quick = await runCtl(['shutdown', '--control-socket', socket]);
    expect(quick).toMatchObject({ code: 0, stdout: 'shutdown queued\n' });
    expect((await tsgun.exited).code).toBe(0);
    expect(tsgun.lines.some((l) => l.msg === 'Handling signal: int')).toBe(true);
  }, 60_000);

  it('top redraws a per-worker view for --iterations frames, then exits', async () => {
    const { socket } = await serverWithSocket(['-w', '2']);
    await readyWorkers(socket, 2);
    const started = Date.now();
    const top = await runCtl(['top', '--iterations', '3', '--interval', '0.3', '--control-socket', socket]);
    expect(top).toMatchObject({ code: 0, stderr: '' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const frames = top.stdout.split(/^tsgun /m).filter((f) => f !== '');
    expect(frames).toHaveLength(3);
    for (const frame of frames) {
      expect(frame).toMatch(/sync × 2 \(target 2\)\s+\d+ req\/s/);
      expect(frame).toMatch(/PID\s+ID\s+STATE\s+REQ\/S\s+IN-FLIGHT\s+BUSY\s+RSS\s+REQUESTS/);
    }
    const json = await runCtl(['top', '-n', '2', '--interval', '0.2', '--json', '--control-socket', socket]);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { workers: WorkerSnapshot[] });
    expect(lines).toHaveLength(2);
    expect(lines[1]!.workers).toHaveLength(2);
  });

  it('reopen-logs reopens the log files; bad commands and pids fail with a message', async () => {
    const { tsgun, socket } = await serverWithSocket(['-w', '1']);
    expect(await runCtl(['reopen-logs', '--control-socket', socket])).toMatchObject({ code: 0, stdout: 'reopen-logs queued\n' });
    await tsgun.waitForLine((l) => l.msg === 'Reopening log files');

    const unknownPid = await runCtl(['kill', '999999', '--control-socket', socket]);
    expect(unknownPid.code).toBe(1);
    expect(unknownPid.stderr).toBe('tsgun: error: Control command failed: no running worker has pid 999999\n');
    const usage = await runCtl(['scale', 'many', '--control-socket', socket]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/scale N: "many" is not a positive integer/);
    const unknown = await runCtl(['frobnicate', '--control-socket', socket]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown ctl command "frobnicate"/);
    const missing = await runCtl(['status', '--control-socket', join(tempDir(), 'none.ctl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such socket/);
    expect((await request(`${tsgun.url}/`)).status).toBe(200);
  });

  it('answers malformed and oversized frames with an error and keeps running', async () => {
    const { tsgun, socket } = await serverWithSocket(['-w', '1']);
    const raw = await RawControl.connect(socket);
    const head = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n, 0);
      return b;
    };
    raw.write(Buffer.concat([head(5), Buffer.from('{nope')]));
    expect(await raw.next()).toMatchObject({
      ok: false,
      error: { code: 'TSGUN_ERR_CTL_BAD_REQUEST', message: expect.stringContaining('not valid JSON') },
    });
    raw.send([1, 2, 3]);
    expect(await raw.next()).toMatchObject({ ok: false, error: { code: 'TSGUN_ERR_CTL_BAD_REQUEST' } });
    raw.send({ command: 'frobnicate', id: 7 });
    expect(await raw.next()).toMatchObject({
      ok: false,
      id: 7,
      error: { message: expect.stringContaining('unknown command "frobnicate"') },
    });
    raw.send({ command: 'scale', args: { workers: -3 } });
    expect(await raw.next()).toMatchObject({
      ok: false,
      error: { code: 'TSGUN_ERR_CTL_BAD_REQUEST', message: expect.stringContaining('"workers" must be an integer') },
    });
    raw.send({ command: 'status', id: 'a' });
    expect(await raw.next()).toMatchObject({ ok: true, id: 'a', result: { pid: tsgun.pid } });
    // Oversized: refused from the header alone; the connection is closed after the reply.
    raw.write(head(0x7fffffff));
    expect(await raw.next()).toMatchObject({
      ok: false,
      error: { code: 'TSGUN_ERR_CTL_BAD_REQUEST', message: expect.stringContaining('exceeds the limit') },
    });
    expect(await raw.next()).toBeUndefined();
    expect(raw.closed).toBe(true);
    // A client that vanishes mid-frame does not hurt either.
    const half = await RawControl.connect(socket);
    half.write(Buffer.concat([head(100), Buffer.from('{"comm')]));
    half.close();
    // The master is fine: new connections work and the app still serves.
    const again = await RawControl.connect(socket);
    again.send({ command: 'workers' });
    expect(await again.next()).toMatchObject({ ok: true, result: [{ state: 'ready' }] });
    again.close();
    expect((await request(`${tsgun.url}/`)).status).toBe(200);
    expect(tsgun.child.exitCode).toBeNull();
  });

  it.skipIf(process.getuid?.() !== 0)('refuses other users: the socket is 0600 and nobody gets EACCES', async () => {
    const { tsgun, socket } = await serverWithSocket(['-w', '1']);
    const dir = join(socket, '..');
    chmodSync(dir, 0o755); // the directory lets anyone in: only the socket's own mode stands in the way
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    // A control socket in the same directory, open to everyone: shows nobody can connect at all.
    const open = join(dir, 'open.sock');
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(open, resolve));
    chmodSync(open, 0o666);
    const tryAsNobody = (path: string): Promise<string> =>
      new Promise((resolve) => {
        const script =
          "const s=require('net').connect(process.argv[1]);" +
          "s.on('connect',()=>{console.log('connected');process.exit(0)});" +
          "s.on('error',(e)=>{console.log(e.code);process.exit(0)})";
        execFile(
          'setpriv',
          ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script, path],
          { timeout: 10_000 },
          (err, stdout, stderr) => resolve(err ? `failed: ${stderr}` : stdout.trim()),
        );
      });
    try {
      expect(await tryAsNobody(open)).toBe('connected');
      expect(await tryAsNobody(socket)).toBe('EACCES');
    } finally {
      server.close();
    }
    expect(await runCtl(['status', '--control-socket', socket])).toMatchObject({ code: 0, stderr: '' });
    expect(tsgun.child.exitCode).toBeNull();
  });

  it('--no-control-socket opens none; a second server on the same socket path is refused', async () => {
    const runtime = tempDir();
    const off = await startTsgun(['examples/hello.js', ...LOCAL, '--no-control-socket'], { env: { XDG_RUNTIME_DIR: runtime } });
    expect(off.lines.some((l) => String(l.msg).startsWith('Control socket at'))).toBe(false);
    const none = await runCtl(['status'], { XDG_RUNTIME_DIR: runtime });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no running tsgun found/);

    const { socket } = await serverWithSocket();
    const second = await startTsgun(['examples/hello.js', ...LOCAL, '--control-socket', socket], { waitReady: false });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toMatch(/Cannot open the control socket: .* is in use by another running server/);
    expect(await runCtl(['status', '--control-socket', socket])).toMatchObject({ code: 0, stderr: '' });
  });
});
