/**
 * Pick the export an app spec names and, for `name()`, call it. Never guesses: with no name
 * the default export (module.exports for CommonJS) is the app, whatever else the module holds.
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
    const exportsObject = mod.commonJs ? namespace['default'] : undefined;
    if (name in namespace) {
      value = namespace[name];
    } else if (isObjectLike(exportsObject) && Object.hasOwn(exportsObject, name)) {
      // CommonJS names built at run time are invisible to Node's static export lexer.
      value = exportsObject[name];
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

/** `its exports are: default, app` — for CommonJS, module.exports' own names too. */
export function exportList(mod: ImportedModule): string {
  const names = new Set(Object.keys(mod.namespace));
  const exportsObject = mod.namespace['default'];
  if (mod.commonJs && isObjectLike(exportsObject)) {
    for (const key of Object.keys(exportsObject)) names.add(key);
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

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}
