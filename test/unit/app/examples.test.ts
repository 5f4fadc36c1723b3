import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadApp } from '../../../src/app/load.js';
import { parseAppSpec } from '../../../src/app/parse-spec.js';
import type { AppKind, LoadedApp } from '../../../src/app/types.js';
import { ServerPool } from './serve.js';

const root = path.resolve(import.meta.dirname, '../../..');
const pool = new ServerPool();
const opened: LoadedApp[] = [];
afterEach(() => pool.closeAll());
// Modules are cached, so a second load returns the same (Fastify) instance: close apps once, at the end.
afterAll(() => Promise.all(opened.map((app) => app.close?.())));

async function start(example: string): Promise<{ app: LoadedApp; url: string }> {
  const app = await loadApp(parseAppSpec(`examples/${example}`), { cwd: root });
  opened.push(app);
  const server = await pool.serve(app.handler);
  return { app, url: server.url };
}

function get(url: string, init?: RequestInit): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
}

const pid = String(process.pid);

describe('examples', () => {
  it.each<[string, AppKind, string, RegExp]>([
    ['hello.js', 'handler', '/', /^Hello, World!$/],
    ['plain.cjs', 'handler', '/', /plain CommonJS handler/],
    ['express.js', 'express', '/', /Hello from Express/],
    ['koa.js', 'koa', '/k', /"framework":"koa".*"path":"\/k"/],
    ['fastify.js', 'fastify', '/', /"framework":"fastify"/],
    ['hono.mjs', 'fetch', '/', /Hello from Hono/],
    ['fetch.mjs', 'fetch', '/f?x=1', /"method":"GET","url":"http:\/\/127\.0\.0\.1:\d+\/f\?x=1"/],
    ['cpu.js', 'handler', '/?ms=5', /"ms":5/],
    ['sleep.js', 'handler', '/?ms=5', /"slept":5/],
    ['sleep-blocking.js', 'handler', '/?ms=5', /"blocked":5/],
  ])('%s loads as %s and answers with its pid', async (example, kind, target, body) => {
    const { app, url } = await start(example);
    expect(app.kind).toBe(kind);
    const res = await get(url + target);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-worker-pid')).toBe(pid);
    expect(await res.text()).toMatch(body);
  });

  it('express.js echoes JSON and streams chunks', async () => {
    const { url } = await start('express.js');
    const echo = await get(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await echo.json()).toEqual({ pid: process.pid, body: { a: 1 } });
    const stream = await get(`${url}/stream`);
    expect(stream.headers.get('transfer-encoding')).toBe('chunked');
    expect((await stream.text()).split('\n').filter(Boolean)).toHaveLength(5);
  });

  it('sleep-blocking.js really blocks for ?ms=', async () => {
    const { url } = await start('sleep-blocking.js');
    const started = performance.now();
    await (await get(`${url}/?ms=50`)).text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('fastify.js tags its 404 with the pid too', async () => {
    const { url } = await start('fastify.js');
    const res = await get(`${url}/missing`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-worker-pid')).toBe(pid);
    await res.arrayBuffer();
  });
});
