/**
 * Slow and idle clients against a real `sync` server of 2 workers: 100 sockets that are idle,
 * dribble a request head, or dribble a request body must not delay a normal client, and the
 * header and body timeouts close the slow ones with 408.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../unit/http/helpers.js';
import { killAll, startTsgun } from '../helpers/tsgun-process.js';

const APP = 'test/fixtures/http/echo-app.js';
const sockets: net.Socket[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  await killAll();
});

function open(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {}); // the server may close them: not this test's concern
    s.once('error', reject);
    sockets.push(s);
  });
}

/** Write `text` one byte every `everyMs` until it is all sent or the socket closes. */
function dribble(s: net.Socket, text: string, everyMs: number): void {
  s.setNoDelay(true);
  let i = 0;
  const t = setInterval(() => {
    if (i >= text.length || s.destroyed) {
      clearInterval(t);
      return;
    }
    s.write(text[i++] as string);
  }, everyMs);
  timers.push(t);
}

async function timedGet(port: number): Promise<number> {
  const started = performance.now();
  const c = await RawClient.connect(port);
  try {
    c.write('GET /normal HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1, { timeoutMs: 5000 });
    expect(res?.status).toBe(200);
  } finally {
    c.destroy();
  }
  return performance.now() - started;
}

describe('slow clients (sync, 2 workers, real CLI)', () => {
  it('100 idle, head-dribbling and body-dribbling sockets do not delay a normal client (< 1 s)', async () => {
    const tsgun = await startTsgun([APP, '-b', '127.0.0.1:0', '-w', '2', '-k', 'sync', '--keep-alive', '30']);
    const port = Number(new URL(tsgun.url).port);
    const slow = await Promise.all(Array.from({ length: 100 }, () => open(port)));
    slow.forEach((s, i) => {
      if (i % 3 === 1) dribble(s, `GET /slow-head HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(200)}\r\n\r\n`, 50);
      else if (i % 3 === 2) {
        // A complete head, then a body that trickles in: must not take a worker while it does.
        s.write('POST /slow-body HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
        dribble(s, 'b'.repeat(1000), 50);
      }
      // i % 3 === 0: connected, silent.
    });
    await new Promise((r) => setTimeout(r, 300)); // let every slow socket reach its worker
    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push(await timedGet(port));
    console.log(`normal client with 100 slow sockets open: max ${Math.max(...times).toFixed(1)} ms over ${times.length} requests`);
    expect(Math.max(...times)).toBeLessThan(1000);
  });

  it('closes a slow head with 408 after --header-timeout and a stalled body with 408 after --body-timeout', async () => {
    const tsgun = await startTsgun([APP, '-b', '127.0.0.1:0', '-w', '1', '--header-timeout', '0.5', '--body-timeout', '0.5']);
    const port = Number(new URL(tsgun.url).port);
    const head = await RawClient.connect(port);
    const body = await RawClient.connect(port);
    try {
      head.socket.setNoDelay(true);
      head.write('GET / HTTP/1.1\r\nHo');
      body.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
      const [h] = await head.responses(1, { timeoutMs: 5000 });
      const [b] = await body.responses(1, { timeoutMs: 5000 });
      expect(h?.status).toBe(408);
      expect(b?.status).toBe(408);
      expect(await head.waitClose()).toBe(true);
      expect(await body.waitClose()).toBe(true);
    } finally {
      head.destroy();
      body.destroy();
    }
  });

  it('a body that keeps arriving, slower than the whole timeout but faster than the gaps, is served', async () => {
    const tsgun = await startTsgun([APP, '-b', '127.0.0.1:0', '-w', '1', '--body-timeout', '0.5']);
    const port = Number(new URL(tsgun.url).port);
    const c = await RawClient.connect(port);
    try {
      c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n');
      dribble(c.socket, '12345678', 150); // 1.2 s in all, never 0.5 s silent
      const [res] = await c.responses(1, { timeoutMs: 5000 });
      expect(res?.status).toBe(200);
    } finally {
      c.destroy();
    }
  });
});
