/**
 * Import the user's module with Node's own loader, so ESM, CommonJS and compiled TypeScript behave
 * exactly as under `node app.js`, and tell the caller whether it was CommonJS.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TsgunError, errorMessage } from '../errors.js';

export interface ImportedModule {
  /** Absolute path of the file that was imported. */
  readonly file: string;
  /** The ES module namespace (for CommonJS: `default` = module.exports plus lexer-found names). */
  readonly namespace: Readonly<Record<string, unknown>>;
  /** True when Node loaded the file as CommonJS. */
  readonly commonJs: boolean;
}

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

export async function importModule(file: string): Promise<ImportedModule> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw importError(file, err);
  }
  return { file, namespace, commonJs: isCommonJs(file, namespace) };
}

/**
 * Node ≥ 23 marks a CommonJS namespace with a `module.exports` name; Node 20 does not, but its
 * loader puts the module in the CommonJS cache, and the namespace's default is that module's exports.
 */
function isCommonJs(file: string, namespace: Record<string, unknown>): boolean {
  if ('module.exports' in namespace) return true;
  const cached = createRequire(file).cache[file];
  return cached !== undefined && cached.exports === namespace['default'];
}

function importError(file: string, err: unknown): TsgunError {
  const code = (err as { code?: unknown } | null)?.code;
  if (TYPESCRIPT_EXTENSIONS.has(path.extname(file)) && code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return new TsgunError(
      'TSGUN_ERR_APP_LOAD',
      `cannot import TypeScript file ${file}: Node.js ${process.version} does not run TypeScript ` +
        '(type stripping needs Node ≥ 22.6 with --experimental-strip-types, on by default from 22.18 / 23.6). ' +
        'Compile it first (e.g. `tsc`) and give tsgun the emitted .js file, or start Node with a TypeScript loader.',
      { cause: err },
    );
  }
  return new TsgunError('TSGUN_ERR_APP_LOAD', `cannot import ${file}: ${errorMessage(err)}`, { cause: err });
}
