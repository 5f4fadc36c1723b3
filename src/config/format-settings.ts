/** `--print-config`: one aligned `name = value` line per setting, like gunicorn's. */
import { formatValue } from './describe.js';
import { HOOK_SETTINGS, VALUE_SETTINGS } from './settings.js';
import type { ResolvedConfig } from './types.js';

/**
 * Values print as JS literals, so a line can be pasted into a config file. Hooks print only
 * when set (gunicorn shows its default no-op functions; tsgun has none).
 */
export function formatSettings(config: ResolvedConfig): string {
  const settings: Readonly<Record<string, unknown>> = config.settings;
  const rows: [string, string][] = [['app', formatValue(config.app)]];
  for (const entry of VALUE_SETTINGS) rows.push([entry.name, formatValue(settings[entry.name])]);
  for (const entry of HOOK_SETTINGS) {
    if (config.hooks[entry.name] !== undefined) rows.push([entry.name, formatValue(config.hooks[entry.name])]);
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)} = ${value}`).join('\n');
}
