/** Load the app once in this process, as a worker would: `--check-config` and `--preload`. */
import type { ResolvedConfig } from '../config/index.js';
import { parseAppSpec } from './parse-spec.js';
import { loadApp } from './load.js';
import { resolveModule } from './resolve-module.js';
import { TsgunError } from '../errors.js';

export async function checkApp(config: ResolvedConfig): Promise<void> {
  if (!config.app) throw new TsgunError('TSGUN_ERR_NO_APP');
  const app = await loadApp(parseAppSpec(config.app), { cwd: process.cwd() });
  await app.close?.();
}

/** Without --preload: only that the app's module exists, so a typo fails in the master (exit 3, with the path). */
export function checkAppFile(config: ResolvedConfig): void {
  if (!config.app) throw new TsgunError('TSGUN_ERR_NO_APP');
  resolveModule(parseAppSpec(config.app).module, process.cwd());
}
