import type { ConfigFile } from './types.js';

/**
 * Identity function that types a config file's export, for editor completion:
 * `export default defineConfig({ workers: 4, onStarting(master) { … } })`.
 */
export function defineConfig<const C extends ConfigFile>(config: C): C;
export function defineConfig(config: () => ConfigFile | Promise<ConfigFile>): () => ConfigFile | Promise<ConfigFile>;
export function defineConfig(config: ConfigFile | (() => ConfigFile | Promise<ConfigFile>)): unknown {
  return config;
}
