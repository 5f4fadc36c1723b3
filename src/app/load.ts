/**
 * Load the user's app in a worker: resolve the module, import it, pick the export, recognise the
 * framework and adapt it to the engine's `(req, res)` handler.
 */
import { TsgunError, errorMessage } from '../errors.js';
import { adaptApp, classifyApp } from './detect.js';
import { importModule } from './import-module.js';
import { formatAppSpec } from './parse-spec.js';
import { resolveModule } from './resolve-module.js';
import { selectExport } from './select-export.js';
import type { AppSpec, LoadedApp } from './types.js';

export interface LoadAppOptions {
  /** Directory the module path (or package name) is resolved against. */
  readonly cwd: string;
}

export async function loadApp(spec: AppSpec, options: LoadAppOptions): Promise<LoadedApp> {
  const file = resolveModule(spec.module, options.cwd);
  const mod = await importModule(file);
  const { value, label } = await selectExport(mod, spec);

  const shape = classifyApp(value);
  if (shape.kind === 'none') {
    const hint =
      shape.maybeFactory === true && !spec.factory
        ? ` (e.g. ${formatAppSpec({ ...spec, factory: true })})`
        : spec.exportName === undefined && isObjectLike(value)
          ? namedExportHint(spec, value)
          : '';
    throw new TsgunError('TSGUN_ERR_APP_NOT_HANDLER', `${label} ${shape.reason}${hint}`);
  }
  try {
    return await adaptApp(shape);
  } catch (err) {
    throw new TsgunError('TSGUN_ERR_APP_LOAD', `${label} failed to start (${shape.kind}): ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** `module.exports = { app }`: point at the name instead of guessing it. */
function namedExportHint(spec: AppSpec, value: object): string {
  const candidates = Object.keys(value).filter((key) => classifyApp((value as Record<string, unknown>)[key]).kind !== 'none');
  if (candidates.length === 0) return '';
  return `; to use ${candidates.map((key) => `"${key}"`).join(' or ')}, name it: ${spec.module}:${candidates[0]}`;
}

function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
