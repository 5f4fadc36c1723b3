/** The contract of src/app: turning what the user exports into one request handler. */
import type { RequestHandler } from '../http/types.js';
import type { UpgradeHandler } from '../http/upgrade.js';

/** `app.js`, `app.mjs:server`, `dist/app.js:createApp()` parsed. */
export interface AppSpec {
  /** Module path as given (resolved against the working directory when loaded). */
  readonly module: string;
  /** Export name; undefined = the default export (or module.exports for CJS). */
  readonly exportName: string | undefined;
  /** True when the spec ends in `()`: the export is a factory to call (may be async). */
  readonly factory: boolean;
}

/** What kind of app was found, for the boot log line. */
export type AppKind = 'handler' | 'express' | 'koa' | 'fastify' | 'fetch' | 'node-server';

export interface LoadedApp {
  readonly handler: RequestHandler;
  readonly kind: AppKind;
  /** Called once when the worker stops (e.g. fastify's close()). */
  readonly close?: () => Promise<void>;
  /** The exported server's 'upgrade' listeners (ws, socket.io, @hono/node-ws attach there). */
  readonly upgrades?: UpgradeHandler;
  /**
   * The worker stops taking connections: the app's signal to close its long-lived ones. For an
   * exported server it is that server's own `close()` (its 'close' event, which engine.io
   * listens to and ws apps commonly do), called once, at the start of any stop.
   */
  readonly stopping?: () => void;
}
