/** The config subsystem: one settings table → CLI, environment, config file, docs. */
export { parseCommandLine, type CliOutcome } from './command-line.js';
export { resolveOptions } from './resolve-options.js';
export { loadConfigFile, CONFIG_FILE_NAMES } from './config-file.js';
export { formatSettings } from './format-settings.js';
export { settingsMarkdown } from './settings-markdown.js';
export { defineConfig } from './define-config.js';
export { parseBind, formatBind, type BindAddress } from './bind.js';
export {
  SETTINGS,
  SECTIONS,
  LOG_LEVELS,
  WORKER_CLASSES,
  type WorkerClass,
  type Settings,
  type SettingName,
  type SettingsInput,
  type Section,
} from './settings.js';
export type { Hooks, HookName, HookLogger, MasterView, WorkerView } from './hooks.js';
export type { ConfigFile, LoadedConfigFile, ResolvedConfig, ServeOptions, Source } from './types.js';
