/**
 * Pick the export an app spec names and, for `name()`, call it.
 *
 * - no name: the default export (module.exports for CommonJS; `exports.default` for compiled
 *   TypeScript/Babel). Never guesses: `module.exports = { app }` is not an app, the spec must say `:app`.
 * - `:name`: the named export, else the own property `name` of the default export.
 * - `()`: call it, sync or async. Without `()`, a promise export is awaited.
 */
import { TsgunError, errorMessage } from '../errors.js';
import type { ImportedModule } from './import-module.js';
import { formatAppSpec } from './parse-spec.js';
import type { AppSpec } from './types.js';

export interface SelectedExport {
  /** The export, or what its factory returned, awaited. */
  readonly value: unknown;
  /** Where it came from, for messages: `the default export of app.js`, `what app.js:make() returned`. */
  readonly label: string;
}

export async function selectExport(mod: ImportedModule, spec: AppSpec): Promise<SelectedExport> {
  const namespace = mod.namespace;
  let value: unknown;
  let label: string;

  if (spec.exportName === undefined) {
    if (!('default' in namespace)) {
      throw new TsgunError(
        'TSGUN_ERR_APP_NOT_HANDLER',
        `${spec.module} has no default export; ${exportList(mod)} — name one, e.g. ${spec.module}:<name>`,
      );
    }
    value = unwrapTranspiledDefault(namespace['default']);
    label = mod.commonJs ? `module.exports of ${spec.module}` : `the default export of ${spec.module}`;
  } else {
    const name = spec.exportName;
    const container = namespace['default'];
    if (name in namespace) {
      value = namespace[name];
    } else if (isObjectLike(container) && Object.hasOwn(container, name)) {
      // A property of module.exports: CommonJS names built at run time are invisible to Node's
      // export lexer. Same rule for an ESM `export default { app }`, so one spec form fits both.
      value = container[name];
    } else {
      throw new TsgunError('TSGUN_ERR_APP_NOT_HANDLER', `${spec.module} has no export "${name}"; ${exportList(mod)}`);
    }
    label = `export "${name}" of ${spec.module}`;
  }

  if (spec.factory) {
    if (typeof value !== 'function') {
      throw new TsgunError('TSGUN_ERR_APP_NOT_HANDLER', `${label} is ${kindOf(value)}, so it cannot be called as a factory`);
    }
    const call = formatAppSpec(spec);
    try {
      value = await (value as () => unknown)();
    } catch (err) {
      throw new TsgunError('TSGUN_ERR_APP_LOAD', `${call} threw: ${errorMessage(err)}`, { cause: err });
    }
    label = `what ${call} returned`;
  } else {
    try {
      // `export default makeApp()` with an async makeApp; also boots a Fastify instance (thenable).
      value = await value;
    } catch (err) {
      throw new TsgunError('TSGUN_ERR_APP_LOAD', `${label} rejected: ${errorMessage(err)}`, { cause: err });
    }
  }
  return { value, label };
}

/** `its exports are: default, app` — with the own names of a plain-object default (module.exports). */
export function exportList(mod: ImportedModule): string {
  const names = new Set(Object.keys(mod.namespace));
  const container = mod.namespace['default'];
  if (isPlainObject(container)) {
    for (const key of Object.keys(container)) names.add(key);
  }
  return names.size === 0 ? 'it exports nothing' : `its exports are: ${[...names].join(', ')}`;
}

/** TypeScript/Babel CommonJS output: `exports.default = app` beside `__esModule: true`. */
function unwrapTranspiledDefault(value: unknown): unknown {
  return isObjectLike(value) && value['__esModule'] === true && 'default' in value ? value['default'] : value;
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}
