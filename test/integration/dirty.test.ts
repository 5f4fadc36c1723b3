/** Dirty workers through the real CLI: start-up, errors, supervision, scheduling, ctl, metrics, HUP, TERM. */
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, spawnTsgun, startTsgun, waitUntil, ROOT, type TsgunProcess } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';
import { ctlJson, runCtl } from '../helpers/ctl.js';
import type { DirtyView } from '../../src/dirty/pool.js';
import type { PoolStatsView } from '../../src/control/protocol.js';
import { dirty } from '../../src/dirty/client.js';
import { TsgunError } from '../../src/errors.js';

const TASKS = 'test/fixtures/dirty/tasks.js:Tasks';
const temps: string[] = [];

afterEach(async () => {
  await killAll();
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-dirty-test-'));
  temps.push(dir);
  return dir;
}

interface Served {
  readonly tsgun: TsgunProcess;
  readonly socket: string;
}

async function serve(args: readonly string[] = [], options: { app?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  const socket = join(tempDir(), 'ctl.sock');
  const tsgun = await startTsgun(
    [
      options.app ?? 'test/fixtures/dirty/app.js',
      '-b',
      '127.0.0.1:0',
      '--control-socket',
      socket,
      '--dirty-app',
      TASKS,
      '--dirty-workers',
      '2',
      ...args,
    ],
    { cwd: options.cwd, env: options.env },
  );
  return { tsgun, socket };
}

interface CallReply {
  readonly value?: { readonly pid?: number; readonly calls?: number; readonly bytes?: number; readonly value?: unknown };
  readonly error?: { readonly code: string; readonly message: string };
}

async function call(url: string, method: string, args: unknown[] = [], task?: string): Promise<CallReply> {
  const q = new URLSearchParams({ method, args: JSON.stringify(args), ...(task ? { task } : {}) });
  const reply = await request(`${url}/call?${q.toString()}`, { timeoutMs: 15_000 });
  expect(reply.status).toBe(200);
  return JSON.parse(reply.body) as CallReply;
}

async function dirtyView(socket: string): Promise<DirtyView> {
  return ctlJson<DirtyView>(socket, ['dirty']);
}

async function readyPids(socket: string, n: number, except: readonly number[] = []): Promise<number[]> {
  let pids: number[] = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const v = await dirtyView(socket);
    pids = (v.snapshot?.workers ?? []).filter((w) => w.state === 'idle' || w.state === 'busy').map((w) => w.pid);
    if (pids.length === n && pids.every((p) => !except.includes(p))) return pids;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dirty workers never became ${n} new ready ones: ${pids.join(', ')}`);
}

describe('dirty workers: start-up and errors', () => {
  it("halts start-up with the dirty app's error and exit code 3 when it cannot load", async () => {
    const tsgun = spawnTsgun([
      'test/fixtures/dirty/app.js',
      '-b',
      '127.0.0.1:0',
      '--no-control-socket',
      '--dirty-app',
      'test/fixtures/dirty/broken.js',
      '--dirty-workers',
      '2',
    ]);
    const exit = await tsgun.exited;
    expect(exit.code).toBe(3);
    expect(tsgun.stderr()).toContain('dirty model file missing: /nonexistent/model.bin');
    expect(tsgun.lines.some((l) => String(l.msg).startsWith('Booting worker'))).toBe(false);
  });

  it('refuses --dirty-workers without --dirty-app', async () => {
    const tsgun = spawnTsgun(['examples/hello.js', '-b', '127.0.0.1:0', '--no-control-socket', '--dirty-workers', '2']);
    expect((await tsgun.exited).code).toBe(2);
    expect(tsgun.stderr()).toContain('--dirty-workers needs at least one --dirty-app');
  });

  it('runs tasks with structured-clone arguments, keeps state per worker and rethrows task errors with a code', async () => {
    const { tsgun } = await serve();
    expect((await call(tsgun.url, 'echo', [{ a: [1, 'two'] }])).value?.value).toEqual({ a: [1, 'two'] });
    expect((await call(tsgun.url, 'bytes', [100_000])).value?.bytes).toBe(100_000);
    // Two idle workers, fewest tasks first: four calls → each worker twice, its count going 1, 2.
    const counts = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        await new Promise((r) => setTimeout(r, i * 30));
        return call(tsgun.url, 'count');
      }),
    );
    expect(counts.map((c) => c.value?.calls).sort()).toEqual([1, 1, 2, 2]);
    expect(await call(tsgun.url, 'boom', ['the model is not loaded'])).toEqual({
      error: { code: 'TSGUN_ERR_DIRTY_TASK', message: 'Dirty task failed: the model is not loaded', name: 'TsgunError' },
    });
    expect((await call(tsgun.url, 'nope')).error).toMatchObject({
      code: 'TSGUN_ERR_DIRTY_UNKNOWN_TASK',
      message: expect.stringContaining('no task method "nope"'),
    });
    expect((await call(tsgun.url, 'init')).error?.code).toBe('TSGUN_ERR_DIRTY_UNKNOWN_TASK');
    expect((await call(tsgun.url, 'toString')).error?.code).toBe('TSGUN_ERR_DIRTY_UNKNOWN_TASK');
    expect((await call(tsgun.url, 'echo', [], 'other.js:Thing')).error).toMatchObject({
      code: 'TSGUN_ERR_DIRTY_UNKNOWN_TASK',
      message: expect.stringContaining('no dirty app other.js:Thing'),
    });
    expect((await call(tsgun.url, 'fn')).error?.code).toBe('TSGUN_ERR_DIRTY_SERIALIZE');
  });

  it('gives a clear coded error without a pool', async () => {
    expect(process.env['TSGUN_DIRTY_SOCKET']).toBeUndefined();
    const err = await dirty.execute(TASKS, 'echo', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsgunError);
    expect(err).toMatchObject({ code: 'TSGUN_ERR_DIRTY_NO_POOL', message: expect.stringContaining('--dirty-app') });
  });

  it('works from the sync worker class and from an app that imports another copy of tsgun (npm link)', async () => {
    // A project whose node_modules/tsgun is a separate copy of the package, not this one.
    const project = tempDir();
    const copy = join(project, 'node_modules', 'tsgun');
    mkdirSync(copy, { recursive: true });
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    mkdirSync(join(project, 'test/fixtures/dirty'), { recursive: true });
    cpSync(join(ROOT, 'test/fixtures/dirty'), join(project, 'test/fixtures/dirty'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    const { tsgun } = await serve(['-k', 'sync'], { cwd: project });
    const reply = await call(tsgun.url, 'echo', ['linked']);
    expect(reply.value?.value).toBe('linked');
  });
});

describe('dirty workers: supervision', () => {
  it('fails the call in flight at once when its dirty worker crashes, and respawns the worker', async () => {
    const { tsgun, socket } = await serve();
    const before = await readyPids(socket, 2);
    const started = Date.now();
    const reply = await call(tsgun.url, 'crash');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(reply.error).toMatchObject({ code: 'TSGUN_ERR_DIRTY_WORKER_CRASH', message: expect.stringContaining('exited with code 7') });
    const after = await readyPids(socket, 2);
    expect(after.filter((p) => !before.includes(p))).toHaveLength(1);
    expect((await call(tsgun.url, 'echo', [1])).value?.value).toBe(1);
    expect(tsgun.lines.some((l) => l['role'] === 'dirty-arbiter' && String(l.msg).includes('exited with code 7'))).toBe(true);
  });

  it('fails a task over --dirty-timeout with a coded error and replaces its worker', async () => {
    const { tsgun, socket } = await serve(['--dirty-timeout', '0.5']);
    const before = await readyPids(socket, 2);
    const started = Date.now();
    const reply = await call(tsgun.url, 'block', [5000]);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(reply.error?.code).toBe('TSGUN_ERR_DIRTY_TIMEOUT');
    const after = await readyPids(socket, 2);
    expect(after.filter((p) => !before.includes(p))).toHaveLength(1);
    expect(tsgun.lines.some((l) => String(l.msg).startsWith('DIRTY WORKER TIMEOUT'))).toBe(true);
  });

  it('respawns the dirty arbiter when it dies; calls work again', async () => {
    const { tsgun, socket } = await serve();
    const first = await dirtyView(socket);
    process.kill(first.arbiterPid!, 'SIGKILL');
    await waitUntil(() => tsgun.lines.some((l) => String(l.msg).includes('Dirty arbiter was sent SIGKILL')), 5000);
    let reply: CallReply = {};
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      reply = await call(tsgun.url, 'echo', [2]);
      if (reply.value) break;
      expect(reply.error?.code).toBe('TSGUN_ERR_DIRTY_UNAVAILABLE');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(reply.value?.value).toBe(2);
    expect((await dirtyView(socket)).arbiterPid).not.toBe(first.arbiterPid);
  });

  it('shows dirty workers in ctl, adds and removes them, and counts tasks in ctl stats and /metrics', async () => {
    const { tsgun, socket } = await serve(['--metrics-bind', '127.0.0.1:0']);
    await readyPids(socket, 2);
    const text = await runCtl(['dirty', '--control-socket', socket]);
    expect(text.stdout).toMatch(/dirty arbiter \d+ \(running\)\s+target 2/);
    expect(await ctlJson(socket, ['dirty-add'])).toEqual({ from: 2, to: 3 });
    await readyPids(socket, 3);
    expect(await ctlJson(socket, ['dirty-remove'])).toEqual({ from: 3, to: 2 });
    await readyPids(socket, 2);
    await call(tsgun.url, 'echo', [1]);
    await call(tsgun.url, 'boom', ['x']);
    let stats: PoolStatsView | undefined;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      stats = await ctlJson<PoolStatsView>(socket, ['stats']);
      if ((stats.dirty?.tasks ?? 0) >= 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(stats?.dirty).toMatchObject({ target: 2, running: 2, tasks: 2, errors: 1 });
    expect(stats?.dirty?.byTask[`${TASKS}.boom`]?.errors).toEqual({ TSGUN_ERR_DIRTY_TASK: 1 });
    const url = String((await tsgun.waitForLine((l) => String(l.msg).startsWith('Metrics at:')))['url']);
    const metrics = (await request(url)).body;
    expect(metrics).toMatch(/^tsgun_dirty_workers 2$/m);
    expect(metrics).toMatch(/^tsgun_dirty_queue_depth 0$/m);
    expect(metrics).toMatch(/^tsgun_dirty_workers_busy 0$/m);
    expect(metrics).toContain(`tsgun_dirty_task_errors_total{task="${TASKS}",method="boom",code="TSGUN_ERR_DIRTY_TASK"} 1`);
    expect(metrics).toContain(`tsgun_dirty_task_duration_seconds_count{task="${TASKS}",method="echo"} 1`);
    expect(metrics).toMatch(/^tsgun_dirty_worker_exits_total\{reason="scale-down"\} 1$/m);
  });

  it('reloads dirty workers on HUP (new ones ready, then the old ones stop)', async () => {
    const { tsgun, socket } = await serve();
    const before = await readyPids(socket, 2);
    process.kill(tsgun.pid, 'SIGHUP');
    const after = await readyPids(socket, 2, before);
    expect(after).toHaveLength(2);
    await waitUntil(() => before.every((p) => tsgun.lines.some((l) => l['dirtyWorkerPid'] === p && l['reason'] === 'reload')), 5000);
    expect((await dirtyView(socket)).snapshot?.workers.every((w) => w.generation === 2)).toBe(true);
  });

  it('drains on TERM: a task in flight finishes, then everything exits', async () => {
    const { tsgun } = await serve();
    const inflight = call(tsgun.url, 'block', [800]);
    await new Promise((r) => setTimeout(r, 200));
    const stopped = tsgun.stop('SIGTERM', 15_000);
    expect((await inflight).value?.pid).toBeGreaterThan(0);
    expect((await stopped).code).toBe(0);
    expect(tsgun.lines.some((l) => l['role'] === 'dirty-arbiter' && l.msg === 'Dirty arbiter exiting')).toBe(true);
  });
});

describe('dirty workers: scheduling', () => {
  it('sends a task to an idle worker: two concurrent tasks on two workers overlap', async () => {
    // Async HTTP worker: both requests are in flight at once (a sync worker would serialise them).
    const { tsgun, socket } = await serve(['-k', 'async']);
    await readyPids(socket, 2);
    const started = Date.now();
    const [a, b] = await Promise.all([call(tsgun.url, 'block', [600]), call(tsgun.url, 'block', [600])]);
    expect(Date.now() - started).toBeLessThan(1100);
    expect(a.value?.pid).not.toBe(b.value?.pid);
  });

  it('refuses beyond --dirty-max-queue with TSGUN_ERR_DIRTY_OVERLOADED, serving the rest', async () => {
    const { tsgun } = await serve(['--dirty-workers', '1', '--dirty-max-queue', '2', '-k', 'async']);
    const replies = await Promise.all(Array.from({ length: 7 }, () => call(tsgun.url, 'block', [300])));
    const overloaded = replies.filter((r) => r.error?.code === 'TSGUN_ERR_DIRTY_OVERLOADED');
    const ok = replies.filter((r) => r.value !== undefined);
    expect(overloaded.length).toBeGreaterThanOrEqual(1);
    expect(ok.length + overloaded.length).toBe(7);
    expect(ok.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps per-worker task counts within 1.2x under concurrent load', async () => {
    const { tsgun, socket } = await serve(['--dirty-workers', '4', '-k', 'async']);
    await readyPids(socket, 4);
    const perPid = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < 120) {
          next++;
          const r = await call(tsgun.url, 'block', [5]);
          const pid = r.value?.pid ?? 0;
          perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
        }
      }),
    );
    const counts = [...perPid.values()];
    expect(perPid.size).toBe(4);
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThanOrEqual(1.2);
  });
});
