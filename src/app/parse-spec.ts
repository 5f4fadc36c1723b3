/**
 * The app spec grammar, gunicorn's `module:callable` adapted to files:
 *
 *   spec   = module [ ":" export ] [ "()" ]
 *   export = a JavaScript identifier (`default` included)
 *
 * `app.js`, `./dist/app.mjs:server`, `dist/app.js:createApp()`, `express()` (a package's default
 * export called as a factory). The module part is a path or a package name; it is resolved when
 * loaded, so parsing touches no file.
 */
import { TsgunError } from '../errors.js';
import type { AppSpec } from './types.js';

const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;
const FACTORY_SUFFIX = '()';

export function parseAppSpec(text: string): AppSpec {
  const spec = text.trim();
  if (spec === '') throw badSpec(text, 'it is empty');

  let rest = spec;
  let factory = false;
  if (rest.endsWith(FACTORY_SUFFIX)) {
    factory = true;
    rest = rest.slice(0, -FACTORY_SUFFIX.length);
  } else if (rest.endsWith(')')) {
    throw badSpec(text, 'a factory is called without arguments: write `name()`');
  }

  const colon = exportSeparator(rest);
  const modulePart = colon === -1 ? rest : rest.slice(0, colon);
  const exportPart = colon === -1 ? undefined : rest.slice(colon + 1);

  if (modulePart === '') throw badSpec(text, 'the module path is missing');
  if (/[()]$/.test(modulePart) && colon !== -1) {
    throw badSpec(text, '`()` goes after the export name, e.g. `app.js:createApp()`');
  }
  if (exportPart !== undefined) {
    if (exportPart === '') throw badSpec(text, 'the export name after `:` is missing');
    if (!EXPORT_NAME.test(exportPart)) {
      throw badSpec(text, `\`${exportPart}\` is not an export name (expected an identifier, optionally followed by \`()\`)`);
    }
  }

  return {
    module: modulePart,
    exportName: exportPart === 'default' ? undefined : exportPart,
    factory,
  };
}

/** The spec written back in its canonical form, for messages. */
export function formatAppSpec(spec: AppSpec): string {
  const name = spec.exportName === undefined ? '' : `:${spec.exportName}`;
  return `${spec.module}${name}${spec.factory ? FACTORY_SUFFIX : ''}`;
}

/**
 * Index of the `:` that starts the export name, or -1. A colon followed by a path separator is
 * part of the module (`C:\app.js`, `file:///srv/app.js`), so `C:\srv\app.js:server` still splits
 * at the last colon.
 */
function exportSeparator(text: string): number {
  const colon = text.lastIndexOf(':');
  if (colon === -1) return -1;
  const next = text[colon + 1];
  return next === '/' || next === '\\' ? -1 : colon;
}

function badSpec(text: string, reason: string): TsgunError {
  return new TsgunError('TSGUN_ERR_BAD_APP_SPEC', `${JSON.stringify(text)}: ${reason}`);
}
