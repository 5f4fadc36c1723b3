/** Import a `(req, res)` handler module the way the baselines need it: default export or module.exports. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export async function loadHandler(path: string): Promise<Handler> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  const handler = mod.default;
  if (typeof handler !== 'function') throw new Error(`${path}: the default export is not a (req, res) function`);
  return handler as Handler;
}
