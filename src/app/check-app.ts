/** Load the app once in this process, as a worker would: `--check-config` and `--preload`. */
import type { ResolvedConfig } from '../config/index.js';
import { parseAppSpec } from './parse-spec.js';
import { loadApp } from './load.js';
import { TsgunError } from '../errors.js';

export async function checkApp(config: ResolvedConfig): Promise<void> {
  if (!config.app) throw new TsgunError('TSGUN_ERR_NO_APP');
  const app = await loadApp(parseAppSpec(config.app), { cwd: process.cwd() });
  await app.close?.();
}
