import { utimes } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { TsgunError } from '../../../src/errors.js';
import { loadConfigFile, parseCommandLine } from '../../../src/config/index.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();

async function load(name: string, content: string) {
  const file = await dir.current.write(name, content);
  return loadConfigFile(file, dir.current.path);
}

async function loadError(name: string, content: string): Promise<TsgunError> {
  try {
    await load(name, content);
  } catch (err) {
    if (err instanceof TsgunError) return err;
    throw err;
  }
  throw new Error('expected a TsgunError');
}

describe('config file formats', () => {
  it('.mjs with a default export', async () => {
    const loaded = await load('c.mjs', 'export default { workers: 3, workerClass: "async", app: "server.js" };');
    expect(loaded.values).toEqual({ workers: 3, workerClass: 'async' });
    expect(loaded.app).toBe('server.js');
  });

  it('.cjs with module.exports', async () => {
    const loaded = await load('c.cjs', 'module.exports = { workers: 4, bind: ["[::1]:9000"] };');
    expect(loaded.values).toEqual({ workers: 4, bind: ['[::1]:9000'] });
  });

  it('.mjs with named exports, gunicorn style', async () => {
    const loaded = await load('c.mjs', 'export const workers = 2;\nexport const max_requests = 10;\nexport function on_starting() {}');
    expect(loaded.values).toEqual({ workers: 2, maxRequests: 10 });
    expect(typeof loaded.hooks.onStarting).toBe('function');
  });

  it('a function export, sync or async', async () => {
    expect((await load('sync.mjs', 'export default () => ({ workers: 5 });')).values).toEqual({ workers: 5 });
    expect((await load('async.cjs', 'module.exports = async () => ({ timeout: 9 });')).values).toEqual({ timeout: 9 });
  });

  it('snake_case, kebab-case and gunicorn names', async () => {
    const loaded = await load(
      'c.mjs',
      'export default { worker_class: "async", "max-requests-jitter": 3, loglevel: "WARN", accesslog: "-", errorlog: "e.log", preload_app: true, raw_env: "A=1" };',
    );
    expect(loaded.values).toEqual({
      workerClass: 'async',
      maxRequestsJitter: 3,
      logLevel: 'warning',
      accessLogfile: '-',
      errorLogfile: 'e.log',
      preloadApp: true,
      rawEnv: ['A=1'],
    });
  });

  it('hooks, in any spelling', async () => {
    const loaded = await load('c.mjs', 'export default { onStarting() {}, post_fork: async () => {}, "pre-request": () => {} };');
    expect(Object.keys(loaded.hooks).sort()).toEqual(['onStarting', 'postFork', 'preRequest']);
  });

  it('null clears a nullable setting', async () => {
    expect((await load('c.mjs', 'export default { accessLogfile: null, pidfile: "p.pid" };')).values).toEqual({
      accessLogfile: null,
      pidfile: 'p.pid',
    });
  });

  it('re-imports a changed file (SIGHUP reload)', async () => {
    for (const [name, body] of [
      ['r.mjs', (n: number) => `export default { workers: ${n} };`],
      ['r.cjs', (n: number) => `module.exports = { workers: ${n} };`],
    ] as const) {
      expect((await load(name, body(1))).values.workers).toBe(1);
      const file = await dir.current.write(name, body(2));
      // Make sure the change is visible even on coarse mtime clocks.
      const later = new Date(Date.now() + 5_000);
      await utimes(file, later, later);
      expect((await loadConfigFile(file)).values.workers).toBe(2);
    }
  });
});

describe('config file errors', () => {
  it('an unknown key names the file and suggests the closest setting', async () => {
    const err = await loadError('tsgun.config.mjs', 'export default { wokers: 2 };');
    expect(err.code).toBe('TSGUN_ERR_UNKNOWN_SETTING');
    expect(err.message).toBe('Unknown setting: "wokers" in tsgun.config.mjs (did you mean "workers"?)');
  });

  it('snake_case typos get suggestions too', async () => {
    const err = await loadError('c.mjs', 'export default { max_request: 2 };');
    expect(err.message).toContain('(did you mean "maxRequests"?)');
  });

  it('a bad value names the setting, the file, the value and what is allowed', async () => {
    const err = await loadError('tsgun.config.js', 'export default { worker_class: "threads" };');
    expect(err.code).toBe('TSGUN_ERR_INVALID_SETTING');
    expect(err.message).toBe('Invalid setting: --worker-class (from tsgun.config.js): "threads" is not one of: sync, async');
  });

  it('a hook that is not a function', async () => {
    const err = await loadError('c.mjs', 'export default { onStarting: "yes" };');
    expect(err.message).toBe('Invalid setting: onStarting (from c.mjs): must be a function, got "yes"');
  });

  it('config cannot be set from a config file', async () => {
    const err = await loadError('c.mjs', 'export default { config: "other.js" };');
    expect(err.code).toBe('TSGUN_ERR_INVALID_SETTING');
  });

  it('an export that is not an object', async () => {
    const err = await loadError('c.mjs', 'export default 42;');
    expect(err.code).toBe('TSGUN_ERR_CONFIG_FILE');
    expect(err.message).toContain('must export an object');
  });

  it('a file that does not load', async () => {
    const err = await loadError('c.mjs', 'export default {');
    expect(err.code).toBe('TSGUN_ERR_CONFIG_FILE');
    expect(err.message).toMatch(/^Cannot load config file: c\.mjs: /);
    expect(err.message).not.toContain('\n');
  });

  it('a function export that throws', async () => {
    const err = await loadError('c.mjs', 'export default () => { throw new Error("nope"); };');
    expect(err.message).toContain('nope');
  });

  it('a missing -c file', async () => {
    await expect(parseCommandLine(['app.js', '-c', 'missing.js'], {}, dir.current.path, '0')).rejects.toMatchObject({
      code: 'TSGUN_ERR_CONFIG_FILE',
      message: 'Cannot load config file: missing.js: no such file',
    });
  });

  it.runIf(!(process.features as { typescript?: unknown }).typescript)(
    'a .ts file on a Node that cannot strip types says what to do',
    async () => {
      const err = await loadError('tsgun.config.ts', 'export default { workers: 2 } satisfies object;');
      expect(err.code).toBe('TSGUN_ERR_CONFIG_FILE');
      expect(err.message).toContain('compile it to .js or write it as .mjs');
    },
  );

  it('a discovered .ts file gets the same error instead of being ignored', async () => {
    if ((process.features as { typescript?: unknown }).typescript) return;
    await dir.current.write('tsgun.config.ts', 'export default { workers: 2 };');
    await expect(parseCommandLine(['app.js'], {}, dir.current.path, '0')).rejects.toMatchObject({
      code: 'TSGUN_ERR_CONFIG_FILE',
    });
  });
});
