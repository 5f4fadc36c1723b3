/** What every command of the CLI provides to `runCommand` (args.ts): its parser and how to read the result. */
import type { Argv } from 'yargs';

/** yargs' parsed arguments, as much of them as commands read. */
export type ParsedArguments = Readonly<Record<string, unknown>> & { readonly _: readonly (string | number)[] };

export interface CommandSpec<R> {
  /** The first argument that selects the command; undefined for the default (serve) command. */
  readonly name: string | undefined;
  /** Adds the command's usage and options to a fresh parser. */
  readonly build: (parser: Argv) => Argv;
  /** Option keys the command defines (yargs keys: primary long flag without dashes). */
  readonly optionKeys: readonly string[];
  /** All its flags, for "did you mean" suggestions. */
  readonly flags: readonly string[];
  /** Flags that take a value (not booleans). */
  readonly valueFlags: readonly string[];
  readonly read: (args: ParsedArguments) => R;
}
