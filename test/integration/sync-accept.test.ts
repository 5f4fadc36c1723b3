/**
 * The sync class's accept paths against real processes: which path the master logs, that a busy
 * sync worker takes no connection and never runs two requests at once, and that the native path
 * asks the master for nothing per connection (the spare-handle fallback asks once per accept).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, killAll, startTsgun, type TsgunProcess } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

afterEach(killAll);

const LOCAL = ['-b', '127.0.0.1:0'];
const PROBE = 'test/fixtures/sync/busy-probe.js';
/** The native path is in use when the addon is built and this run does not turn it off. */
const NATIVE = existsSync(join(ROOT, 'build/Release/tsgun_native.node')) && process.env['TSGUN_NATIVE'] !== '0';
const PATHS = [
  { name: 'default', env: {}, native: NATIVE },
  { name: 'TSGUN_NATIVE=0', env: { TSGUN_NATIVE: '0' }, native: false },
] as const;

interface Probe {
  readonly pid: number;
  readonly maxInFlight: number;
  readonly sockets: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function acceptPath(tsgun: TsgunProcess): string {
  return String(tsgun.lines.find((l) => l.msg?.startsWith('Accept path:'))?.['acceptPath']);
}

describe.each(PATHS)('sync accept ($name)', ({ env, native }) => {
  it('logs the accept path once at start', async () => {
    const tsgun = await startTsgun(['examples/hello.js', '-w', '2', ...LOCAL], { env });
    expect(tsgun.lines.filter((l) => l.msg?.startsWith('Accept path:'))).toHaveLength(1);
    expect(acceptPath(tsgun)).toBe(native ? 'native exclusive wait' : 'spare handles from the master');
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('a busy worker takes no connection and never runs two requests at once', async () => {
    const tsgun = await startTsgun([PROBE, '-w', '1', ...LOCAL], { env });
    // TCP handles the worker holds while serving one connection alone (its listener copies too).
    const alone = JSON.parse((await request(`${tsgun.url}/?ms=100`)).body) as Probe;
    const first = request(`${tsgun.url}/?ms=600`);
    await sleep(150);
    const secondAt = Date.now();
    const second = request(`${tsgun.url}/?ms=0`);
    const a = JSON.parse((await first).body) as Probe;
    const firstDoneAt = Date.now();
    const b = JSON.parse((await second).body) as Probe;
    // While the first request ran, the second connection stayed in the kernel's backlog.
    expect(a.sockets).toBe(alone.sockets);
    expect(b.maxInFlight).toBe(1);
    expect(Date.now()).toBeGreaterThanOrEqual(firstDoneAt);
    expect(firstDoneAt - secondAt).toBeGreaterThan(300);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('spreads concurrent slow requests over idle workers, one each', async () => {
    const tsgun = await startTsgun([PROBE, '-w', '3', ...LOCAL], { env });
    const replies: Promise<{ body: string }>[] = [];
    for (let i = 0; i < 3; i++) {
      replies.push(request(`${tsgun.url}/?ms=500`));
      await sleep(50);
    }
    const probes = (await Promise.all(replies)).map((r) => JSON.parse(r.body) as Probe);
    expect(new Set(probes.map((p) => p.pid)).size).toBe(3);
    for (const p of probes) expect(p.maxInFlight).toBe(1);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it(native ? 'asks the master for no listener per connection' : 'asks the master for a spare listener per accept', async () => {
    const tsgun = await startTsgun(['examples/hello.js', '-w', '2', '--log-level', 'debug', ...LOCAL], { env });
    for (let i = 0; i < 40; i++) expect((await request(`${tsgun.url}/`)).status).toBe(200);
    await sleep(200);
    const spares = tsgun.lines.filter((l) => l.msg === 'Spare listener requested').length;
    if (native) expect(spares).toBe(0);
    else expect(spares).toBeGreaterThanOrEqual(40);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('serves a unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgun-sync-accept-'));
    try {
      const socketPath = join(dir, 's.sock');
      const tsgun = await startTsgun(['examples/hello.js', '-w', '2', '-b', `unix:${socketPath}`], { env });
      for (let i = 0; i < 5; i++) expect((await request('http://localhost/', { socketPath })).status).toBe(200);
      expect((await tsgun.stop()).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
