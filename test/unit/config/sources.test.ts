import { describe, expect, it } from 'vitest';
import { parseCommandLine, type ResolvedConfig } from '../../../src/config/index.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();

async function resolve(argv: readonly string[], env: Record<string, string> = {}): Promise<ResolvedConfig> {
  const outcome = await parseCommandLine(argv, env, dir.current.path, '0.0.0');
  if (!('config' in outcome)) throw new Error(`unexpected ${outcome.kind}`);
  return outcome.config;
}

describe('each source sets a value', () => {
  it('command line', async () => {
    const config = await resolve([
      'app.js',
      '-w',
      '3',
      '-k',
      'async',
      '--worker-connections',
      '50',
      '-t',
      '0',
      '--graceful-timeout',
      '5',
      '--keep-alive',
      '7',
      '--max-requests',
      '100',
      '--max-requests-jitter',
      '10',
      '--backlog',
      '64',
      '--limit-request-line',
      '0',
      '--limit-request-fields',
      '32768',
      '--limit-request-field-size',
      '0',
      '--forwarded-allow-ips',
      '10.0.0.1, 10.1.0.0/16',
      '--access-logfile',
      '-',
      '--access-log-format',
      '%(h)s',
      '--error-logfile',
      'err.log',
      '--log-level',
      'debug',
      '-p',
      'tsgun.pid',
      '--chdir',
      'sub',
      '-e',
      'A=1',
      '--preload',
      '--reload',
    ]);
    expect(config.settings).toMatchObject({
      workers: 3,
      workerClass: 'async',
      workerConnections: 50,
      timeout: 0,
      gracefulTimeout: 5,
      keepalive: 7,
      maxRequests: 100,
      maxRequestsJitter: 10,
      backlog: 64,
      limitRequestLine: 0,
      limitRequestFields: 32768,
      limitRequestFieldSize: 0,
      forwardedAllowIps: ['10.0.0.1', '10.1.0.0/16'],
      accessLogfile: '-',
      accessLogFormat: '%(h)s',
      errorLogfile: 'err.log',
      logLevel: 'debug',
      pidfile: 'tsgun.pid',
      chdir: `${dir.current.path}/sub`,
      rawEnv: ['A=1'],
      preloadApp: true,
      reload: true,
    });
    expect(config.sources.workers).toBe('cli');
    expect(config.sources.timeout).toBe('cli');
    expect(config.sources.bind).toBe('default');
  });

  it('accepts the alternative flags --keepalive and --log-file', async () => {
    const config = await resolve(['app.js', '--keepalive', '9', '--log-file', 'x.log']);
    expect(config.settings.keepalive).toBe(9);
    expect(config.settings.errorLogfile).toBe('x.log');
  });

  it('TSGUN_* environment variables', async () => {
    const config = await resolve(['app.js'], {
      TSGUN_WORKERS: '5',
      TSGUN_WORKER_CLASS: 'ASYNC',
      TSGUN_BIND: '127.0.0.1:1, unix:/tmp/a.sock',
      TSGUN_TIMEOUT: '2.5',
      TSGUN_LOG_LEVEL: 'warn',
      TSGUN_ENV: 'A=1 "B=two words"',
      TSGUN_ACCESS_LOGFILE: 'access.log',
      TSGUN_PRELOAD: 'yes',
    });
    expect(config.settings).toMatchObject({
      workers: 5,
      workerClass: 'async',
      bind: ['127.0.0.1:1', 'unix:/tmp/a.sock'],
      timeout: 2.5,
      logLevel: 'warning',
      rawEnv: ['A=1', 'B=two words'],
      accessLogfile: 'access.log',
      preloadApp: true,
    });
    expect(config.sources.workers).toBe('env');
  });

  it('ignores empty environment variables', async () => {
    const config = await resolve(['app.js'], { TSGUN_WORKERS: '', WEB_CONCURRENCY: '' });
    expect(config.settings.workers).toBe(1);
  });

  it('TSGUN_CMD_ARGS, split like a shell', async () => {
    const config = await resolve([], { TSGUN_CMD_ARGS: `app.js -w 2 --access-log-format '%(h)s "%(r)s"' -e "X=a b"` });
    expect(config.app).toBe('app.js');
    expect(config.settings.workers).toBe(2);
    expect(config.settings.accessLogFormat).toBe('%(h)s "%(r)s"');
    expect(config.settings.rawEnv).toEqual(['X=a b']);
    expect(config.sources.workers).toBe('env');
  });

  it('config file', async () => {
    await dir.current.write('tsgun.config.mjs', 'export default { workers: 6, bind: ":7000" };');
    const config = await resolve(['app.js']);
    expect(config.settings.workers).toBe(6);
    expect(config.settings.bind).toEqual(['0.0.0.0:7000']);
    expect(config.sources.workers).toBe('file');
  });
});

describe('precedence: CLI > TSGUN_CMD_ARGS > env > file > default', () => {
  const file = 'export default { workers: 2, timeout: 2, keepalive: 2, backlog: 2 };';
  const env = { TSGUN_WORKERS: '3', TSGUN_TIMEOUT: '3', TSGUN_KEEPALIVE: '3', TSGUN_CMD_ARGS: '-w 4 -t 4' };

  it('takes each setting from the highest source that sets it', async () => {
    await dir.current.write('tsgun.config.mjs', file);
    const config = await resolve(['app.js', '-w', '5'], env);
    expect(config.settings.workers).toBe(5);
    expect(config.sources.workers).toBe('cli');
    expect(config.settings.timeout).toBe(4); // TSGUN_CMD_ARGS
    expect(config.settings.keepalive).toBe(3); // TSGUN_KEEPALIVE
    expect(config.settings.backlog).toBe(2); // file
    expect(config.sources.backlog).toBe('file');
    expect(config.settings.maxRequests).toBe(0); // default
  });

  it('a repeatable option on the CLI replaces the lower list', async () => {
    await dir.current.write('tsgun.config.mjs', 'export default { bind: ["127.0.0.1:1", "127.0.0.1:2"], rawEnv: ["A=1"] };');
    const config = await resolve(['app.js', '-b', ':3', '--bind', 'unix:/tmp/x.sock', '-e', 'B=2']);
    expect(config.settings.bind).toEqual(['0.0.0.0:3', 'unix:/tmp/x.sock']);
    expect(config.settings.rawEnv).toEqual(['B=2']);
  });

  it('a non-repeatable option given twice keeps the last value', async () => {
    const config = await resolve(['app.js', '-w', '2', '--workers', '3']);
    expect(config.settings.workers).toBe(3);
  });

  it('the positional APP beats TSGUN_CMD_ARGS and the file', async () => {
    await dir.current.write('tsgun.config.mjs', 'export default { app: "file.js" };');
    expect((await resolve([])).app).toBe('file.js');
    expect((await resolve([], { TSGUN_CMD_ARGS: 'env.js' })).app).toBe('env.js');
    expect((await resolve(['cli.js'], { TSGUN_CMD_ARGS: 'env.js' })).app).toBe('cli.js');
  });
});

describe('platform variables replace defaults only (as in gunicorn)', () => {
  it('WEB_CONCURRENCY sets workers', async () => {
    const config = await resolve(['app.js'], { WEB_CONCURRENCY: '4' });
    expect(config.settings.workers).toBe(4);
    expect(config.sources.workers).toBe('env');
  });

  it('TSGUN_WORKERS and the config file win over WEB_CONCURRENCY', async () => {
    expect((await resolve(['app.js'], { WEB_CONCURRENCY: '4', TSGUN_WORKERS: '2' })).settings.workers).toBe(2);
    await dir.current.write('tsgun.config.cjs', 'module.exports = { workers: 3 };');
    expect((await resolve(['app.js'], { WEB_CONCURRENCY: '4' })).settings.workers).toBe(3);
  });

  it('PORT makes the default bind 0.0.0.0:$PORT', async () => {
    expect((await resolve(['app.js'], { PORT: '5000' })).settings.bind).toEqual(['0.0.0.0:5000']);
    expect((await resolve(['app.js', '-b', ':8080'], { PORT: '5000' })).settings.bind).toEqual(['0.0.0.0:8080']);
    expect((await resolve(['app.js'], { PORT: '5000', TSGUN_BIND: 'unix:/tmp/s' })).settings.bind).toEqual(['unix:/tmp/s']);
  });

  it('FORWARDED_ALLOW_IPS sets the trusted proxies', async () => {
    const config = await resolve(['app.js'], { FORWARDED_ALLOW_IPS: '*' });
    expect(config.settings.forwardedAllowIps).toEqual(['*']);
  });
});

describe('config file selection', () => {
  it('-c, TSGUN_CMD_ARGS and TSGUN_CONFIG name the file, in that order', async () => {
    const a = await dir.current.write('a.mjs', 'export default { workers: 11 };');
    await dir.current.write('b.mjs', 'export default { workers: 12 };');
    await dir.current.write('c.mjs', 'export default { workers: 13 };');
    await dir.current.write('tsgun.config.js', 'export default { workers: 14 };');
    const env = { TSGUN_CMD_ARGS: '-c b.mjs', TSGUN_CONFIG: 'c.mjs' };
    const fromCli = await resolve(['app.js', '-c', 'a.mjs'], env);
    expect(fromCli.settings.workers).toBe(11);
    expect(fromCli.configFile).toBe(a);
    expect(fromCli.settings.config).toBe(a);
    expect(fromCli.sources.config).toBe('cli');
    expect((await resolve(['app.js'], env)).settings.workers).toBe(12);
    expect((await resolve(['app.js'], { TSGUN_CONFIG: 'c.mjs' })).settings.workers).toBe(13);
    expect((await resolve(['app.js'])).settings.workers).toBe(14);
  });

  it('discovers tsgun.config.js before .mjs and .cjs', async () => {
    await dir.current.write('tsgun.config.cjs', 'module.exports = { workers: 3 };');
    expect((await resolve(['app.js'])).settings.workers).toBe(3);
    await dir.current.write('tsgun.config.mjs', 'export default { workers: 2 };');
    expect((await resolve(['app.js'])).settings.workers).toBe(2);
    const js = await dir.current.write('tsgun.config.js', 'export default { workers: 1 };');
    const config = await resolve(['app.js']);
    expect(config.settings.workers).toBe(1);
    expect(config.configFile).toBe(js);
    expect(config.sources.config).toBe('default');
  });
});
