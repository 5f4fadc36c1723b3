/** Settings that change the master process itself before anything is forked: --chdir and --env. */
import type { Settings } from './config/index.js';

export function applyProcessSettings(settings: Pick<Settings, 'chdir' | 'rawEnv'>): void {
  if (settings.chdir && settings.chdir !== process.cwd()) process.chdir(settings.chdir);
  for (const pair of settings.rawEnv) {
    const eq = pair.indexOf('=');
    process.env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
}
