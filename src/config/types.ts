/** The shapes the config subsystem hands to the rest of tsgun. */
import type { Hooks } from './hooks.js';
import type { Settings, SettingsInput } from './settings.js';

/** Where a value came from; `env` includes TSGUN_CMD_ARGS. Library options count as `cli`. */
export type Source = 'default' | 'file' | 'env' | 'cli';

export interface ResolvedConfig {
  readonly settings: Settings;
  readonly hooks: Hooks;
  /** The APP module spec, unparsed (src/app parses it). */
  readonly app: string | undefined;
  /** Absolute path of the config file that was loaded, if any (also `settings.config`). */
  readonly configFile: string | undefined;
  readonly sources: Readonly<Record<keyof Settings | 'app', Source>>;
}

/** What a config file exports. `config` itself cannot be set from a config file. */
export type ConfigFile = Omit<SettingsInput, 'config'> & Hooks & { readonly app?: string };

/** Options of the library API (`serve(options)`); validated like the command line. */
export type ServeOptions = SettingsInput &
  Hooks & {
    readonly app?: string;
    /**
     * Also read TSGUN_* variables, TSGUN_CMD_ARGS, PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS,
     * from `process.env` (true) or from the given object. Off by default: a library call
     * should not change behaviour with its environment unless asked to.
     */
    readonly readEnv?: boolean | Readonly<Record<string, string | undefined>>;
  };

/** What `loadConfigFile` returns: validated values, hooks, and the app if the file names one. */
export interface LoadedConfigFile {
  readonly values: Partial<Settings>;
  readonly hooks: Hooks;
  readonly app?: string;
}
