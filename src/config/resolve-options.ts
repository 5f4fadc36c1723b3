/** The library API's counterpart of parseCommandLine: `serve(options)` → a resolved configuration. */
import { resolve } from 'node:path';
import type { ParseContext } from './codecs.js';
import { displayPath, readConfigFile } from './config-file.js';
import { TsgunError } from '../errors.js';
import { cmdArgsLayer, resolveLayers } from './command-line.js';
import { layerFromObject, mergeLayers, type Layer } from './layers.js';
import type { ResolvedConfig, ServeOptions } from './types.js';

/**
 * Validates library options like the command line (they rank as `cli`). The environment is read
 * only when `options.readEnv` asks for it; a config file only when `options.config` names one.
 */
export async function resolveOptions(options: ServeOptions, cwd: string): Promise<ResolvedConfig> {
  const ctx: ParseContext = { cwd };
  const optionsLayer: Layer = layerFromObject(
    // ServeOptions is an object type; entries are checked against the table one by one.
    options as Readonly<Record<string, unknown>>,
    { source: 'cli', from: 'options', naming: 'key' },
    ctx,
    { skip: ['readEnv'], allowConfig: true },
  );
  const { readEnv } = options;
  if (readEnv) {
    const env = readEnv === true ? process.env : readEnv;
    const extra = await cmdArgsLayer(env, '', ctx);
    if (extra !== undefined && 'output' in extra) {
      throw new TsgunError('TSGUN_ERR_USAGE', `--${extra.kind} in TSGUN_CMD_ARGS has no meaning for the library API`);
    }
    return resolveLayers(extra === undefined ? [optionsLayer] : [optionsLayer, extra], env, ctx, false);
  }
  const named = optionsLayer.values.config;
  const file = named ? resolve(cwd, named) : undefined;
  const fileLayer = file === undefined ? [] : [await readConfigFile(file, displayPath(file, cwd), ctx)];
  return mergeLayers([optionsLayer, ...fileLayer], ctx, file);
}
