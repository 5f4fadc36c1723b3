import type { ConfigFile } from './types.js';

type ConfigFactory = () => ConfigFile | Promise<ConfigFile>;

/**
 * Identity function that types a config file's export, for editor completion:
 * `export default defineConfig({ workers: 4, onStarting(master) { … } })`.
 * A function returning the object (sync or async) is accepted too.
 */
export function defineConfig(config: ConfigFile): ConfigFile;
export function defineConfig(config: ConfigFactory): ConfigFactory;
export function defineConfig(config: ConfigFile | ConfigFactory): ConfigFile | ConfigFactory {
  return config;
}
