/** `--check-config`: the settings already validated; also load the app once, as a worker would. */
import type { ResolvedConfig } from '../config/index.js';
import { parseAppSpec, loadApp } from '../app/index.js';
import { TsgunError } from '../errors.js';

export async function checkApp(config: ResolvedConfig): Promise<void> {
  if (!config.app) throw new TsgunError('TSGUN_ERR_NO_APP');
  const app = await loadApp(parseAppSpec(config.app), { cwd: process.cwd() });
  await app.close?.();
}
