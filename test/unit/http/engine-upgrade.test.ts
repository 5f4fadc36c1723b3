/**
 * HTTP Upgrade in the engine: what the app's 'upgrade' listener receives must be what node:http
 * gives it (measured on Node 20 and 24; see src/http/upgrade.ts), and upgraded sockets must be
 * counted, waited for by drain() and destroyed by destroyAll().
 */
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { engineHarness, hello, type TestServer } from './helpers.js';
import { UPGRADE_NEEDS_ASYNC, isUpgradeRequest, type UpgradeHandler } from '../../../src/http/upgrade.js';

const harness = engineHarness();
const connect = harness.connect;

interface Taken {
  readonly req: IncomingMessage;
  readonly socket: Socket;
  readonly head: string;
  readonly listeners: Record<string, number>;
  readonly flowing: boolean | null;
  readonly paused: boolean;
}

/** An upgrade target that records each hand-over and echoes the socket's input back, upper-cased. */
interface Recorder {
  readonly handler: UpgradeHandler;
  readonly taken: Taken[];
  on: boolean;
}

function recorder(): Recorder {
  const taken: Taken[] = [];
  const state: Recorder = {
    on: true,
    taken,
    handler: {
      listening: () => state.on,
      upgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
        const listeners = Object.fromEntries(['data', 'close', 'drain', 'error', 'timeout'].map((e) => [e, socket.listenerCount(e)]));
        taken.push({ req, socket, head: head.toString('latin1'), listeners, flowing: socket.readableFlowing, paused: socket.isPaused() });
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
        if (head.length !== 0) socket.write(head.toString('latin1').toUpperCase());
        socket.on('data', (d: Buffer) => socket.write(d.toString('latin1').toUpperCase()));
        socket.on('end', () => socket.end());
      },
    },
  };
  return state;
}

const UPGRADE = 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: echo\r\n\r\n';

async function start(target: UpgradeHandler | null): Promise<TestServer> {
  return harness.start(hello, {}, undefined, {}, target);
}

describe('isUpgradeRequest', () => {
  it('needs an Upgrade field and the upgrade token in Connection', () => {
    expect(isUpgradeRequest(['Host', 'x', 'Connection', 'Upgrade', 'Upgrade', 'websocket'])).toBe(true);
    expect(isUpgradeRequest(['connection', 'keep-alive ,upgrade', 'upgrade', 'h2c'])).toBe(true);
    expect(isUpgradeRequest(['Upgrade', 'websocket'])).toBe(false);
    expect(isUpgradeRequest(['Connection', 'upgrade'])).toBe(false);
    expect(isUpgradeRequest(['Connection', 'upgraded', 'Upgrade', 'websocket'])).toBe(false);
    expect(isUpgradeRequest(['Connection', 'x-upgrade, close', 'Upgrade', 'websocket'])).toBe(false);
  });
});

describe('HttpEngine: upgrade hand-over', () => {
  it('gives the listener (req, socket, head) as node:http does: detached socket, bytes after the head', async () => {
    const r = recorder();
    const server = await start(r.handler);
    const c = await connect();
    c.write(`${UPGRADE}first-frame`);
    await c.until((t) => t.includes('FIRST-FRAME'));
    const t = r.taken[0] as Taken;
    expect((t.req as IncomingMessage & { upgrade: boolean }).upgrade).toBe(true);
    expect(t.req.complete).toBe(true);
    expect([t.req.method, t.req.url, t.req.headers.upgrade]).toEqual(['GET', '/ws', 'echo']);
    expect(t.req.socket).toBe(t.socket);
    expect(t.head).toBe('first-frame');
    // No parser listener left (node:http leaves none of data/close/drain/error/timeout); the one
    // 'close' listener is the engine's count of upgraded sockets, which never touches the stream.
    expect(t.listeners).toEqual({ data: 0, close: 1, drain: 0, error: 0, timeout: 0 });
    expect([t.flowing, t.paused]).toEqual([null, false]);
    expect(t.socket.allowHalfOpen).toBe(true);
    expect(c.text.startsWith('HTTP/1.1 101 Switching Protocols')).toBe(true);
    c.write('later bytes');
    await c.until((text) => text.includes('LATER BYTES'));
    expect(server.engine.upgradedCount).toBe(1);
    expect(server.engine.connectionCount).toBe(1);
    expect(server.engine.activeRequests).toBe(0); // not a request in flight
    c.socket.end();
    expect(await c.waitClose()).toBe(true);
    await expect.poll(() => server.engine.upgradedCount).toBe(0);
    expect(server.engine.connectionCount).toBe(0);
  });

  it('stops parsing at the head: a body and pipelined requests are all `head`', async () => {
    const r = recorder();
    await start(r.handler);
    const c = await connect();
    const pipelined = 'GET /next HTTP/1.1\r\nHost: x\r\n\r\n';
    c.write(`POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\nabc${pipelined}`);
    await c.until((t) => t.includes('101'));
    expect(r.taken[0]?.head).toBe(`abc${pipelined}`);
  });

  it('hands over an empty head when nothing follows, then data flows to the app', async () => {
    const r = recorder();
    await start(r.handler);
    const c = await connect();
    c.write(UPGRADE);
    await c.until((t) => t.includes('101'));
    expect(r.taken[0]?.head).toBe('');
    c.write('x');
    await c.until((t) => t.endsWith('X'));
  });

  it('hands Upgrade: h2c to the listener too (node:http does not special-case it)', async () => {
    const r = recorder();
    await start(r.handler);
    const c = await connect();
    const settings = 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n';
    c.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n${settings}\r\n`);
    await c.until((t) => t.includes('101'));
    expect(r.taken[0]?.req.headers.upgrade).toBe('h2c');
  });

  it('takes an upgrade pipelined behind a request once that request is answered', async () => {
    const r = recorder();
    await start(r.handler);
    const c = await connect();
    c.write(`GET /first HTTP/1.1\r\nHost: x\r\n\r\n${UPGRADE}after`);
    await c.until((t) => t.includes('101'));
    expect(c.text.indexOf('hello /first')).toBeLessThan(c.text.indexOf('101'));
    expect(r.taken[0]?.head).toBe('after');
  });

  it('serves `Upgrade` without `Connection: upgrade` as an ordinary request, keeping the connection', async () => {
    const r = recorder();
    await start(r.handler);
    const c = await connect();
    c.write('GET /a HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    const rs = await c.responses(2);
    expect(rs.map((x) => x.body)).toEqual(['hello /a', 'hello /b']);
    expect(r.taken).toHaveLength(0);
  });

  it('with no listener at the time, serves it as a request and closes', async () => {
    const r = recorder();
    r.on = false;
    await start(r.handler);
    const c = await connect();
    c.write(UPGRADE);
    const [res] = await c.responses(1);
    expect([res?.status, res?.headers.connection]).toEqual([200, 'close']);
    expect(await c.waitClose()).toBe(true);
    expect(r.taken).toHaveLength(0);
  });

  it('a worker class that cannot hold upgrades refuses them with its error and closes', async () => {
    const r = recorder();
    const server = await start({ ...r.handler, refusal: UPGRADE_NEEDS_ASYNC });
    const c = await connect();
    c.write(UPGRADE);
    const [res] = await c.responses(1);
    expect([res?.status, res?.headers.connection]).toEqual([501, 'close']);
    expect(await c.waitClose()).toBe(true);
    expect(server.clientErrors).toEqual([{ status: 501, reason: 'upgrade-needs-async' }]);
    expect(r.taken).toHaveLength(0);
  });

  it('drain() waits for upgraded sockets and leaves them open; destroyAll() destroys them', async () => {
    const r = recorder();
    const server = await start(r.handler);
    const a = await connect();
    const b = await connect();
    a.write(UPGRADE);
    b.write(UPGRADE);
    await a.until((t) => t.includes('101'));
    await b.until((t) => t.includes('101'));
    let drained = false;
    void server.engine.drain().then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 700)); // past the idle drain grace
    expect(drained).toBe(false);
    a.write('still here');
    await a.until((t) => t.includes('STILL HERE'));
    a.socket.end();
    await a.waitClose();
    await expect.poll(() => server.engine.upgradedCount).toBe(1);
    expect(drained).toBe(false);
    server.engine.destroyAll();
    expect(await b.waitClose()).toBe(true);
    await expect.poll(() => drained).toBe(true);
  });

  it('--send-timeout also closes an upgraded socket whose client reads nothing', async () => {
    const timedOut: string[] = [];
    const chunk = Buffer.alloc(1 << 20, 'x');
    const flood: UpgradeHandler = {
      listening: () => true,
      upgrade(_req, socket) {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
        for (let i = 0; i < 32; i++) socket.write(chunk); // far more than the socket buffers hold
      },
    };
    const server = await harness.start(hello, { sendTimeoutMs: 300 }, undefined, { onSendTimeout: (a) => timedOut.push(a) }, flood);
    const c = await connect();
    c.write(UPGRADE);
    await c.until((t) => t.includes('101'));
    c.socket.pause();
    await expect.poll(() => server.engine.upgradedCount, { timeout: 3000 }).toBe(0);
    expect(timedOut).toEqual(['127.0.0.1']);
  });

  it('closes an upgrade that arrives during a graceful stop instead of taking it', async () => {
    const r = recorder();
    const server = await start(r.handler);
    const c = await connect();
    void server.engine.drain();
    c.write(UPGRADE);
    expect(await c.waitClose()).toBe(true);
    expect(r.taken).toHaveLength(0);
  });
});
