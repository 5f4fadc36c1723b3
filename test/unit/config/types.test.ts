/** Type-level checks (verified by tsc over the tests); the runtime assertions are trivial. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expectTypeOf, it } from 'vitest';
import {
  defineConfig,
  type ConfigFile,
  type Hooks,
  type MasterView,
  type ResolvedConfig,
  type ServeOptions,
  type Settings,
  type WorkerView,
} from '../../../src/config/index.js';

describe('derived types', () => {
  it('Settings is derived from the table with precise value types', () => {
    expectTypeOf<Settings['workers']>().toEqualTypeOf<number>();
    expectTypeOf<Settings['workerClass']>().toEqualTypeOf<'sync' | 'async'>();
    expectTypeOf<Settings['logLevel']>().toEqualTypeOf<'debug' | 'info' | 'warning' | 'error' | 'critical'>();
    expectTypeOf<Settings['bind']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Settings['accessLogfile']>().toEqualTypeOf<string | null>();
    expectTypeOf<Settings['checkConfig']>().toEqualTypeOf<boolean>();
    expectTypeOf<keyof Settings>().not.toEqualTypeOf<keyof Hooks>();
    expectTypeOf<ResolvedConfig['sources']['app']>().toEqualTypeOf<'default' | 'file' | 'env' | 'cli'>();
  });

  it('hooks have gunicorn argument lists', () => {
    expectTypeOf<NonNullable<Hooks['preFork']>>().parameters.toEqualTypeOf<[MasterView, WorkerView]>();
    expectTypeOf<NonNullable<Hooks['postRequest']>>().parameters.toEqualTypeOf<[WorkerView, IncomingMessage, ServerResponse]>();
    expectTypeOf<NonNullable<Hooks['nworkersChanged']>>().parameters.toEqualTypeOf<[MasterView, number, number | undefined]>();
  });

  it('defineConfig types hook arguments and rejects wrong values', () => {
    const config = defineConfig({
      workers: 2,
      bind: ':8000',
      async preFork(master, worker) {
        expectTypeOf(master.workerCount).toEqualTypeOf<number>();
        expectTypeOf(worker.age).toEqualTypeOf<number>();
      },
    });
    expectTypeOf(config).toEqualTypeOf<ConfigFile>();
    // @ts-expect-error worker classes are a closed set
    defineConfig({ workerClass: 'threads' });
    // @ts-expect-error config files cannot name another config file
    defineConfig({ config: 'other.js' });
    const options: ServeOptions = { app: 'app.js', readEnv: true, onExit: () => undefined };
    expectTypeOf(options).toExtend<ServeOptions>();
  });
});
