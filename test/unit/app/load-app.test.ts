import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadApp } from '../../../src/app/load.js';
import { parseAppSpec } from '../../../src/app/parse-spec.js';
import type { LoadedApp } from '../../../src/app/types.js';
import { TsgunError } from '../../../src/errors.js';
import { ServerPool } from './serve.js';

const cwd = path.resolve(import.meta.dirname, '../../fixtures/apps');
const pool = new ServerPool();
afterEach(() => pool.closeAll());

function load(spec: string): Promise<LoadedApp> {
  return loadApp(parseAppSpec(spec), { cwd });
}

async function request(app: LoadedApp, target = '/', init?: RequestInit): Promise<Response> {
  const server = await pool.serve(app.handler);
  return fetch(server.url + target, { ...init, signal: AbortSignal.timeout(5_000) });
}

async function loadError(spec: string): Promise<TsgunError> {
  const err: unknown = await load(spec).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TsgunError);
  return err as TsgunError;
}

describe('loadApp: modules and exports', () => {
  it('loads an ESM default export', async () => {
    const app = await load('esm-default.js');
    expect(app.kind).toBe('handler');
    const res = await request(app, '/x?y=1');
    expect(await res.text()).toBe('esm default GET /x?y=1');
  });

  it('loads CommonJS module.exports (.cjs)', async () => {
    const app = await load('cjs-exports.cjs');
    expect(app.kind).toBe('handler');
    expect(await (await request(app)).text()).toBe('cjs module.exports');
  });

  it('loads a .js file from a package without "type": "module" as CommonJS', async () => {
    const app = await load('./cjs/app.js');
    expect(await (await request(app)).text()).toBe('cjs .js');
  });

  it("uses a compiled TypeScript module's `exports.default`", async () => {
    const app = await load('cjs/compiled.js');
    expect(await (await request(app)).text()).toBe('compiled ts default');
  });

  it('picks a named export', async () => {
    const app = await load('named.js:server');
    expect(await (await request(app)).text()).toBe('named server');
  });

  it('picks a named export of module.exports', async () => {
    const app = await load('cjs-named.cjs:app');
    expect(await (await request(app)).text()).toBe('cjs named app');
  });

  it('picks a property of an ESM default export object', async () => {
    const app = await load('default-object.js:app');
    expect(await (await request(app)).text()).toBe('default object app');
  });

  it('resolves an absolute path regardless of cwd', async () => {
    const app = await loadApp(parseAppSpec(path.join(cwd, 'named.js:server')), { cwd: '/' });
    expect(await (await request(app)).text()).toBe('named server');
  });

  it('calls a sync factory', async () => {
    const app = await load('factory.js:createApp()');
    expect(app.kind).toBe('handler');
    expect(await (await request(app)).text()).toBe('sync factory');
  });

  it('awaits an async factory', async () => {
    const app = await load('factory.js:createAppAsync()');
    expect(app.kind).toBe('fetch');
    expect(await (await request(app)).text()).toBe('async factory');
  });

  it('awaits a default export that is a promise', async () => {
    const app = await load('async-default.js');
    expect(await (await request(app)).text()).toBe('awaited default');
  });

  it('calls a package default export as a factory (`express()`)', async () => {
    const app = await loadApp(parseAppSpec('express()'), { cwd: process.cwd() });
    expect(app.kind).toBe('express');
    const res = await request(app, '/nothing');
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});

describe('loadApp: frameworks', () => {
  it('uses an Express app as-is', async () => {
    const app = await load('express-app.js');
    expect(app.kind).toBe('express');
    expect(await (await request(app)).text()).toBe('express root');
    const echo = await request(app, '/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: [1, 2] }),
    });
    expect(await echo.json()).toEqual({ got: { a: [1, 2] } });
  });

  it("uses a Koa app's callback()", async () => {
    const app = await load('koa-app.js');
    expect(app.kind).toBe('koa');
    expect(await (await request(app, '/k')).json()).toEqual({ koa: true, path: '/k' });
  });

  it('routes into a Fastify instance with hooks, 404 and error handler', async () => {
    const app = await load('fastify-app.js');
    expect(app.kind).toBe('fastify');
    expect(app.close).toBeTypeOf('function');
    try {
      const hello = await request(app, '/hello');
      expect(hello.status).toBe(200);
      expect(hello.headers.get('x-hook')).toBe('ran');
      expect(await hello.json()).toEqual({ hello: 'fastify' });

      const missing = await request(app, '/missing');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-hook')).toBe('ran');
      expect(await missing.json()).toMatchObject({ statusCode: 404, message: 'Route GET:/missing not found' });

      const fail = await request(app, '/fail');
      expect(fail.status).toBe(418);
      expect(await fail.json()).toEqual({ handled: 'route failed' });
    } finally {
      await app.close?.();
    }
  });

  it('bridges a Hono app through fetch', async () => {
    const app = await load('hono-app.js');
    expect(app.kind).toBe('fetch');
    expect(await (await request(app)).text()).toBe('hono root');
    const echo = await request(app, '/echo?q=1', { method: 'POST', body: 'ping' });
    const json = (await echo.json()) as { body: string; url: string };
    expect(json.body).toBe('ping');
    expect(json.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/echo\?q=1$/);
  });

  it('bridges an object with a fetch method', async () => {
    const app = await load('fetch-object.js');
    expect(app.kind).toBe('fetch');
    const res = await request(app, '/p?x=1', { method: 'DELETE' });
    const json = (await res.json()) as { method: string; url: string };
    expect(json.method).toBe('DELETE');
    expect(new URL(json.url).pathname + new URL(json.url).search).toBe('/p?x=1');
  });

  it('treats a one-parameter function as a fetch handler', async () => {
    const app = await load('fetch-function.js');
    expect(app.kind).toBe('fetch');
    const res = await request(app, '/f');
    expect(res.headers.get('x-style')).toBe('fetch');
    expect(await res.text()).toBe('fetch fn /f');
  });

  it('honours an explicit tsgunStyle marking', async () => {
    const app = await load('fetch-marked.js');
    expect(app.kind).toBe('fetch');
    expect(await (await request(app, '/', { method: 'PUT', body: '' })).text()).toBe('marked PUT');
  });

  it("uses an exported http.Server's request listeners", async () => {
    const app = await load('node-server.js');
    expect(app.kind).toBe('node-server');
    expect(await (await request(app)).text()).toBe('from http.Server');
  });
});

describe('loadApp: errors', () => {
  it('wraps an import that throws, keeping the cause', async () => {
    const err = await loadError('throws.js');
    expect(err.code).toBe('TSGUN_ERR_APP_LOAD');
    expect(err.message).toContain('boom at import');
    expect(err.message).toContain('throws.js');
    expect((err.cause as Error).message).toBe('boom at import');
  });

  it('reports a module that does not exist', async () => {
    const err = await loadError('./nope.js');
    expect(err.code).toBe('TSGUN_ERR_APP_LOAD');
    expect(err.message).toContain('cannot find module ./nope.js');
  });

  it('reports a package that does not exist', async () => {
    const err = await loadError('no-such-package-xyz');
    expect(err.code).toBe('TSGUN_ERR_APP_LOAD');
    expect(err.message).toContain('nor a package "no-such-package-xyz"');
  });

  it('lists the exports when the named one is missing', async () => {
    const err = await loadError('named.js:app');
    expect(err.code).toBe('TSGUN_ERR_APP_NOT_HANDLER');
    expect(err.message).toContain('named.js has no export "app"');
    expect(err.message).toContain('its exports are: server, version');
  });

  it('lists the exports when there is no default export', async () => {
    const err = await loadError('no-default.js');
    expect(err.code).toBe('TSGUN_ERR_APP_NOT_HANDLER');
    expect(err.message).toMatch(/has no default export; its exports are: app, helper/);
  });

  it('refuses a non-handler export', async () => {
    const err = await loadError('not-handler.js');
    expect(err.code).toBe('TSGUN_ERR_APP_NOT_HANDLER');
    expect(err.message).toContain('the default export of not-handler.js is a number');
    const obj = await loadError('not-handler.js:settings');
    expect(obj.message).toContain('is an object that is not an app');
  });

  it('does not guess the app inside module.exports = { app }', async () => {
    const err = await loadError('cjs-named.cjs');
    expect(err.code).toBe('TSGUN_ERR_APP_NOT_HANDLER');
    expect(err.message).toContain('name it: cjs-named.cjs:app');
  });

  it('does not guess the app inside export default { app }', async () => {
    const err = await loadError('default-object.js');
    expect(err.message).toContain('is an object that is not an app (its functions: app); to use "app", name it: default-object.js:app');
  });

  it('refuses a function that declares no parameters, hinting at ()', async () => {
    const err = await loadError('zero-arity.js');
    expect(err.code).toBe('TSGUN_ERR_APP_NOT_HANDLER');
    expect(err.message).toContain(
      'needs `()` in the spec; a handler declares (req, res) or (request), or sets tsgunStyle (e.g. zero-arity.js())',
    );
  });

  it('refuses a class', async () => {
    const err = await loadError('class-export.js');
    expect(err.message).toContain('is a class (App)');
  });

  it('wraps a factory that throws', async () => {
    const err = await loadError('factory.js:failingFactory()');
    expect(err.code).toBe('TSGUN_ERR_APP_LOAD');
    expect(err.message).toContain('factory.js:failingFactory() threw: factory boom');
    expect((err.cause as Error).message).toBe('factory boom');
  });

  it('refuses () on something that is not a function', async () => {
    const err = await loadError('factory.js:notAFunction()');
    expect(err.code).toBe('TSGUN_ERR_APP_NOT_HANDLER');
    expect(err.message).toContain('cannot be called as a factory');
  });
});
