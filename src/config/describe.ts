/** How --help, --print-config and docs/settings.md show settings and values. */
import type { AnyValueSetting } from './settings.js';

/** A value as a JS literal (what a config file would say); functions as `[function]`. */
export function formatValue(value: unknown): string {
  if (typeof value === 'function') return '[function]';
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}

/** The default as docs show it: the computed-default note, or the literal. */
export function defaultText(entry: AnyValueSetting): string {
  if (entry.defaultDoc !== undefined) return entry.defaultDoc;
  return formatValue(entry.default);
}

/** Every environment variable feeding a setting, the default-only one last. */
export function envNames(entry: AnyValueSetting): readonly string[] {
  return entry.defaultEnv ? [...entry.env, entry.defaultEnv.name] : entry.env;
}
