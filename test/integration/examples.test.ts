/** Each framework example in examples/<name>/ served unchanged through the real tsgun CLI. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, ROOT, startTsgun, type TsgunProcess } from '../helpers/tsgun-process.js';
import { request, type Reply } from '../helpers/http-client.js';
import { io as ioClient } from 'socket.io-client';
import { WsPeer } from '../helpers/ws-peer.js';

afterEach(killAll);

const LOCAL = ['-b', '127.0.0.1:0'];

function postJson(url: string, value: unknown): Promise<Reply> {
  return request(url, { method: 'POST', body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
}

interface Streamed {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** Milliseconds between the first and the last body chunk. */
  readonly spreadMs: number;
}

/** Reads a response chunk by chunk: a streamed body arrives spread out, a buffered one at once. */
function stream(url: string): Promise<Streamed> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const times: number[] = [];
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        times.push(performance.now());
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, spreadMs: (times.at(-1) ?? 0) - (times[0] ?? 0) }),
      );
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('stream timed out')));
    req.on('error', reject);
  });
}

async function serve(args: readonly string[]): Promise<TsgunProcess> {
  return startTsgun([...args, ...LOCAL]);
}

describe('examples/', () => {
  it('express/: routing, JSON body, streaming, error handler', async () => {
    const tsgun = await serve(['examples/express/app.js', '-w', '2']);
    expect((await request(`${tsgun.url}/`)).body).toMatch(/^Hello from Express, pid \d+/);
    expect(JSON.parse((await request(`${tsgun.url}/users/2`)).body)).toEqual({ id: '2', name: 'Grace' });
    expect((await request(`${tsgun.url}/users/9`)).status).toBe(404);
    const echo = await postJson(`${tsgun.url}/echo`, { a: [1, 'x'], n: null });
    expect(JSON.parse(echo.body)).toMatchObject({ body: { a: [1, 'x'], n: null } });
    const streamed = await stream(`${tsgun.url}/stream?n=6`);
    expect(streamed.headers['transfer-encoding']).toBe('chunked');
    expect(streamed.text.trim().split('\n')).toHaveLength(6);
    expect(streamed.spreadMs).toBeGreaterThan(150); // six lines 50 ms apart, not one buffered blob
    const boom = await request(`${tsgun.url}/boom`);
    expect([boom.status, JSON.parse(boom.body)]).toEqual([500, { error: 'boom' }]);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('koa/: JSON, body echo, Readable body streamed, JSON 404', async () => {
    const tsgun = await serve(['examples/koa/app.js']);
    expect(JSON.parse((await request(`${tsgun.url}/`)).body)).toMatchObject({ framework: 'koa' });
    expect(JSON.parse((await postJson(`${tsgun.url}/echo`, { k: 1 })).body)).toMatchObject({ body: { k: 1 } });
    const bad = await request(`${tsgun.url}/echo`, { method: 'POST', body: '{nope' });
    expect([bad.status, bad.body]).toEqual([400, '{"error":"invalid JSON"}']);
    const streamed = await stream(`${tsgun.url}/stream`);
    expect(streamed.text).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(streamed.spreadMs).toBeGreaterThan(100);
    expect((await request(`${tsgun.url}/nope`)).status).toBe(404);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('fastify/: plugin routes, schema validation, hooks; as an instance and as a factory', async () => {
    for (const spec of ['examples/fastify/app.js', 'examples/fastify/app.js:build()']) {
      const tsgun = await serve([spec]);
      const item = await request(`${tsgun.url}/api/items/42`);
      expect(JSON.parse(item.body)).toEqual({ id: 42 });
      expect(item.headers['x-worker-pid']).toMatch(/^\d+$/);
      expect(JSON.parse((await postJson(`${tsgun.url}/api/echo`, { name: 'n' })).body)).toMatchObject({ body: { name: 'n' } });
      expect((await postJson(`${tsgun.url}/api/echo`, { other: 1 })).status).toBe(400);
      expect((await request(`${tsgun.url}/missing`)).status).toBe(404);
      expect((await tsgun.stop()).code).toBe(0);
    }
  });

  it('hono/: fetch-style routes, absolute request URL, JSON, streaming', async () => {
    const tsgun = await serve(['examples/hono/app.mjs', '-k', 'async']);
    expect((await request(`${tsgun.url}/`)).body).toMatch(/^Hello from Hono/);
    expect(JSON.parse((await request(`${tsgun.url}/hello/ada?x=1`)).body)).toEqual({ hello: 'ada', url: `${tsgun.url}/hello/ada?x=1` });
    expect(JSON.parse((await postJson(`${tsgun.url}/echo`, [1, 2])).body)).toMatchObject({ body: [1, 2] });
    const streamed = await stream(`${tsgun.url}/stream`);
    expect(streamed.text).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(streamed.spreadMs).toBeGreaterThan(100);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it.each([
    ['app.mjs', 'esm'],
    ['app.cjs', 'cjs'],
  ])('plain/%s: a (req, res) handler as %s', async (file, kind) => {
    const tsgun = await serve([`examples/plain/${file}`]);
    expect(JSON.parse((await request(`${tsgun.url}/x?y=1`, { method: 'DELETE' })).body)).toMatchObject({
      module: kind,
      method: 'DELETE',
      url: '/x?y=1',
    });
    expect((await request(`${tsgun.url}/health`)).status).toBe(204);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('websocket/: Express and ws on one server, messages echoed by both workers (README command)', async () => {
    const tsgun = await serve(['examples/websocket/app.js', '-k', 'async', '-w', '2']);
    expect((await request(`${tsgun.url}/`)).body).toMatch(/^Hello from Express \+ ws, pid \d+/);
    const url = `${tsgun.url.replace(/^http/, 'ws')}/echo`;
    const peers = await Promise.all(Array.from({ length: 8 }, () => WsPeer.open(url)));
    const pids = new Set<number>();
    for (const [i, peer] of peers.entries()) {
      const { hello } = JSON.parse(await peer.next()) as { hello: number };
      pids.add(hello);
      expect(await peer.ask(`m${i}`)).toBe(`${hello}:m${i}`);
    }
    expect(pids.size).toBe(2);
    // TERM: the app's 'close' listener says goodbye with 1001; nothing waits for the graceful timeout.
    const exit = tsgun.stop();
    for (const peer of peers) expect((await peer.closed).code).toBe(1001);
    expect((await exit).code).toBe(0);
  });

  it('socketio/: polling and websocket transports (README command)', async () => {
    const tsgun = await serve(['examples/socketio/app.js', '-k', 'async']);
    for (const transports of [['polling'], ['polling', 'websocket'], ['websocket']]) {
      const socket = ioClient(tsgun.url, { transports, reconnection: false, forceNew: true, timeout: 5000 });
      try {
        const hello = await new Promise<{ pid: number }>((resolve, reject) => {
          socket.once('hello', resolve);
          socket.once('connect_error', reject);
        });
        expect(await socket.emitWithAck('echo', transports.join('+'))).toEqual({ pid: hello.pid, message: transports.join('+') });
      } finally {
        socket.disconnect();
      }
    }
  });

  it('dirty/: the prime sieve runs in a dirty worker while the HTTP worker answers (README command)', async () => {
    const tsgun = await serve([
      'examples/dirty/app.js',
      '-k',
      'async',
      '--no-control-socket',
      '--dirty-app',
      'examples/dirty/primes.js:PrimeSieve',
      '--dirty-workers',
      '2',
    ]);
    const sieve = request(`${tsgun.url}/primes?n=20000000`, { timeoutMs: 20_000 });
    expect((await request(`${tsgun.url}/`)).body).toMatch(/^Hello from HTTP worker/);
    const counted = await sieve;
    expect(counted.status).toBe(200);
    expect(JSON.parse(counted.body)).toMatchObject({ n: 20_000_000, primes: 1_270_607 });
    expect(JSON.parse((await request(`${tsgun.url}/primes?n=100`)).body)).toMatchObject({ primes: 25 });
    const bad = await request(`${tsgun.url}/primes?n=-1`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: 'TSGUN_ERR_DIRTY_TASK' });
    expect((await tsgun.stop()).code).toBe(0);
  });

  describe('typescript/', () => {
    const outDir = join(ROOT, 'examples/typescript/dist');
    beforeAll(async () => {
      rmSync(outDir, { recursive: true, force: true });
      // The README's build step, with the project's own tsc.
      await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'examples/typescript')]);
    }, 60_000);
    afterAll(() => rmSync(outDir, { recursive: true, force: true }));

    it('compiled app and tsgun.config.ts (defineConfig) run, from any directory', async () => {
      // cwd is the example's parent: the config names its app relative to itself.
      const tsgun = await startTsgun(['-c', 'typescript/dist/tsgun.config.js', ...LOCAL], { cwd: join(ROOT, 'examples') });
      // The config file's workers (2) and its master hook took effect.
      expect(tsgun.lines.find((l) => String(l.msg).startsWith('Ready:'))?.['workers']).toBe(2);
      await tsgun.waitForLine((l) => l.msg === 'typescript example ready');
      expect(JSON.parse((await request(`${tsgun.url}/`)).body)).toMatchObject({ greeting: 'hello from compiled TypeScript' });
      expect(JSON.parse((await postJson(`${tsgun.url}/echo`, { t: true })).body)).toEqual({ body: { t: true } });
      expect((await tsgun.stop()).code).toBe(0);
    });
  });
});
