/**
 * The master's loop with fork, kill and the clock faked (as gunicorn's tests/test_arbiter.py
 * does): spawning, respawn, reload, recycling, timeouts and stopping, without processes.
 * The listeners are real sockets on 127.0.0.1; the real-process tests are in test/integration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import pino from 'pino';
import { Master } from '../../../src/master/master.js';
import { resolveOptions } from '../../../src/config/index.js';
import { EXIT, WORKER_EXIT } from '../../../src/errors.js';
import { fakePorts, until, type FakePorts, type FakeWorker } from './fake-ports.js';

const running: { master: Master; ports: FakePorts }[] = [];

async function startMaster(options: { workers?: number; timeout?: number } = {}): Promise<{ master: Master; ports: FakePorts }> {
  const config = await resolveOptions(
    { app: 'examples/hello.js', bind: '127.0.0.1:0', workers: options.workers ?? 2, timeout: options.timeout ?? 30, noControlSocket: true },
    process.cwd(),
  );
  const ports = fakePorts();
  const log = pino({ level: 'silent' });
  const master = new Master({
    config,
    log,
    logFiles: { reopen: () => undefined, flush: () => undefined, dropped: () => 0 },
    version: 't',
    handleSignals: false,
    ports,
  });
  await master.start();
  running.push({ master, ports });
  return { master, ports };
}

const live = (ports: FakePorts): FakeWorker[] => ports.forked.filter((w) => !w.exited);
const ready = (...workers: FakeWorker[]): void => {
  for (const w of workers) w.say({ tsgun: 'ready' });
};

afterEach(async () => {
  for (const { master, ports } of running.splice(0)) {
    master.command('INT');
    ports.fatal.add('SIGABRT');
    for (const w of ports.forked) w.exit(null, 'SIGKILL');
    await master.done;
  }
});

describe('Master loop (fake fork/kill/clock)', () => {
  it('forks the target, becomes ready when all are, and tells each its boot', async () => {
    const { master, ports } = await startMaster({ workers: 2 });
    await until(() => ports.forked.length === 2);
    const boot = JSON.parse(ports.forked[0]!.env['TSGUN_WORKER_BOOT']!) as { age: number; listenerCount: number };
    expect(boot).toMatchObject({ age: 1, listenerCount: 1 });
    ready(...ports.forked);
    await master.ready;
    expect(master.workerPids).toEqual(ports.forked.map((w) => w.process.pid));
    expect(master.status().workers).toEqual({ target: 2, running: 2 });
  });

  it('respawns a crashed worker, and halts with the app error when nothing ever booted', async () => {
    const a = await startMaster({ workers: 1 });
    await until(() => a.ports.forked.length === 1);
    ready(a.ports.forked[0]!);
    await a.master.ready;
    a.ports.forked[0]!.exit(1, null);
    await until(() => a.ports.forked.length === 2);
    expect(a.master.status().workers.running).toBe(1);

    const b = await startMaster({ workers: 2 });
    await until(() => b.ports.forked.length === 2);
    b.ports.forked[0]!.say({ tsgun: 'boot-error', kind: 'app-load', message: 'no such module' });
    b.ports.forked[0]!.exit(WORKER_EXIT.APP_LOAD_ERROR, null);
    await expect(b.master.ready).rejects.toMatchObject({ code: 'TSGUN_ERR_APP_LOAD' });
    expect(await b.master.done).toBe(EXIT.BOOT);
    expect(b.ports.forked[1]!.signals).toEqual(['SIGTERM']); // a booting worker is signalled, not messaged
    expect(b.ports.forked).toHaveLength(2); // no respawn loop
  });

  it('reloads: new generation first, old workers stopped once it is ready', async () => {
    const { master, ports } = await startMaster({ workers: 2 });
    await until(() => ports.forked.length === 2);
    const old = [...ports.forked];
    ready(...old);
    await master.ready;
    master.command('HUP');
    await until(() => ports.forked.length === 4);
    const fresh = ports.forked.slice(2);
    ready(fresh[0]!);
    await new Promise((r) => setTimeout(r, 20));
    expect(old.every((w) => w.stopMessages().length === 0)).toBe(true);
    ready(fresh[1]!);
    await until(() => old.every((w) => w.exited));
    expect(old[0]!.stopMessages()).toEqual([{ tsgun: 'stop', graceful: true }]);
    expect(master.workerSnapshots().map((s) => s.generation)).toEqual([1, 1]);
  });

  it('abandons a reload whose worker cannot load the app; the old workers keep serving', async () => {
    const { master, ports } = await startMaster({ workers: 2 });
    await until(() => ports.forked.length === 2);
    const old = [...ports.forked];
    ready(...old);
    await master.ready;
    master.command('HUP');
    await until(() => ports.forked.length === 4);
    ports.forked[3]!.say({ tsgun: 'want-listeners' });
    ports.forked[2]!.exit(WORKER_EXIT.APP_LOAD_ERROR, null);
    await until(() => ports.forked[3]!.exited);
    await new Promise((r) => setTimeout(r, 20));
    expect(ports.forked).toHaveLength(4);
    expect(old.some((w) => w.exited)).toBe(false);
    expect(master.workerSnapshots().map((s) => s.generation)).toEqual([0, 0]);
    expect(master.haltError).toBeUndefined();
  });

  it('recycles a retiring worker only once its replacement is ready', async () => {
    const { master, ports } = await startMaster({ workers: 1 });
    await until(() => ports.forked.length === 1);
    const first = ports.forked[0]!;
    ready(first);
    await master.ready;
    first.say({ tsgun: 'retire', reason: 'max-requests' });
    await until(() => ports.forked.length === 2);
    expect(first.stopMessages()).toHaveLength(0);
    ready(ports.forked[1]!);
    await until(() => first.exited);
    expect(master.status().workers.running).toBe(1);
  });

  it('aborts a worker whose heartbeat stopped, then kills it after the abort grace', async () => {
    const { master, ports } = await startMaster({ workers: 1, timeout: 5 });
    await until(() => ports.forked.length === 1);
    const w = ports.forked[0]!;
    ready(w);
    await master.ready;
    ports.advance(4000);
    w.say({ tsgun: 'heartbeat', requests: 3, connections: 0 });
    ports.advance(4000); // 4 s since the last heartbeat: within the timeout
    master.command('CHLD');
    await new Promise((r) => setTimeout(r, 20));
    expect(w.signals).toEqual([]);
    ports.advance(2000);
    master.command('CHLD');
    await until(() => w.signals.length === 1);
    expect(w.signals).toEqual(['SIGABRT']);
    ports.advance(1000);
    master.command('CHLD');
    await until(() => w.exited);
    expect(w.signals).toEqual(['SIGABRT', 'SIGKILL']);
    await until(() => ports.forked.length === 2); // replaced
  });

  it('scales down oldest first, and a graceful stop kills what outlives the graceful timeout', async () => {
    const { master, ports } = await startMaster({ workers: 3 });
    await until(() => ports.forked.length === 3);
    ready(...ports.forked);
    await master.ready;
    master.command('TTOU');
    await until(() => ports.forked[0]!.exited);
    expect(live(ports)).toHaveLength(2);
    for (const w of live(ports)) w.obeysStop = false;
    const { port } = master.addresses[0]!;
    master.command('TERM');
    await until(() => live(ports).every((w) => w.stopMessages().length === 1));
    // The listening socket is closed first: new connections are refused.
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(port as number, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    ports.advance(30_000);
    master.command('CHLD');
    expect(await master.done).toBe(EXIT.OK);
    expect(ports.forked.slice(1).map((w) => w.signals)).toEqual([['SIGKILL'], ['SIGKILL']]);
  });

  it('delays the respawn of a crash loop by the fake clock, and replaces a worker stopped over the control socket', async () => {
    const { master, ports } = await startMaster({ workers: 1 });
    await until(() => ports.forked.length === 1);
    ready(ports.forked[0]!);
    await master.ready;
    ports.forked[0]!.exit(1, null); // first crash: respawned at once
    await until(() => ports.forked.length === 2);
    ports.forked[1]!.exit(1, null); // second in a row: 100 ms of (fake) backoff
    await new Promise((r) => setTimeout(r, 150));
    expect(ports.forked).toHaveLength(2);
    ports.advance(100);
    master.command('CHLD');
    await until(() => ports.forked.length === 3);
    const third = ports.forked[2]!;
    ready(third);
    expect(master.killWorker(12345)).toBe(false);
    expect(master.killWorker(third.process.pid)).toBe(true);
    expect(master.killWorker(third.process.pid)).toBe(false); // already stopping
    await until(() => third.exited && ports.forked.length === 4);
    expect(third.stopMessages()).toEqual([{ tsgun: 'stop', graceful: true }]);
  });
});
