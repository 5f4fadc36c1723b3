/**
 * The command line: argv → which command, with its raw option values. yargs does the parsing
 * (every setting option is read as text; the settings table validates it) and --help; nothing
 * is printed and the process is never exited here — the caller gets help text or a TsgunError.
 *
 * This file parses the serve command (`tsgun APP [options]`, args-serve.ts). main.ts sends
 * `tsgun bench …` (src/bench/args.ts) and `tsgun ctl …` (args-ctl.ts) to their own specs on the
 * first argument, before any settings are read; both run through `runCommand` here.
 */
import yargs, { type Argv } from 'yargs';
import type { CommandSpec, ParsedArguments } from './command-spec.js';
import { TsgunError } from '../errors.js';
import { closest } from '../config/names.js';
import { serveCommand, type ServeArgs } from './args-serve.js';

// The shapes every command's spec shares live apart, so args-serve.ts need not import this file.
export type { CommandSpec, ParsedArguments } from './command-spec.js';

export type ArgsOutcome =
  | { readonly kind: 'help' | 'version'; readonly output: string }
  | { readonly kind: 'serve'; readonly args: ServeArgs };

// yargs-parser options: no number coercion (validators see the text as typed), no --no-X
// negation or dot-notation objects, and aliases collapsed onto one key per option.
const PARSER_CONFIGURATION = {
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'boolean-negation': false,
  'dot-notation': false,
  'camel-case-expansion': false,
  'strip-aliased': true,
  'duplicate-arguments-array': true,
} as const;

const BUILTIN_KEYS: readonly string[] = ['_', '$0', 'help', 'version'];

function baseParser(version: string): Argv {
  const parser = yargs()
    .scriptName('tsgun')
    .locale('en')
    .parserConfiguration(PARSER_CONFIGURATION)
    .strictOptions()
    .exitProcess(false)
    .help('help')
    .alias('help', 'h')
    .version('version', 'Show the version number and exit', version)
    .alias('version', 'v');
  // terminalWidth() is null when stdout is not a terminal (pipes, tests): use a fixed width.
  const width: number | null = parser.terminalWidth();
  return parser.wrap(Math.min(100, width ?? 100));
}

/** `-x` for one-letter keys, `--xyz` otherwise. */
function asFlag(key: string): string {
  return key.length === 1 ? `-${key}` : `--${key}`;
}

function unknownOptionError(args: ParsedArguments, command: CommandSpec<unknown>): TsgunError | undefined {
  const known = new Set([...BUILTIN_KEYS, ...command.optionKeys]);
  const unknown = Object.keys(args).filter((key) => !known.has(key));
  if (unknown.length === 0) return undefined;
  const described = unknown.map((key) => {
    const suggestion = closest(
      key,
      command.flags.filter((f) => f.startsWith('--')),
    );
    return `${asFlag(key)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
  });
  return new TsgunError('TSGUN_ERR_UNKNOWN_SETTING', described.join(', '));
}

/**
 * yargs never takes a lone `-` as an option's value (it reads it as the stdin positional), but
 * `--access-logfile -` is how gunicorn users say stdout: join such pairs into `--flag=-`.
 */
function joinDashValues(argv: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') return [...out, ...argv.slice(i)];
    if (valueFlags.has(token) && argv[i + 1] === '-') {
      out.push(`${token}=-`);
      i++;
    } else {
      out.push(token);
    }
  }
  return out;
}

type RunResult<R> = { readonly kind: 'help' | 'version'; readonly output: string } | { readonly kind: 'parsed'; readonly value: R };

/** Runs one command's parser over argv, capturing yargs' output and errors. */
export function runCommand<R>(command: CommandSpec<R>, argv: readonly string[], version: string): Promise<RunResult<R>> {
  const parser = command.build(baseParser(version));
  return new Promise((resolvePromise, reject) => {
    try {
      // With a callback yargs neither prints nor exits: output and error come back here.
      void parser.parse(joinDashValues(argv, new Set(command.valueFlags)), {}, (err, rawArgs, output) => {
        const args = rawArgs as ParsedArguments;
        try {
          if (err) {
            throw unknownOptionError(args, command) ?? new TsgunError('TSGUN_ERR_USAGE', err.message.split('\n')[0]);
          }
          if (args['help'] === true) resolvePromise({ kind: 'help', output });
          else if (args['version'] === true) resolvePromise({ kind: 'version', output });
          else resolvePromise({ kind: 'parsed', value: command.read(args) });
        } catch (caught) {
          reject(caught);
        }
      });
    } catch (err) {
      reject(err);
    }
  });
}

/** Parses the command line (without `node` and the script path). */
export async function parseArgs(argv: readonly string[], version: string): Promise<ArgsOutcome> {
  // Only the serve command: main.ts has already sent `bench` and `ctl` to their own parsers.
  const result = await runCommand(serveCommand, argv, version);
  return result.kind === 'parsed' ? { kind: 'serve', args: result.value } : result;
}
