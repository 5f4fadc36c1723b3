/**
 * Turn the module part of an app spec into an absolute file path.
 *
 * Order: an existing file at `cwd/module`; then, for a bare name (`express`, `@acme/app`), a
 * package resolved from `cwd`; then Node's CommonJS lookup of the path (`./app` → `./app.js`,
 * a directory → its package.json `main` or `index.js`).
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsgunError } from '../errors.js';

export function resolveModule(module: string, directory: string): string {
  if (module.startsWith('file:')) return fileURLToPath(module);

  const cwd = path.resolve(directory);
  const absolute = path.resolve(cwd, module);
  if (isFile(absolute)) return absolute;

  // createRequire wants a file name; it need not exist, only its directory matters.
  const require = createRequire(path.join(cwd, '__tsgun_app__.js'));
  const candidates = isBareName(module) ? [module, absolute] : [absolute];
  for (const candidate of candidates) {
    try {
      return require.resolve(candidate);
    } catch {
      // Try the next reading of the name; the error below names them all.
    }
  }
  const tried = isBareName(module) ? `${absolute}, nor a package "${module}" from ${cwd}` : absolute;
  throw new TsgunError('TSGUN_ERR_APP_LOAD', `cannot find module ${module} (no file ${tried})`);
}

/** `app.js` or `express`, as opposed to `./app.js`, `../app.js` or `/srv/app.js`. */
function isBareName(module: string): boolean {
  return !path.isAbsolute(module) && !/^\.\.?(?:[/\\]|$)/.test(module);
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}
