/** `tsgun APP [options]`: argv → settings → Master, and the exit code. */
import { parseCommandLine, formatSettings, type ResolvedConfig } from '../config/index.js';
import { TsgunError, EXIT, errorMessage } from '../errors.js';
import { VERSION } from '../version.js';
import { createErrorLog } from '../log/logger.js';
import { Master } from '../master/master.js';
import { applyProcessSettings } from '../process-settings.js';
import { checkApp } from '../app/check-app.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

function fail(io: CliIo, err: unknown): number {
  if (err instanceof TsgunError) {
    io.stderr(`tsgun: error: ${err.message}\n`);
    return err.exitCode;
  }
  io.stderr(`tsgun: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.ERROR;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = defaultIo): Promise<number> {
  try {
    // Subcommands load on demand: a server's master should not carry their code.
    if (argv[0] === 'bench') return await (await import('./bench.js')).runBenchCommand(argv.slice(1), io, VERSION);
    if (argv[0] === 'ctl')
      return await (await import('../ctl/run-ctl.js')).runCtlCommand(
        argv.slice(1),
        env,
        { ...io, isTty: io === defaultIo && process.stdout.isTTY },
        VERSION,
      );
    const outcome = await parseCommandLine(argv, env, process.cwd(), VERSION);
    switch (outcome.kind) {
      case 'help':
      case 'version':
        io.stdout(outcome.output.endsWith('\n') ? outcome.output : `${outcome.output}\n`);
        return EXIT.OK;
      case 'print-config':
        io.stdout(`${formatSettings(outcome.config)}\n`);
        return EXIT.OK;
      case 'check-config':
        applyProcessSettings(outcome.config.settings);
        await checkApp(outcome.config);
        io.stdout('Configuration OK; the app loads.\n');
        return EXIT.OK;
      case 'run':
        return await runMaster(outcome.config, argv, env, io);
    }
    return EXIT.USAGE;
  } catch (err) {
    return fail(io, err);
  }
}

async function runMaster(config: ResolvedConfig, argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  applyProcessSettings(config.settings);
  const { log, files } = createErrorLog({ level: config.settings.logLevel, file: config.settings.errorLogfile });
  const master = new Master({
    config,
    log,
    logFiles: files,
    version: VERSION,
    handleSignals: true,
    reloadConfig: async () => {
      const again = await parseCommandLine(argv, env, process.cwd(), VERSION);
      if (again.kind !== 'run') throw new Error('the command line no longer starts a server');
      return again.config;
    },
  });
  try {
    await master.start();
  } catch (err) {
    if (config.settings.errorLogfile !== '-') log.fatal({ err: errorMessage(err) }, 'Cannot start');
    files.flush();
    return fail(io, err);
  }
  const code = await master.done;
  const halt = master.haltError;
  // The master logged the cause as JSON; repeat it as one plain line for humans and scripts.
  if (halt) io.stderr(`tsgun: error: ${halt.message}\n`);
  return code;
}
