/**
 * `tsgun ctl COMMAND [ARG] [options]`: talk to a running master over its control socket.
 * main.ts dispatches here on the first argument, before any settings are read.
 */
import type { Argv } from 'yargs';
import { TsgunError } from '../errors.js';
import type { CommandSpec, ParsedArguments } from './command-spec.js';
import { CONTROL_COMMANDS } from '../control/protocol.js';

/** Every control-socket command, plus `top` (a client-side loop over `workers`). */
export const CTL_COMMANDS = [...CONTROL_COMMANDS, 'top'] as const;
export type CtlCommandName = (typeof CTL_COMMANDS)[number];

export interface CtlArgs {
  readonly command: CtlCommandName;
  /** N for scale, PID for kill. */
  readonly argument: number | undefined;
  readonly controlSocket: string | undefined;
  readonly pidfile: string | undefined;
  readonly json: boolean;
  readonly graceful: boolean;
  /** ctl top: refreshes before exiting (undefined = until interrupted). */
  readonly iterations: number | undefined;
  readonly intervalMs: number;
}

const OPTIONS = ['control-socket', 'pid', 'json', 'graceful', 'iterations', 'interval'] as const;

function build(parser: Argv): Argv {
  return parser
    .usage(
      'Usage: $0 ctl COMMAND [ARG] [options]\n\n' +
        'Commands:\n' +
        '  status          master pid, uptime, version, binds, worker class\n' +
        '  workers         one row per worker: pid, uptime, requests, in-flight, busy, RSS, heartbeat\n' +
        '  stats           pool totals: requests by status class, rejections, restarts\n' +
        '  config          the effective settings\n' +
        '  scale N         run N workers\n' +
        '  add | remove    one worker more / fewer\n' +
        '  reload          start new workers, then stop the old ones (as SIGHUP)\n' +
        '  reopen-logs     reopen log files (as SIGUSR1)\n' +
        '  shutdown        quick stop (as SIGINT); with --graceful, let requests finish (as SIGTERM)\n' +
        '  kill PID        stop one worker gracefully; the master starts a replacement\n' +
        '  dirty           the dirty pool: arbiter, one row per dirty worker, queue\n' +
        '  dirty-add | dirty-remove   one dirty worker more / fewer\n' +
        '  top             live per-worker view (requests/s, busy, RSS)',
    )
    .option('control-socket', { type: 'string', describe: "The server's control socket [env: TSGUN_CONTROL_SOCKET]" })
    .option('pid', { alias: 'p', type: 'string', describe: "The server's pid file: its socket is beside it (app.pid → app.ctl)" })
    .option('json', { type: 'boolean', describe: 'Print the reply as JSON' })
    .option('graceful', { type: 'boolean', describe: 'shutdown: let in-flight requests finish' })
    .option('iterations', { alias: 'n', type: 'string', describe: 'top: refresh this many times, then exit' })
    .option('interval', { type: 'string', describe: 'top: seconds between refreshes [default: 1]' })
    .epilogue(
      'Without --control-socket or --pid, ctl looks in $XDG_RUNTIME_DIR (else /tmp/tsgun-<uid>) for the socket ' +
        'of a running server and uses it if there is exactly one.',
    );
}

function last(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  return v === undefined ? undefined : String(v);
}

function positiveInt(what: string, text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new TsgunError('TSGUN_ERR_USAGE', `${what}: ${JSON.stringify(text ?? '')} is not a positive integer`);
  }
  return Number(text);
}

function isCtlCommand(word: string): word is CtlCommandName {
  return (CTL_COMMANDS as readonly string[]).includes(word);
}

function read(args: ParsedArguments): CtlArgs {
  const positionals = args._.map(String);
  const word = positionals[0];
  if (word === undefined) throw new TsgunError('TSGUN_ERR_USAGE', `give a command: ${CTL_COMMANDS.join(', ')}`);
  if (!isCtlCommand(word))
    throw new TsgunError('TSGUN_ERR_USAGE', `unknown ctl command ${JSON.stringify(word)}; one of: ${CTL_COMMANDS.join(', ')}`);
  const takesArgument = word === 'scale' || word === 'kill';
  if (positionals.length > (takesArgument ? 2 : 1)) {
    throw new TsgunError('TSGUN_ERR_USAGE', `unexpected argument ${JSON.stringify(positionals[takesArgument ? 2 : 1])}`);
  }
  const argument = takesArgument ? positiveInt(word === 'scale' ? 'scale N' : 'kill PID', positionals[1]) : undefined;
  const iterations = last(args['iterations']);
  const interval = last(args['interval']);
  const intervalS = interval === undefined ? 1 : Number(interval);
  if (!Number.isFinite(intervalS) || intervalS < 0.1)
    throw new TsgunError('TSGUN_ERR_USAGE', `--interval: ${JSON.stringify(interval)} is not a number of seconds >= 0.1`);
  return {
    command: word,
    argument,
    controlSocket: last(args['control-socket']),
    pidfile: last(args['pid']),
    json: args['json'] === true,
    graceful: args['graceful'] === true,
    iterations: iterations === undefined ? undefined : positiveInt('--iterations', iterations),
    intervalMs: Math.round(intervalS * 1000),
  };
}

export const ctlCommand: CommandSpec<CtlArgs> = {
  name: 'ctl',
  build,
  optionKeys: [...OPTIONS],
  flags: [...OPTIONS.map((o) => `--${o}`), '-p', '-n'],
  valueFlags: ['--control-socket', '--pid', '-p', '--iterations', '-n', '--interval'],
  read,
};
