/**
 * The serve command, `tsgun APP [options]`: one yargs option per setting in the table that has
 * flags, grouped by section; descriptions, defaults and environment variables come from the table.
 */
import type { Argv, Options } from 'yargs';
import { TsgunError } from '../errors.js';
import { defaultText, envNames } from '../config/describe.js';
import { VALUE_SETTINGS, type AnyValueSetting, type SettingName } from '../config/settings.js';
import type { CommandSpec, ParsedArguments } from './command-spec.js';

/** A setting's raw CLI value: text, repeated text, or a flag. Validation happens later. */
export type CliRaw = string | readonly string[] | boolean;

export interface ServeArgs {
  /** Only the options actually given. */
  readonly options: ReadonlyMap<SettingName, CliRaw>;
  /** The positional APP, if given. */
  readonly app: string | undefined;
}

const CLI_SETTINGS = VALUE_SETTINGS.filter((entry) => entry.flags.length > 0);

/** yargs' key for an option: its first long flag without the dashes. */
function optionKey(entry: AnyValueSetting): string {
  const long = entry.flags.find((f) => f.startsWith('--'));
  if (long === undefined) throw new Error(`setting ${entry.name} has no long flag`);
  return long.slice(2);
}

function plain(markdown: string): string {
  return markdown.replace(/`/g, '');
}

function optionFor(entry: AnyValueSetting): Options {
  const env = envNames(entry);
  const notes = [
    entry.codec.repeatable ? '(repeatable)' : '',
    env.length > 0 ? `[env: ${env.join(', ')}]` : '',
    `[default: ${plain(defaultText(entry))}]`,
  ].filter((n) => n !== '');
  return {
    alias: entry.flags.filter((f) => f !== `--${optionKey(entry)}`).map((f) => f.replace(/^--?/, '')),
    // Text only: yargs must not coerce values; the table's codecs validate them.
    type: entry.codec.cliType,
    // Env and default are part of the text: yargs' own [default: …] goes with its type tags.
    describe: [plain(entry.doc), ...notes].join(' '),
    group: `${entry.section}:`,
  };
}

function build(parser: Argv): Argv {
  let p = parser
    .usage('Usage: $0 APP [options]\n\nRun the HTTP application APP with a master process and workers.')
    .epilogue(
      'APP is a module path with an optional export: app.js, app.mjs:server, dist/app.js:createApp().\n' +
        'Settings apply in this order of precedence: command line, TSGUN_CMD_ARGS, environment ' +
        'variables, config file, defaults. Config files also hold the server hooks (docs/settings.md).',
    );
  for (const entry of CLI_SETTINGS) p = p.option(optionKey(entry), optionFor(entry));
  // Keep --help and --version with the config options rather than in a trailing "Options:" group.
  p = p.group(['help', 'version'], 'Config:');
  // Hide yargs' [string] tags: every value is read as text, whatever its type; the description
  // says what is allowed. @types/yargs 17 lacks usageConfiguration (yargs >= 17.7).
  return (p as Argv & { usageConfiguration(c: { readonly 'hide-types': boolean }): Argv }).usageConfiguration({
    'hide-types': true,
  });
}

function read(args: ParsedArguments): ServeArgs {
  const options = new Map<SettingName, CliRaw>();
  for (const entry of CLI_SETTINGS) {
    const value = args[optionKey(entry)];
    if (value === undefined) continue;
    const values: readonly unknown[] = Array.isArray(value) ? value : [value];
    // Repeatable options collect every value; others take the last, like argparse.
    const raw = entry.codec.repeatable ? values.map(String) : values[values.length - 1];
    options.set(entry.name, raw as CliRaw);
  }
  const positionals = args._.map(String);
  if (positionals.length > 1) {
    throw new TsgunError('TSGUN_ERR_USAGE', `unexpected argument ${JSON.stringify(positionals[1])}: give one APP`);
  }
  return { options, app: positionals[0] };
}

export const serveCommand: CommandSpec<ServeArgs> = {
  name: undefined,
  build,
  optionKeys: CLI_SETTINGS.map(optionKey),
  flags: CLI_SETTINGS.flatMap((entry) => entry.flags),
  valueFlags: CLI_SETTINGS.filter((entry) => entry.codec.cliType === 'string').flatMap((entry) => entry.flags),
  read,
};
