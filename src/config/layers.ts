/**
 * One layer per source of settings (command line, TSGUN_CMD_ARGS, environment, config file,
 * platform defaults), each validated as it is read so an error names the source that holds the
 * bad value; then `mergeLayers` takes, per setting, the first layer that sets it.
 */
import { TsgunError } from '../errors.js';
import { hookFunction, type ParseContext } from './codecs.js';
import type { Hooks } from './hooks.js';
import { closest, foldKey } from './names.js';
import { SettingProblem, showValue } from './problem.js';
import {
  HOOK_SETTINGS,
  VALUE_SETTINGS,
  defaultValue,
  settingLabel,
  type AnyHookSetting,
  type AnyValueSetting,
  type SettingName,
  type Settings,
} from './settings.js';
import type { ResolvedConfig, Source } from './types.js';

export interface Layer {
  readonly source: Source;
  readonly values: Partial<Settings>;
  readonly hooks: Hooks;
  readonly app: string | undefined;
}

/** Where raw values come from, for messages: `--workers (from WEB_CONCURRENCY): …`. */
export interface Origin {
  readonly source: Source;
  /** Variable or file name shown as `(from …)`; undefined for the real command line. */
  readonly from: string | undefined;
  /** Name settings by flag (CLI, env, config files) or by key (library options). */
  readonly naming: 'flag' | 'key';
}

function invalid(entry: AnyValueSetting | AnyHookSetting | 'app', origin: Origin, reason: string): TsgunError {
  const name =
    entry === 'app'
      ? origin.naming === 'flag' && origin.from === undefined
        ? 'APP'
        : 'app'
      : origin.naming === 'key'
        ? entry.name
        : settingLabel(entry);
  const from = origin.from === undefined ? '' : ` (from ${origin.from})`;
  return new TsgunError('TSGUN_ERR_INVALID_SETTING', `${name}${from}: ${reason}`);
}

/** Validates one raw value for a setting; a bad value becomes a one-line TsgunError. */
export function parseValue(entry: AnyValueSetting, raw: unknown, origin: Origin, ctx: ParseContext): unknown {
  try {
    return entry.codec.parse(raw, ctx);
  } catch (err) {
    if (err instanceof SettingProblem) throw invalid(entry, origin, err.message);
    throw err;
  }
}

function parseApp(raw: unknown, origin: Origin): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid('app', origin, `${showValue(raw)} is not a module spec`);
  return raw;
}

/** Builds a layer from already-extracted raw values (command line). */
export function layerFromRaw(raw: ReadonlyMap<SettingName, unknown>, app: string | undefined, origin: Origin, ctx: ParseContext): Layer {
  const values: Record<string, unknown> = {};
  for (const entry of VALUE_SETTINGS) {
    if (raw.has(entry.name)) values[entry.name] = parseValue(entry, raw.get(entry.name), origin, ctx);
  }
  // Every value came from its own entry's codec, so the record has the Settings shape.
  return {
    source: origin.source,
    values: values as Partial<Settings>,
    hooks: {},
    app: app === undefined ? undefined : parseApp(app, origin),
  };
}

/** TSGUN_* variables: they override the config file. First non-empty variable wins. */
export function layerFromEnv(env: Readonly<Record<string, string | undefined>>, ctx: ParseContext): Layer {
  const values: Record<string, unknown> = {};
  for (const entry of VALUE_SETTINGS) {
    const name = entry.env.find((n) => (env[n] ?? '') !== '');
    if (name === undefined) continue;
    const origin: Origin = { source: 'env', from: name, naming: 'flag' };
    let raw: unknown;
    try {
      raw = entry.codec.fromEnv(env[name] ?? '');
    } catch (err) {
      if (err instanceof SettingProblem) throw invalid(entry, origin, err.message);
      throw err;
    }
    values[entry.name] = parseValue(entry, raw, origin, ctx);
  }
  return { source: 'env', values: values as Partial<Settings>, hooks: {}, app: undefined };
}

/** PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS: they only replace defaults, as in gunicorn. */
export function layerFromDefaultEnv(env: Readonly<Record<string, string | undefined>>, ctx: ParseContext): Layer {
  const values: Record<string, unknown> = {};
  for (const entry of VALUE_SETTINGS) {
    const spec = entry.defaultEnv;
    const envText = spec === undefined ? '' : (env[spec.name] ?? '');
    if (spec === undefined || envText === '') continue;
    const raw = spec.map ? spec.map(envText) : entry.codec.fromEnv(envText);
    values[entry.name] = parseValue(entry, raw, { source: 'env', from: spec.name, naming: 'flag' }, ctx);
  }
  return { source: 'env', values: values as Partial<Settings>, hooks: {}, app: undefined };
}

type KeyTarget = AnyValueSetting | AnyHookSetting | 'app';

function keyTable(): ReadonlyMap<string, KeyTarget> {
  const table = new Map<string, KeyTarget>([['app', 'app']]);
  for (const entry of [...VALUE_SETTINGS, ...HOOK_SETTINGS]) {
    for (const key of [entry.name, ...entry.fileAliases]) table.set(foldKey(key), entry);
  }
  return table;
}

/** Every key a config file may use, in the spelling suggestions show. */
function knownKeys(): string[] {
  return ['app', ...VALUE_SETTINGS.map((e) => e.name), ...HOOK_SETTINGS.map((e) => e.name)];
}

/**
 * A layer from a plain object: a config file's export or library options. Keys may be camelCase,
 * kebab-case or snake_case; `skip` lists keys that are not settings (e.g. `readEnv`).
 */
export function layerFromObject(
  object: Readonly<Record<string, unknown>>,
  origin: Origin,
  ctx: ParseContext,
  options: { readonly skip?: readonly string[]; readonly allowConfig: boolean },
): Layer {
  const table = keyTable();
  const values: Record<string, unknown> = {};
  const hooks: Record<string, unknown> = {};
  let app: string | undefined;
  for (const [key, raw] of Object.entries(object)) {
    if (options.skip?.includes(key) || raw === undefined) continue;
    const target = table.get(foldKey(key));
    if (target === undefined) {
      const suggestion = closest(key, knownKeys());
      const where = origin.from === undefined ? '' : ` in ${origin.from}`;
      throw new TsgunError(
        'TSGUN_ERR_UNKNOWN_SETTING',
        `${JSON.stringify(key)}${where}${suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''}`,
      );
    }
    if (target === 'app') {
      app = parseApp(raw, origin);
    } else if (target.kind === 'hook') {
      try {
        hooks[target.name] = hookFunction(raw);
      } catch (err) {
        if (err instanceof SettingProblem) throw invalid(target, origin, err.message);
        throw err;
      }
    } else if (target.name === 'config' && !options.allowConfig) {
      throw invalid(target, origin, 'a config file cannot name another config file');
    } else {
      values[target.name] = parseValue(target, raw, origin, ctx);
    }
  }
  // Each value passed its entry's codec and each hook is a function: the shapes hold.
  return { source: origin.source, values: values as Partial<Settings>, hooks: hooks as Hooks, app };
}

/** Per setting, the first layer (highest precedence first) that sets it, else the default. */
export function mergeLayers(layers: readonly Layer[], ctx: ParseContext, configFile: string | undefined): ResolvedConfig {
  const values: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const entry of VALUE_SETTINGS) {
    const layer = layers.find((l) => l.values[entry.name] !== undefined);
    values[entry.name] = layer ? layer.values[entry.name] : defaultValue(entry, ctx);
    sources[entry.name] = layer ? layer.source : 'default';
  }
  // The loaded file is what the settings record, whether named or discovered.
  values['config'] = configFile ?? null;
  const appLayer = layers.find((l) => l.app !== undefined);
  sources['app'] = appLayer ? appLayer.source : 'default';
  const hooks: Record<string, unknown> = {};
  for (const entry of HOOK_SETTINGS) {
    const layer = layers.find((l) => l.hooks[entry.name] !== undefined);
    if (layer) hooks[entry.name] = layer.hooks[entry.name];
  }
  return {
    // Complete: every value setting was assigned above, from a layer or its default.
    settings: values as Settings,
    hooks: hooks as Hooks,
    app: appLayer?.app,
    configFile,
    sources: sources as ResolvedConfig['sources'],
  };
}
