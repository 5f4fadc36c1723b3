/**
 * The library API: run a tsgun master inside your own Node process. Workers are forked from
 * it and load the app module after fork, exactly as with the CLI.
 */
import { resolveOptions, type ServeOptions } from './config/index.js';
import { createErrorLog } from './log/logger.js';
import { Master, type MasterEvents } from './master/master.js';
import type { ListenerAddress } from './master/listeners.js';
import { TsgunError } from './errors.js';
import { VERSION } from './version.js';

export interface ServerHandle {
  /** The bound addresses (actual ports when binding port 0). */
  readonly addresses: readonly ListenerAddress[];
  /** Pids of the workers currently serving. */
  workerPids(): number[];
  /** Zero-downtime reload: new workers start, then the old ones stop gracefully. */
  reload(): void;
  /** Set the number of workers. */
  scale(workers: number): void;
  /** Graceful stop; resolves with the master's exit code when every worker has exited. */
  close(): Promise<number>;
  /** Resolves with the exit code when the server stops for any reason. */
  readonly closed: Promise<number>;
  on<K extends keyof MasterEvents>(event: K, listener: (...args: MasterEvents[K]) => void): ServerHandle;
}

export interface EmbedOptions extends ServeOptions {
  /** Install SIGTERM/SIGINT/SIGHUP/… handlers in this process, as the CLI does. Default false. */
  readonly handleSignals?: boolean;
}

/**
 * Start serving `app` (a module path, e.g. './app.js' or 'dist/app.js:createApp()').
 * Resolves once every worker is ready; rejects if the sockets cannot be opened or the app
 * cannot load (after stopping whatever started).
 */
export async function serve(app: string, options: EmbedOptions = {}): Promise<ServerHandle> {
  const { handleSignals = false, ...rest } = options;
  const config = await resolveOptions({ ...rest, app }, process.cwd());
  const { log, files } = createErrorLog({ level: config.settings.logLevel, file: config.settings.errorLogfile });
  const master = new Master({ config, log, logFiles: files, version: VERSION, handleSignals });
  await master.start();
  const closed = master.done;
  const first = await Promise.race([
    master.ready.then(
      () => 'ready' as const,
      () => 'failed' as const,
    ),
    closed.then(() => 'closed' as const),
  ]);
  if (first !== 'ready') {
    const code = await closed;
    throw master.haltError ?? new TsgunError('TSGUN_ERR_ALREADY_CLOSED', `master exited with code ${code} before it was ready`);
  }
  const handle: ServerHandle = {
    addresses: master.addresses,
    workerPids: () => master.workerPids,
    reload: () => master.command('HUP'),
    scale: (n) => master.scale(n),
    close: () => {
      master.command('TERM');
      return closed;
    },
    closed,
    on: (event, listener) => {
      (master.on as (e: string, l: (...args: unknown[]) => void) => Master)(event, listener as (...args: unknown[]) => void);
      return handle;
    },
  };
  return handle;
}
