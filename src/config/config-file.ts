/**
 * Finding and importing the config file: `-c FILE`, or `tsgun.config.{js,mjs,cjs,ts}` in the
 * start directory. It is an ES or CommonJS module exporting an object, or a function (sync or
 * async) returning one.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TsgunError, errorMessage } from '../errors.js';
import type { ParseContext } from './codecs.js';
import { layerFromObject, type Layer } from './layers.js';
import { showValue } from './problem.js';
import type { LoadedConfigFile, Source } from './types.js';

/** Looked for in this order in the start directory when no config file is named. */
export const CONFIG_FILE_NAMES = ['tsgun.config.js', 'tsgun.config.mjs', 'tsgun.config.cjs', 'tsgun.config.ts'] as const;

const TYPESCRIPT_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.cts'];

async function fileStat(path: string): Promise<{ readonly mtimeMs: number; readonly size: number } | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The default config file in `cwd`, as an absolute path, if there is one. */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(cwd, name);
    if (await fileStat(path)) return path;
  }
  return undefined;
}

/** How messages name the file: relative to the start directory when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function canImportTypeScript(): boolean {
  // process.features.typescript exists from Node 22.10; @types/node 20 does not declare it.
  const features = process.features as { readonly typescript?: unknown };
  return Boolean(features.typescript);
}

function fileError(display: string, reason: string, cause?: unknown): TsgunError {
  return new TsgunError('TSGUN_ERR_CONFIG_FILE', `${display}: ${reason}`, cause === undefined ? undefined : { cause });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Imports the file and returns the object it exports (calling an exported function). */
async function importConfigObject(path: string, display: string): Promise<Record<string, unknown>> {
  const info = await fileStat(path);
  if (!info) throw fileError(display, 'no such file');
  if (TYPESCRIPT_EXTENSIONS.includes(extname(path)) && !canImportTypeScript()) {
    throw fileError(
      display,
      `Node ${process.versions.node} cannot import TypeScript; compile it to .js or write it as .mjs ` +
        '(Node 22.6+ with --experimental-strip-types, or 23.6+, can load .ts)',
    );
  }
  // A reload (SIGHUP) imports the file again: a new URL per file version defeats the ESM cache,
  // and CommonJS modules are cached by path in require.cache, so drop that entry too.
  const url = pathToFileURL(path);
  url.search = `?mtime=${info.mtimeMs}&size=${info.size}`;
  delete createRequire(import.meta.url).cache[path];
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    throw fileError(display, errorMessage(err).split('\n')[0] ?? 'import failed', err);
  }
  // ESM default export or module.exports; else gunicorn style: one named export per setting.
  let exported: unknown = 'default' in namespace ? namespace['default'] : { ...namespace };
  if (typeof exported === 'function') {
    try {
      exported = await (exported as () => unknown)();
    } catch (err) {
      throw fileError(display, `its exported function threw: ${errorMessage(err).split('\n')[0] ?? ''}`, err);
    }
  }
  if (!isPlainObject(exported)) {
    throw fileError(display, `must export an object (or a function returning one), got ${showValue(exported)}`);
  }
  return exported;
}

/** Imports and validates a config file; `display` names it in messages. */
export async function readConfigFile(path: string, display: string, ctx: ParseContext, source: Source = 'file'): Promise<Layer> {
  const object = await importConfigObject(path, display);
  return layerFromObject(object, { source, from: display, naming: 'flag' }, ctx, { allowConfig: false });
}

/**
 * Loads a config file on its own — workers use it to get the hooks, which cannot cross IPC.
 * Relative paths in it resolve against `cwd`.
 */
export async function loadConfigFile(file: string, cwd: string = process.cwd()): Promise<LoadedConfigFile> {
  const path = resolve(cwd, file);
  const layer = await readConfigFile(path, displayPath(path, cwd), { cwd });
  return layer.app === undefined
    ? { values: layer.values, hooks: layer.hooks }
    : { values: layer.values, hooks: layer.hooks, app: layer.app };
}
