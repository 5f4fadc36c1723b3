/**
 * Recognise what the user exported and adapt it to one `(req, res)` handler.
 *
 * Rules, first match wins (duck-typed, so the framework need not be importable from here):
 *   1. Fastify instance  (`routing`, `ready`, `inject`, `register` functions and a `server`)
 *                         → `await app.ready()`, then `app.routing(req, res)`; close = `app.close()`
 *   2. Koa app           (`callback` and `use` functions, not itself a function) → `app.callback()`
 *   3. Express app       (a function with `handle` and `set`) → used as-is
 *   4. http(s).Server    (a net.Server with 'request' or 'upgrade' listeners) → emits 'request' on
 *                         it; its 'upgrade' listeners get upgrades (src/app/server-upgrades.ts)
 *   5. `{ fetch }`       (an object with a `fetch` method: Hono, `export default { fetch }`) → fetch bridge
 *   6. a plain function:
 *        - `fn.tsgunStyle = 'fetch' | 'node'` decides, if set;
 *        - a class, or a function declaring no parameters, is refused: it is most likely a
 *          factory missing its `()` in the spec (e.g. `app.js:createApp()`), and calling it per
 *          request would leave every request hanging;
 *        - one declared parameter `(request)` → fetch-style, returns a Response;
 *        - two or more `(req, res)` / `(req, res, next)` → Node handler, used as-is.
 *      `fn.length` counts parameters before the first default or rest one, which is why the
 *      property exists: `(request, env) => Response` or `(...args) => …` must be marked.
 */
import { Server as NetServer } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from '../http/types.js';
import { fromFetchHandler, type FetchHandler } from './fetch-bridge.js';
import type { LoadedApp } from './types.js';
import { serverRequests, serverStopping, serverUpgrades } from './server-upgrades.js';

/** The property a plain function may carry to say which calling convention it follows. */
export const STYLE_PROPERTY = 'tsgunStyle';
export type HandlerStyle = 'node' | 'fetch';

interface FastifyLike {
  readonly routing: (req: IncomingMessage, res: ServerResponse) => void;
  ready(): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
}

interface KoaLike {
  callback(): RequestHandler;
}

interface FetchObject {
  fetch(request: Request, env: unknown): Response | PromiseLike<Response>;
}

/** What an export looks like, before any side effect (Fastify's ready(), Koa's callback()). */
export type AppShape =
  | { readonly kind: 'fastify'; readonly app: FastifyLike }
  | { readonly kind: 'koa'; readonly app: KoaLike }
  | { readonly kind: 'express'; readonly handler: RequestHandler }
  | { readonly kind: 'node-server'; readonly server: NetServer }
  | { readonly kind: 'fetch'; readonly fetch: FetchHandler }
  | { readonly kind: 'handler'; readonly handler: RequestHandler }
  | { readonly kind: 'none'; readonly reason: string; readonly maybeFactory?: true };

export function classifyApp(value: unknown): AppShape {
  if (value === null || value === undefined) return { kind: 'none', reason: `is ${String(value)}` };
  if (typeof value !== 'object' && typeof value !== 'function') {
    return { kind: 'none', reason: `is a ${typeof value}` };
  }
  const app = value as Record<string, unknown>;

  if (hasMethods(app, 'routing', 'ready', 'inject', 'register') && 'server' in app) {
    return { kind: 'fastify', app: value as FastifyLike };
  }
  if (typeof value === 'object' && hasMethods(app, 'callback', 'use')) {
    return { kind: 'koa', app: value as KoaLike };
  }
  if (typeof value === 'function' && hasMethods(app, 'handle', 'set')) {
    return { kind: 'express', handler: value as RequestHandler };
  }
  if (value instanceof NetServer) {
    // `new WebSocketServer({ server: http.createServer() })` adds only an 'upgrade' listener.
    return value.listenerCount('request') > 0 || value.listenerCount('upgrade') > 0
      ? { kind: 'node-server', server: value }
      : { kind: 'none', reason: "is a server with no 'request' or 'upgrade' listener" };
  }
  if (typeof value === 'object') {
    if (typeof app['fetch'] === 'function') {
      const object = value as FetchObject;
      return { kind: 'fetch', fetch: (request, env) => object.fetch(request, env) };
    }
    return { kind: 'none', reason: describeObject(app) };
  }
  return classifyFunction(value as (...args: never[]) => unknown);
}

/** Turn a recognised shape into the engine's handler; Fastify finishes booting here. */
export async function adaptApp(shape: Exclude<AppShape, { kind: 'none' }>): Promise<LoadedApp> {
  switch (shape.kind) {
    case 'fastify': {
      const app = shape.app;
      await app.ready();
      // `routing` is what Fastify hands a custom `serverFactory`: the full lifecycle (hooks,
      // 404 handler, error handler) runs behind it.
      return {
        kind: 'fastify',
        handler: (req, res) => app.routing(req, res),
        close: async () => {
          await app.close();
        },
      };
    }
    case 'koa':
      return { kind: 'koa', handler: shape.app.callback() };
    case 'node-server': {
      const server = shape.server;
      return { kind: 'node-server', handler: serverRequests(server), upgrades: serverUpgrades(server), stopping: serverStopping(server) };
    }
    case 'fetch':
      return { kind: 'fetch', handler: fromFetchHandler(shape.fetch) };
    case 'express':
    case 'handler':
      return { kind: shape.kind, handler: shape.handler };
  }
}

function classifyFunction(fn: (...args: never[]) => unknown): AppShape {
  const style = (fn as unknown as Record<string, unknown>)[STYLE_PROPERTY];
  if (style === 'fetch') return { kind: 'fetch', fetch: fn as unknown as FetchHandler };
  if (style === 'node') return { kind: 'handler', handler: fn as unknown as RequestHandler };
  if (style !== undefined) {
    return { kind: 'none', reason: `has ${STYLE_PROPERTY} = ${JSON.stringify(style)}; expected "node" or "fetch"` };
  }
  if (isClass(fn)) return { kind: 'none', reason: `is a class (${fn.name || 'anonymous'}); export an instance` };
  if (fn.length === 0) {
    return {
      kind: 'none',
      reason:
        'is a function that declares no parameters: a factory that builds the app needs `()` in the spec; ' +
        `a handler declares (req, res) or (request), or sets ${STYLE_PROPERTY}`,
      maybeFactory: true,
    };
  }
  if (fn.length === 1) return { kind: 'fetch', fetch: fn as unknown as FetchHandler };
  return { kind: 'handler', handler: fn as unknown as RequestHandler };
}

function hasMethods(value: Record<string, unknown>, ...names: readonly string[]): boolean {
  return names.every((name) => typeof value[name] === 'function');
}

function isClass(fn: (...args: never[]) => unknown): boolean {
  return Function.prototype.toString.call(fn).startsWith('class');
}

function describeObject(object: Record<string, unknown>): string {
  const functions = Object.keys(object).filter((key) => typeof object[key] === 'function');
  const name = Object.getPrototypeOf(object)?.constructor?.name as string | undefined;
  const what = name && name !== 'Object' ? `a ${name} object` : 'an object';
  return functions.length === 0
    ? `is ${what} that is not an app`
    : `is ${what} that is not an app (its functions: ${functions.join(', ')})`;
}
