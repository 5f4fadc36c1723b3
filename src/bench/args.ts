/**
 * The bench command, `tsgun bench APP [options]`: a short sweep over worker counts and classes
 * against the user's app, then a recommendation. Numbers are read as text and checked here.
 */
import { availableParallelism } from 'node:os';
import type { Argv } from 'yargs';
import { TsgunError } from '../errors.js';
import type { CommandSpec, ParsedArguments } from '../cli/args.js';
import type { WorkerClass } from './theory.js';

export interface BenchArgs {
  readonly app: string;
  readonly route: string;
  readonly workers: readonly number[];
  readonly classes: readonly WorkerClass[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly json: boolean;
}

const OPTIONS = ['route', 'workers', 'class', 'duration', 'connections', 'quick', 'json'] as const;

function build(parser: Argv): Argv {
  return parser
    .usage(
      'Usage: $0 bench APP [options]\n\n' +
        'Measure one request of APP at c=1 (service time t, CPU per request), then run it under tsgun with ' +
        'several worker counts and both classes, measure each with wrk (autocannon without wrk) ' +
        '(in its own process, on 127.0.0.1), attribute each run to its limit (N/t, cores, c/t, the client, ' +
        'the master) and recommend a worker count and class.',
    )
    .option('route', { type: 'string', describe: 'Path (and query) to request [default: /]' })
    .option('workers', { type: 'string', describe: 'Worker counts to try, comma-separated [default: 1,cores,2×cores,4×cores]' })
    .option('class', { type: 'string', describe: 'Worker classes to try [default: sync,async]' })
    .option('duration', { type: 'string', describe: 'Seconds measured per run [default: 3; --quick: 1]' })
    .option('connections', { type: 'string', describe: 'Concurrent connections [default: max(16, 2 × most workers)]' })
    .option('quick', { type: 'boolean', describe: 'Fewer, shorter runs (1, cores, 4×cores workers; 1 s each)' })
    .option('json', { type: 'boolean', describe: 'Print the results and recommendation as JSON' })
    .epilogue(
      'Uses wrk when installed, else autocannon (npm install --save-dev autocannon). ' +
        'Every run is bounded; progress and the time left go to stderr.',
    );
}

function last(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  return v === undefined ? undefined : String(v);
}

function positiveNumber(name: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new TsgunError('TSGUN_ERR_USAGE', `--${name}: ${JSON.stringify(text)} is not a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function defaultWorkerCounts(cores: number, quick: boolean): number[] {
  const counts = quick ? [1, cores, 4 * cores] : [1, cores, 2 * cores, 4 * cores];
  return [...new Set(counts)].sort((a, b) => a - b);
}

function read(args: ParsedArguments): BenchArgs {
  const positionals = args._.map(String);
  if (positionals.length === 0) throw new TsgunError('TSGUN_ERR_NO_APP', 'tsgun bench APP [--route /path]');
  if (positionals.length > 1)
    throw new TsgunError('TSGUN_ERR_USAGE', `unexpected argument ${JSON.stringify(positionals[1])}: give one APP`);
  const quick = args['quick'] === true;
  const cores = availableParallelism();
  const workersText = last(args['workers']);
  const workers = workersText
    ? [...new Set(list(workersText).map((w) => positiveNumber('workers', w, true)))].sort((a, b) => a - b)
    : defaultWorkerCounts(cores, quick);
  const classes = list(last(args['class']) ?? 'sync,async').map((c) => {
    if (c !== 'sync' && c !== 'async') throw new TsgunError('TSGUN_ERR_USAGE', `--class: ${JSON.stringify(c)} is not one of: sync, async`);
    return c;
  });
  const durationText = last(args['duration']);
  const connectionsText = last(args['connections']);
  const route = last(args['route']) ?? '/';
  return {
    app: positionals[0] as string,
    route: route.startsWith('/') ? route : `/${route}`,
    workers,
    classes: [...new Set(classes)],
    durationS: durationText ? positiveNumber('duration', durationText, false) : quick ? 1 : 3,
    warmupS: quick ? 0.3 : 0.5,
    connections: connectionsText ? positiveNumber('connections', connectionsText, true) : Math.max(16, 2 * Math.max(...workers)),
    json: args['json'] === true,
  };
}

export const benchCommand: CommandSpec<BenchArgs> = {
  name: 'bench',
  build,
  optionKeys: [...OPTIONS],
  flags: OPTIONS.map((o) => `--${o}`),
  valueFlags: ['--route', '--workers', '--class', '--duration', '--connections'],
  read,
};
