/**
 * HTTP Upgrade through the real CLI with real clients: ws 8 (server option and noServer), socket.io 4
 * (websocket and long-polling), Hono's @hono/node-ws; worker classes, HUP, TERM, QUIT, visibility.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { isAlive, killAll, startTsgun, waitUntil, type TsgunProcess } from '../helpers/tsgun-process.js';
import { ctlJson, runCtl } from '../helpers/ctl.js';
import { request } from '../helpers/http-client.js';
import { WsPeer } from '../helpers/ws-peer.js';
import type { WorkerSnapshot } from '../../src/control/protocol.js';

const dirs: string[] = [];
const peers: WsPeer[] = [];
const ios: IoSocket[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  for (const s of ios.splice(0)) s.disconnect();
  await killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const LOCAL = ['-b', '127.0.0.1:0'];
const WS_ECHO = 'test/fixtures/upgrade/ws-echo.js';

function controlSocket(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-ws-test-'));
  dirs.push(dir);
  return join(dir, 'tsgun.ctl');
}

function wsUrl(tsgun: TsgunProcess, path: string): string {
  return tsgun.url.replace(/^http/, 'ws') + path;
}

/** Open a socket to ws-echo.js and read its `hello:<pid>`. */
async function openEcho(tsgun: TsgunProcess): Promise<{ peer: WsPeer; pid: number }> {
  const peer = await WsPeer.open(wsUrl(tsgun, '/echo'));
  peers.push(peer);
  const hello = await peer.next();
  expect(hello).toMatch(/^hello:\d+$/);
  return { peer, pid: Number(hello.slice(6)) };
}

/** Close every open ws client and wait for the closes (a graceful stop then has nothing to wait for). */
async function closePeers(): Promise<void> {
  for (const p of peers) p.ws.close();
  await Promise.all(peers.map((p) => p.closed));
}

function upgradedByPid(workers: readonly WorkerSnapshot[]): Record<number, number> {
  return Object.fromEntries(workers.map((w) => [w.pid, w.upgraded]));
}

async function waitWorkers(socket: string, done: (ws: WorkerSnapshot[]) => boolean, timeoutMs = 6000): Promise<WorkerSnapshot[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await ctlJson<WorkerSnapshot[]>(socket, ['workers']);
  while (!done(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    last = await ctlJson<WorkerSnapshot[]>(socket, ['workers']);
  }
  return last;
}

describe('ws 8 on an exported http.Server', () => {
  it('200 concurrent sockets over -k async -w 2: every message echoed, both workers used, counted in ctl and /metrics', async () => {
    const socket = controlSocket();
    const metricsBind = ['--metrics-bind', '127.0.0.1:0'];
    const tsgun = await startTsgun([WS_ECHO, '-k', 'async', '-w', '2', ...LOCAL, '--control-socket', socket, ...metricsBind]);
    const metricsLine = await tsgun.waitForLine((l) => String(l.msg).startsWith('Metrics at:'));
    const N = 200;
    const MESSAGES = 5;
    const t0 = performance.now();
    const opened = await Promise.all(Array.from({ length: N }, () => openEcho(tsgun)));
    const openMs = performance.now() - t0;
    const t1 = performance.now();
    const replies = await Promise.all(
      opened.map(async ({ peer, pid }, i) => {
        const got: string[] = [];
        for (let m = 0; m < MESSAGES; m++) got.push(await peer.ask(`s${i}m${m}`));
        return got.every((r, m) => r === `${pid}:s${i}m${m}`);
      }),
    );
    const exchangeMs = performance.now() - t1;
    expect(replies.every(Boolean)).toBe(true);
    const perPid: Record<number, number> = {};
    for (const { pid } of opened) perPid[pid] = (perPid[pid] ?? 0) + 1;
    expect(Object.keys(perPid)).toHaveLength(2);
    // eslint-disable-next-line no-console
    console.log(
      `ws: ${N} sockets opened in ${openMs.toFixed(0)} ms, ${N * MESSAGES} round trips in ${exchangeMs.toFixed(0)} ms; ` +
        `per worker ${JSON.stringify(perPid)}`,
    );

    const workers = await waitWorkers(socket, (ws) => ws.reduce((s, w) => s + w.upgraded, 0) === N);
    expect(upgradedByPid(workers)).toEqual(perPid);
    const table = await runCtl(['workers', '--control-socket', socket]);
    expect(table.stdout.split('\n')[0]).toContain('UPGRADED');
    const metrics = (await request(String(metricsLine['url']))).body;
    const gauge = [...metrics.matchAll(/^tsgun_worker_upgraded_connections\{[^}]*pid="(\d+)"[^}]*\} (\d+)$/gm)];
    expect(Object.fromEntries(gauge.map((m) => [Number(m[1]), Number(m[2])]))).toEqual(perPid);

    for (const { peer } of opened) peer.ws.close();
    const after = await waitWorkers(socket, (ws) => ws.every((w) => w.upgraded === 0 && w.connections === 0));
    expect(after.map((w) => [w.upgraded, w.inFlight])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect((await tsgun.stop()).code).toBe(0);
  }, 60_000);

  it('upgraded sockets count toward --worker-connections', async () => {
    const tsgun = await startTsgun([WS_ECHO, '-k', 'async', '-w', '1', '--worker-connections', '3', ...LOCAL]);
    const held = await Promise.all([openEcho(tsgun), openEcho(tsgun), openEcho(tsgun)]);
    let fourth: WsPeer | undefined;
    const pending = WsPeer.open(wsUrl(tsgun, '/echo')).then((p) => {
      peers.push(p);
      fourth = p;
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(fourth).toBeUndefined(); // at the cap: left in the backlog
    held[0]?.peer.ws.close();
    await pending;
    expect(await fourth?.next()).toMatch(/^hello:/);
    await closePeers();
    expect((await tsgun.stop()).code).toBe(0);
  }, 30_000);

  it('an open upgraded socket is not a request in flight: --timeout 1 never fires on it', async () => {
    const tsgun = await startTsgun([WS_ECHO, '-k', 'async', '-w', '1', '--timeout', '1', ...LOCAL]);
    const { peer, pid } = await openEcho(tsgun);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await peer.ask('still')).toBe(`${pid}:still`);
    expect(tsgun.lines.some((l) => /timeout/i.test(String(l.msg)) && l.level !== undefined && l.level >= 40)).toBe(false);
    await closePeers();
    expect((await tsgun.stop()).code).toBe(0);
  }, 20_000);

  it('HUP: open sockets keep working on the old workers until --graceful-timeout; new ones land on the new generation', async () => {
    const tsgun = await startTsgun([WS_ECHO, '-k', 'async', '-w', '2', '--graceful-timeout', '3', ...LOCAL]);
    const old = await Promise.all(Array.from({ length: 10 }, () => openEcho(tsgun)));
    const oldPids = new Set(old.map((o) => o.pid));
    const hupAt = Date.now();
    process.kill(tsgun.pid, 'SIGHUP');
    await tsgun.waitForLine((l) => l.msg === 'Reload complete: new workers ready, old workers stopping', 10_000);
    for (const [i, o] of old.entries()) expect(await o.peer.ask(`after-hup-${i}`)).toBe(`${o.pid}:after-hup-${i}`);
    const fresh = await Promise.all(Array.from({ length: 6 }, () => openEcho(tsgun)));
    for (const f of fresh) expect(oldPids.has(f.pid)).toBe(false);
    const closes = await Promise.all(old.map((o) => o.peer.closed));
    for (const c of closes) {
      expect(c.code).toBe(1006); // destroyed at the graceful timeout (this app ignores 'close')
      expect(c.at - hupAt).toBeGreaterThan(2500);
      expect(c.at - hupAt).toBeLessThan(8000);
    }
    expect(await waitUntil(() => [...oldPids].every((pid) => !isAlive(pid)), 5000)).toBe(true);
    for (const [i, f] of fresh.entries()) expect(await f.peer.ask(`new-${i}`)).toBe(`${f.pid}:new-${i}`);
    expect((await tsgun.stop()).code).toBe(0);
  }, 40_000);

  it("TERM: the server's 'close' event lets the app close its sockets at once (1001), well inside the timeout", async () => {
    const args = [WS_ECHO, '-k', 'async', '-w', '2', '--graceful-timeout', '20', ...LOCAL];
    const tsgun = await startTsgun(args, { env: { WS_CLOSE_ON_STOP: '1' } });
    const open = await Promise.all(Array.from({ length: 20 }, () => openEcho(tsgun)));
    const t0 = Date.now();
    const exit = await tsgun.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    for (const c of await Promise.all(open.map((o) => o.peer.closed))) expect(c.code).toBe(1001);
  }, 30_000);

  it('TERM: sockets the app leaves open are closed at --graceful-timeout; QUIT closes them at once', async () => {
    const tsgun = await startTsgun([WS_ECHO, '-k', 'async', '-w', '1', '--graceful-timeout', '2', ...LOCAL]);
    const open = await Promise.all(Array.from({ length: 5 }, () => openEcho(tsgun)));
    const t0 = Date.now();
    const exit = await tsgun.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const closes = await Promise.all(open.map((o) => o.peer.closed));
    for (const c of closes) {
      expect(c.at - t0).toBeGreaterThan(1500);
      expect(c.at - t0).toBeLessThan(5000);
    }

    const quick = await startTsgun([WS_ECHO, '-k', 'async', '-w', '1', '--graceful-timeout', '30', ...LOCAL]);
    const more = await Promise.all(Array.from({ length: 5 }, () => openEcho(quick)));
    const t1 = Date.now();
    await quick.stop('SIGQUIT');
    for (const c of await Promise.all(more.map((o) => o.peer.closed))) expect(c.at - t1).toBeLessThan(2000);
  }, 40_000);
});

describe('upgrades the app does not take', () => {
  it("noServer: the app's own 'upgrade' handler takes /ws and destroys the rest", async () => {
    const tsgun = await startTsgun(['test/fixtures/upgrade/ws-noserver.js', '-k', 'async', ...LOCAL]);
    const peer = await WsPeer.open(wsUrl(tsgun, '/ws'));
    peers.push(peer);
    expect(await peer.ask('hi')).toBe('/ws:hi');
    await expect(WsPeer.open(wsUrl(tsgun, '/other'))).rejects.toThrow(/socket hang up|closed before open/);
    expect((await request(`${tsgun.url}/`)).body).toBe('plain');
    await closePeers();
    expect((await tsgun.stop()).code).toBe(0);
  }, 20_000);

  it('an app with no upgrade listener: served as a request, then the connection is closed', async () => {
    const tsgun = await startTsgun(['test/fixtures/upgrade/express-only.js', '-k', 'async', ...LOCAL]);
    await expect(WsPeer.open(wsUrl(tsgun, '/ws'))).rejects.toThrow('Unexpected server response: 200');
    expect((await tsgun.stop()).code).toBe(0);
  }, 20_000);

  it('-k sync refuses upgrades with 501 and a log line naming -k async; plain requests still served', async () => {
    const tsgun = await startTsgun([WS_ECHO, '-k', 'sync', '-w', '1', ...LOCAL]);
    const boot = await tsgun.waitForLine((l) => String(l.msg).startsWith("The app listens for 'upgrade'"));
    expect(String(boot.msg)).toContain('-k async');
    await expect(WsPeer.open(wsUrl(tsgun, '/echo'))).rejects.toThrow('Unexpected server response: 501');
    const refused = await tsgun.waitForLine((l) => String(l.msg).startsWith('Upgrade request refused'));
    expect(String(refused.msg)).toContain('-k async');
    expect((await request(`${tsgun.url}/`)).body).toMatch(/^http \d+$/);
    expect((await tsgun.stop()).code).toBe(0);
  }, 20_000);
});

function ioConnect(url: string, transports: ('polling' | 'websocket')[], upgrade = true): Promise<IoSocket> {
  return new Promise((resolve, reject) => {
    const s = ioClient(url, { transports, upgrade, reconnection: false, forceNew: true, timeout: 5000 });
    ios.push(s);
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

describe('socket.io 4 (examples/socketio)', () => {
  it('long-polling only, polling upgraded to websocket, and websocket only: acks round-trip', async () => {
    const tsgun = await startTsgun(['examples/socketio/app.js', '-k', 'async', '-w', '1', ...LOCAL]);
    const polling = await ioConnect(tsgun.url, ['polling'], false);
    for (let i = 0; i < 5; i++) expect(await polling.emitWithAck('echo', `p${i}`)).toMatchObject({ message: `p${i}` });
    expect(polling.io.engine.transport.name).toBe('polling');
    const upgrading = await ioConnect(tsgun.url, ['polling', 'websocket']);
    await waitUntil(() => upgrading.io.engine.transport.name === 'websocket', 5000);
    expect(upgrading.io.engine.transport.name).toBe('websocket');
    expect(await upgrading.emitWithAck('echo', 'u')).toMatchObject({ message: 'u' });
    const ws = await ioConnect(tsgun.url, ['websocket']);
    expect(await ws.emitWithAck('echo', 'w')).toMatchObject({ message: 'w' });
    expect((await tsgun.stop()).code).toBe(0);
  }, 30_000);

  it('-w 2 with the websocket transport: sessions on both workers; TERM closes them through engine.io', async () => {
    const tsgun = await startTsgun(['examples/socketio/app.js', '-k', 'async', '-w', '2', '--graceful-timeout', '20', ...LOCAL]);
    const clients = await Promise.all(Array.from({ length: 40 }, () => ioConnect(tsgun.url, ['websocket'])));
    const acks = await Promise.all(clients.map((c, i) => c.emitWithAck('echo', i) as Promise<{ pid: number; message: number }>));
    expect(acks.every((a, i) => a.message === i)).toBe(true);
    expect(new Set(acks.map((a) => a.pid)).size).toBe(2);
    const disconnected = Promise.all(clients.map((c) => new Promise<string>((resolve) => c.once('disconnect', resolve))));
    const t0 = Date.now();
    expect((await tsgun.stop('SIGTERM')).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await disconnected).length).toBe(40);
  }, 30_000);
});

describe("Hono's @hono/node-ws", () => {
  it('serves the websocket route and plain routes of a Hono app exported as its adaptor server', async () => {
    const tsgun = await startTsgun(['test/fixtures/upgrade/hono-ws.mjs', '-k', 'async', ...LOCAL]);
    const peer = await WsPeer.open(wsUrl(tsgun, '/ws'));
    peers.push(peer);
    expect(await peer.ask('x')).toBe('hono:x');
    expect((await request(`${tsgun.url}/`)).body).toMatch(/^hono \d+$/);
    await closePeers();
    expect((await tsgun.stop()).code).toBe(0);
  }, 20_000);
});
