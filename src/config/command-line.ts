/**
 * The `tsgun` command line → a resolved configuration. Precedence, highest first:
 * command line, TSGUN_CMD_ARGS, TSGUN_* variables, config file, PORT / WEB_CONCURRENCY /
 * FORWARDED_ALLOW_IPS (they replace defaults, as in gunicorn), defaults.
 */
import { resolve } from 'node:path';
import { parseArgs } from '../cli/args.js';
import { TsgunError } from '../errors.js';
import type { ParseContext } from './codecs.js';
import { displayPath, findConfigFile, readConfigFile } from './config-file.js';
import { layerFromDefaultEnv, layerFromEnv, layerFromRaw, mergeLayers, type Layer } from './layers.js';
import { SettingProblem } from './problem.js';
import { splitShellWords } from './shell-words.js';
import type { ResolvedConfig } from './types.js';

type TextOutcome = { readonly kind: 'help' | 'version'; readonly output: string };

export type CliOutcome = TextOutcome | { readonly kind: 'run' | 'check-config' | 'print-config'; readonly config: ResolvedConfig };

type Env = Readonly<Record<string, string | undefined>>;

const CMD_ARGS = 'TSGUN_CMD_ARGS';

/** TSGUN_CMD_ARGS split like a shell would, or an error naming the variable. */
function cmdArgsWords(env: Env): readonly string[] | undefined {
  const text = env[CMD_ARGS] ?? '';
  if (text.trim() === '') return undefined;
  try {
    return splitShellWords(text);
  } catch (err) {
    if (err instanceof SettingProblem) throw new TsgunError('TSGUN_ERR_USAGE', `${CMD_ARGS}: ${err.message}`);
    throw err;
  }
}

/** The TSGUN_CMD_ARGS layer (undefined when unset), or help/version text if it asks for that. */
export async function cmdArgsLayer(env: Env, version: string, ctx: ParseContext): Promise<Layer | TextOutcome | undefined> {
  const words = cmdArgsWords(env);
  if (words === undefined) return undefined;
  let parsed: Awaited<ReturnType<typeof parseArgs>>;
  try {
    parsed = await parseArgs(words, version);
  } catch (err) {
    // Name the variable: the user may not know where an unexpected option comes from.
    if (err instanceof TsgunError && (err.code === 'TSGUN_ERR_UNKNOWN_SETTING' || err.code === 'TSGUN_ERR_USAGE')) {
      const detail = err.message.slice(err.message.indexOf(': ') + 2);
      throw new TsgunError(err.code, `${detail} (from ${CMD_ARGS})`, { cause: err });
    }
    throw err;
  }
  if (parsed.kind !== 'serve') return parsed;
  return layerFromRaw(parsed.args.options, parsed.args.app, { source: 'env', from: CMD_ARGS, naming: 'flag' }, ctx);
}

/**
 * Everything below the command line: TSGUN_* variables, the config file they or `upper` name
 * (or, with `discover`, tsgun.config.* in the start directory), and the platform defaults.
 */
export async function resolveLayers(upper: readonly Layer[], env: Env, ctx: ParseContext, discover: boolean): Promise<ResolvedConfig> {
  const envLayer = layerFromEnv(env, ctx);
  const named = [...upper, envLayer].find((l) => l.values.config !== undefined)?.values.config;
  // `config: null` (library options) means "no file": only an absent value triggers discovery.
  const file = named ? resolve(ctx.cwd, named) : named === undefined && discover ? await findConfigFile(ctx.cwd) : undefined;
  const fileLayer = file === undefined ? [] : [await readConfigFile(file, displayPath(file, ctx.cwd), ctx)];
  return mergeLayers([...upper, envLayer, ...fileLayer, layerFromDefaultEnv(env, ctx)], ctx, file);
}

/**
 * Parses `argv` (without `node` and the script) with `env` and the start directory `cwd`.
 * Help and version come back as text to print; bad input throws a one-line TsgunError.
 */
export async function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string, version: string): Promise<CliOutcome> {
  const ctx: ParseContext = { cwd };
  const parsed = await parseArgs(argv, version);
  if (parsed.kind !== 'serve') return parsed;
  const upper = [layerFromRaw(parsed.args.options, parsed.args.app, { source: 'cli', from: undefined, naming: 'flag' }, ctx)];
  const extra = await cmdArgsLayer(env, version, ctx);
  if (extra !== undefined && 'output' in extra) return extra;
  if (extra !== undefined) upper.push(extra);

  const config = await resolveLayers(upper, env, ctx, true);
  if (config.settings.printConfig) return { kind: 'print-config', config };
  if (config.app === undefined) {
    throw new TsgunError('TSGUN_ERR_NO_APP', 'give it as the first argument (tsgun app.js) or as `app` in the config file');
  }
  return { kind: config.settings.checkConfig ? 'check-config' : 'run', config };
}
