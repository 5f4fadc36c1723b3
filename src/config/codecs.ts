/**
 * Value types of the settings table. A codec turns a raw value — text from the command line or
 * an environment variable, or a JS value from a config file or library options — into the typed
 * value, or throws SettingProblem saying what is allowed. yargs hands us strings only, so these
 * are the one place values are checked.
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { formatBind, parseBind } from './bind.js';
import { SettingProblem, showValue } from './problem.js';
import { splitShellWords } from './shell-words.js';

export interface ParseContext {
  /** Directory relative paths are resolved against (the cwd tsgun was started in). */
  readonly cwd: string;
}

export interface Codec<T> {
  /** Short type name for docs, e.g. `integer >= 1`. */
  readonly typeName: string;
  /** How yargs declares the option: every value arrives as text except flags. */
  readonly cliType: 'string' | 'boolean';
  /** True when the CLI option may be given several times (the values form the list). */
  readonly repeatable: boolean;
  /** Environment variable text → raw value for `parse` (lists split here). */
  readonly fromEnv: (text: string) => unknown;
  readonly parse: (raw: unknown, ctx: ParseContext) => T;
}

function problem(raw: unknown, allowed: string): never {
  throw new SettingProblem(`${showValue(raw)} is not ${allowed}`);
}

const asIs = (text: string): unknown => text;

/** A whole number in [min, max]; accepts numbers and digit strings, nothing looser. */
export function integer(min: number, max?: number): Codec<number> {
  const allowed = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return {
    typeName: max === undefined ? `integer >= ${min}` : `integer ${min}-${max}`,
    cliType: 'string',
    repeatable: false,
    fromEnv: asIs,
    parse(raw) {
      const n = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
        problem(raw, allowed);
      }
      return n;
    },
  };
}

/** A duration in seconds, >= 0; decimals allowed. */
export function seconds(): Codec<number> {
  return {
    typeName: 'seconds >= 0',
    cliType: 'string',
    repeatable: false,
    fromEnv: asIs,
    parse(raw) {
      const n = typeof raw === 'string' && /^\s*(?:\d+\.?\d*|\.\d+)\s*$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) problem(raw, 'a number of seconds >= 0');
      return n;
    },
  };
}

/** One of a fixed set of words, case-insensitive; `aliases` maps accepted spellings to a value. */
export function oneOf<const V extends string>(values: readonly V[], aliases: Readonly<Record<string, V>> = {}): Codec<V> {
  return {
    typeName: values.join(' | '),
    cliType: 'string',
    repeatable: false,
    fromEnv: asIs,
    parse(raw) {
      if (typeof raw === 'string') {
        const word = raw.trim().toLowerCase();
        const found = values.find((v) => v === word) ?? aliases[word];
        if (found !== undefined) return found;
      }
      return problem(raw, `one of: ${values.join(', ')}`);
    },
  };
}

function nonEmptyString(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') problem(raw, 'a non-empty string');
  return raw;
}

/** Any non-empty string. */
export function text(): Codec<string> {
  return { typeName: 'string', cliType: 'string', repeatable: false, fromEnv: asIs, parse: nonEmptyString };
}

/** A non-empty string, or null for "none". */
export function optionalText(): Codec<string | null> {
  return {
    typeName: 'string | null',
    cliType: 'string',
    repeatable: false,
    fromEnv: asIs,
    parse: (raw) => (raw === null ? null : nonEmptyString(raw)),
  };
}

/** A directory path, made absolute against the start directory (existence is checked on use). */
export function directory(): Codec<string> {
  return {
    typeName: 'path',
    cliType: 'string',
    repeatable: false,
    fromEnv: asIs,
    parse: (raw, ctx) => {
      const path = nonEmptyString(raw);
      return isAbsolute(path) ? resolve(path) : resolve(ctx.cwd, path);
    },
  };
}

/** true/false; text sources may say 1/0, yes/no, on/off. */
export function flag(): Codec<boolean> {
  const words: Readonly<Record<string, boolean>> = {
    true: true,
    '1': true,
    yes: true,
    on: true,
    false: false,
    '0': false,
    no: false,
    off: false,
  };
  return {
    typeName: 'boolean',
    cliType: 'boolean',
    repeatable: false,
    fromEnv: asIs,
    parse(raw) {
      if (typeof raw === 'boolean') return raw;
      const value = typeof raw === 'string' ? words[raw.trim().toLowerCase()] : undefined;
      if (value === undefined) problem(raw, 'a boolean (true/false, 1/0, yes/no, on/off)');
      return value;
    },
  };
}

interface ListOptions {
  /** How one environment variable holds several items. */
  readonly envSplit: 'comma' | 'shell';
  /** Split any string value (from every source) on commas, gunicorn's `a,b` list syntax. */
  readonly commaStrings: boolean;
  /** May the CLI option be repeated? */
  readonly repeatable: boolean;
}

const splitComma = (s: string): string[] =>
  s
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** A list of strings, each checked (and possibly normalized) by `item`. */
export function list(typeName: string, item: (text: string) => string, options: ListOptions): Codec<readonly string[]> {
  return {
    typeName,
    cliType: 'string',
    repeatable: options.repeatable,
    fromEnv: (envText) => (options.envSplit === 'comma' ? splitComma(envText) : splitShellWords(envText)),
    parse(raw) {
      const items: readonly unknown[] = Array.isArray(raw) ? raw : [raw];
      const out: string[] = [];
      for (const entry of items) {
        if (typeof entry !== 'string') problem(entry, `a string (${typeName})`);
        for (const piece of options.commaStrings ? splitComma(entry) : [entry]) out.push(item(piece));
      }
      return out;
    },
  };
}

/** Items of `--bind`, normalized to their canonical text. */
export function bindItem(itemText: string): string {
  return formatBind(parseBind(itemText.trim()));
}

/** Items of `--forwarded-allow-ips`: `*`, an IP address, or a CIDR network. */
export function ipOrNetworkItem(itemText: string): string {
  const value = itemText.trim();
  if (value === '*' || isIP(value) !== 0) return value;
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const family = cidr ? isIP(cidr[1] ?? '') : 0;
  if (cidr && family !== 0 && Number(cidr[2]) <= (family === 4 ? 32 : 128)) return value;
  return problem(itemText, 'an IP address, a CIDR network (10.0.0.0/8) or *');
}

/** Items of `--secure-scheme-headers`: `HEADER-NAME=value`, the name a header token. */
export function headerValueItem(itemText: string): string {
  const value = itemText.trim();
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=\S+$/.test(value)) problem(itemText, 'HEADER=VALUE (e.g. X-FORWARDED-PROTO=https)');
  return value;
}

/** Items of `--dirty-app`: `MODULE[:EXPORT]`, the same form as the app spec without `()`. */
export function dirtyAppItem(itemText: string): string {
  const value = itemText.trim();
  if (!/^[^\s:]+(?::[A-Za-z_$][A-Za-z0-9_$]*)?$/.test(value)) problem(itemText, 'MODULE[:EXPORT] (e.g. tasks.js:Thumbnailer)');
  return value;
}

/** Items of `--env`: `KEY=VALUE` with a shell-style variable name. */
export function keyValueItem(itemText: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(itemText)) problem(itemText, 'KEY=VALUE (KEY: letters, digits, _)');
  return itemText;
}

/** A config-file hook: any function. */
export function hookFunction(raw: unknown): (...args: never[]) => unknown {
  if (typeof raw !== 'function') throw new SettingProblem(`must be a function, got ${showValue(raw)}`);
  return raw as (...args: never[]) => unknown;
}
