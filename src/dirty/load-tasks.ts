/**
 * Load one `--dirty-app MODULE[:EXPORT]` in a dirty worker: the export is an object whose
 * methods are the tasks, or a class constructed once (so state such as a loaded model lives as
 * long as the worker). An optional `init()` runs once after loading and `close()` at a graceful
 * stop; neither is callable as a task, nor is anything inherited from Object.prototype.
 */
import { importModule } from '../app/import-module.js';
import { resolveModule } from '../app/resolve-module.js';
import { TsgunError, errorMessage } from '../errors.js';

const LIFECYCLE = new Set(['init', 'close', 'constructor']);

export interface TaskApp {
  readonly spec: string;
  /** The task method, or undefined when the name is not a task of this app. */
  method(name: string): ((...args: unknown[]) => unknown) | undefined;
  close(): Promise<void>;
}

function splitSpec(spec: string): { module: string; exportName: string | undefined } {
  const colon = spec.lastIndexOf(':');
  // `C:\…` style or `file:` URLs keep their colon; an export name is an identifier after the last one.
  if (colon > 0 && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(spec.slice(colon + 1)) && !spec.startsWith('file:')) {
    return { module: spec.slice(0, colon), exportName: spec.slice(colon + 1) };
  }
  return { module: spec, exportName: undefined };
}

function isClass(value: unknown): value is new () => object {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

export async function loadTaskApp(spec: string, cwd: string): Promise<TaskApp> {
  const { module, exportName } = splitSpec(spec);
  const mod = await importModule(resolveModule(module, cwd));
  const ns = mod.namespace;
  const fallback = ns['default'];
  let value: unknown;
  if (exportName === undefined || exportName === 'default') value = fallback;
  else if (Object.hasOwn(ns, exportName)) value = ns[exportName];
  else if (typeof fallback === 'object' && fallback !== null && Object.hasOwn(fallback, exportName))
    value = (fallback as Record<string, unknown>)[exportName];
  if (value === undefined) throw new TsgunError('TSGUN_ERR_APP_LOAD', `${spec}: ${module} has no export ${exportName ?? 'default'}`);
  let target: object;
  try {
    target = isClass(value) ? new value() : (value as object);
  } catch (err) {
    throw new TsgunError('TSGUN_ERR_APP_LOAD', `${spec}: its constructor threw: ${errorMessage(err)}`, { cause: err });
  }
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) {
    throw new TsgunError('TSGUN_ERR_APP_LOAD', `${spec}: the export is not an object or class whose methods are tasks`);
  }
  const bag = target as Record<string, unknown>;
  if (typeof bag['init'] === 'function') await (bag['init'] as () => unknown).call(target);
  return {
    spec,
    method(name) {
      if (LIFECYCLE.has(name) || name in Object.prototype || name in Function.prototype) return undefined;
      const fn = bag[name];
      return typeof fn === 'function' ? (fn as (...args: unknown[]) => unknown).bind(target) : undefined;
    },
    async close() {
      if (typeof bag['close'] === 'function') await (bag['close'] as () => unknown).call(target);
    },
  };
}
