import { describe, expect, it } from 'vitest';
import { defineConfig, resolveOptions, type ServeOptions } from '../../../src/config/index.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();

describe('resolveOptions (library API)', () => {
  it('takes typed options as the highest source', async () => {
    const onStarting = () => {};
    const config = await resolveOptions({ app: 'app.js', workers: 3, bind: ':9000', workerClass: 'async', onStarting }, dir.current.path);
    expect(config.settings.workers).toBe(3);
    expect(config.settings.bind).toEqual(['0.0.0.0:9000']);
    expect(config.sources.workers).toBe('cli');
    expect(config.hooks.onStarting).toBe(onStarting);
    expect(config.app).toBe('app.js');
  });

  it('validates like the command line, naming the option key', async () => {
    await expect(resolveOptions({ workers: 0 }, dir.current.path)).rejects.toMatchObject({
      code: 'TSGUN_ERR_INVALID_SETTING',
      message: 'Invalid setting: workers (from options): 0 is not an integer >= 1',
    });
    await expect(resolveOptions({ workers: 2.5 }, dir.current.path)).rejects.toMatchObject({
      code: 'TSGUN_ERR_INVALID_SETTING',
    });
    await expect(resolveOptions({ bind: ['127.0.0.1:70000'] }, dir.current.path)).rejects.toMatchObject({
      message: expect.stringMatching(/^Invalid setting: bind \(from options\): "127\.0\.0\.1:70000" is not a valid address/),
    });
    await expect(resolveOptions({ workerClass: 'threads' } as unknown as ServeOptions, dir.current.path)).rejects.toMatchObject({
      message: 'Invalid setting: workerClass (from options): "threads" is not one of: sync, async',
    });
    await expect(resolveOptions({ onExit: 'bye' } as unknown as ServeOptions, dir.current.path)).rejects.toMatchObject({
      message: 'Invalid setting: onExit (from options): must be a function, got "bye"',
    });
  });

  it('rejects unknown keys with a suggestion', async () => {
    await expect(resolveOptions({ wrkers: 2 } as unknown as ServeOptions, dir.current.path)).rejects.toMatchObject({
      code: 'TSGUN_ERR_UNKNOWN_SETTING',
      message: 'Unknown setting: "wrkers" in options (did you mean "workers"?)',
    });
  });

  it('does not read the environment unless asked', async () => {
    const saved = process.env['TSGUN_WORKERS'];
    process.env['TSGUN_WORKERS'] = '7';
    try {
      expect((await resolveOptions({}, dir.current.path)).settings.workers).toBe(1);
      expect((await resolveOptions({ readEnv: true }, dir.current.path)).settings.workers).toBe(7);
    } finally {
      if (saved === undefined) delete process.env['TSGUN_WORKERS'];
      else process.env['TSGUN_WORKERS'] = saved;
    }
  });

  it('with readEnv, options > TSGUN_CMD_ARGS > env > file > platform defaults', async () => {
    const file = await dir.current.write('lib.config.mjs', 'export default { workers: 2, backlog: 2, timeout: 2, keepalive: 2 };');
    const env = { TSGUN_CMD_ARGS: '--backlog 4 -t 4', TSGUN_TIMEOUT: '3', TSGUN_KEEPALIVE: '3', WEB_CONCURRENCY: '9', PORT: '5000' };
    const config = await resolveOptions({ config: file, workers: 5, backlog: 5, readEnv: env }, dir.current.path);
    expect(config.settings).toMatchObject({ workers: 5, backlog: 5, timeout: 4, keepalive: 3, bind: ['0.0.0.0:5000'] });
  });

  it('does not discover tsgun.config.js, but loads options.config', async () => {
    await dir.current.write('tsgun.config.js', 'export default { workers: 4 };');
    expect((await resolveOptions({}, dir.current.path)).settings.workers).toBe(1);
    const config = await resolveOptions({ config: 'tsgun.config.js', backlog: 10 }, dir.current.path);
    expect(config.settings.workers).toBe(4);
    expect(config.settings.backlog).toBe(10);
    expect(config.configFile).toBe(`${dir.current.path}/tsgun.config.js`);
  });

  it('options hooks win over config file hooks', async () => {
    const file = await dir.current.write('h.mjs', 'export function onStarting() {}\nexport function onExit() {}');
    const mine = () => {};
    const config = await resolveOptions({ config: file, onStarting: mine }, dir.current.path);
    expect(config.hooks.onStarting).toBe(mine);
    expect(typeof config.hooks.onExit).toBe('function');
    expect(config.hooks.onExit).not.toBe(mine);
  });
});

describe('defineConfig', () => {
  it('returns its argument unchanged', () => {
    const object = { workers: 2 };
    const factory = async () => ({ workers: 3 });
    expect(defineConfig(object)).toBe(object);
    expect(defineConfig(factory)).toBe(factory);
  });
});
