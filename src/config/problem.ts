/**
 * What a validator throws: the reason a value is bad, without the setting's name or source.
 * The resolver catches it and adds both, so every message has the same shape:
 * `--workers (from WEB_CONCURRENCY): "4x" is not an integer >= 1`.
 */
export class SettingProblem extends Error {
  override readonly name = 'SettingProblem';
}

/** A raw value as the user wrote it: strings quoted, other values as JS literals. */
export function showValue(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw);
  if (typeof raw === 'function') return 'a function';
  if (raw === undefined) return 'undefined';
  if (typeof raw === 'bigint') return `${raw}n`;
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    // Circular objects and the like: the type is all the user needs to see.
    return Object.prototype.toString.call(raw);
  }
}
