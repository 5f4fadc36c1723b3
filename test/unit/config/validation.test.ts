import { describe, expect, it } from 'vitest';
import { TsgunError } from '../../../src/errors.js';
import { parseBind, parseCommandLine } from '../../../src/config/index.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();

async function cliError(argv: readonly string[], env: Record<string, string> = {}): Promise<TsgunError> {
  try {
    await parseCommandLine(['app.js', ...argv], env, dir.current.path, '0.0.0');
  } catch (err) {
    if (err instanceof TsgunError) return err;
    throw err;
  }
  throw new Error(`expected ${argv.join(' ')} to fail`);
}

describe('bad values give one line naming the setting, the value and what is allowed', () => {
  it.each([
    [['-w', '4x'], '--workers: "4x" is not an integer >= 1'],
    [['-w', '-1'], '--workers: "-1" is not an integer >= 1'],
    [['-w', '1.5'], '--workers: "1.5" is not an integer >= 1'],
    [['-w', '0'], '--workers: "0" is not an integer >= 1'],
    [['-w', ''], '--workers: "" is not an integer >= 1'],
    [['--backlog', '0'], '--backlog: "0" is not an integer >= 1'],
    [['--max-requests', '-1'], '--max-requests: "-1" is not an integer >= 0'],
    [['--limit-request-line', '8191'], '--limit-request-line: "8191" is not an integer from 0 to 8190'],
    [['--limit-request-fields', '32769'], '--limit-request-fields: "32769" is not an integer from 0 to 32768'],
    [['-t', 'soon'], '--timeout: "soon" is not a number of seconds >= 0'],
    [['--keep-alive', '-2'], '--keep-alive: "-2" is not a number of seconds >= 0'],
    [['-k', 'threads'], '--worker-class: "threads" is not one of: sync, async'],
    [['--log-level', 'loud'], '--log-level: "loud" is not one of: debug, info, warning, error, critical'],
    [['-e', 'FOO'], '--env: "FOO" is not KEY=VALUE (KEY: letters, digits, _)'],
    [['-e', '1A=b'], '--env: "1A=b" is not KEY=VALUE (KEY: letters, digits, _)'],
    [['--forwarded-allow-ips', '10.0.0.1,proxy'], '--forwarded-allow-ips: "proxy" is not an IP address, a CIDR network (10.0.0.0/8) or *'],
    [
      ['--forwarded-allow-ips', '10.0.0.0/33'],
      '--forwarded-allow-ips: "10.0.0.0/33" is not an IP address, a CIDR network (10.0.0.0/8) or *',
    ],
    [['--access-log-format', ''], '--access-log-format: "" is not a non-empty string'],
  ])('%j', async (argv, detail) => {
    const err = await cliError(argv);
    expect(err.code).toBe('TSGUN_ERR_INVALID_SETTING');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(`Invalid setting: ${detail}`);
  });

  it('names the environment variable a bad value came from', async () => {
    expect((await cliError([], { WEB_CONCURRENCY: 'lots' })).message).toBe(
      'Invalid setting: --workers (from WEB_CONCURRENCY): "lots" is not an integer >= 1',
    );
    expect((await cliError([], { TSGUN_WORKER_CLASS: 'gevent' })).message).toBe(
      'Invalid setting: --worker-class (from TSGUN_WORKER_CLASS): "gevent" is not one of: sync, async',
    );
    expect((await cliError([], { TSGUN_PRELOAD: 'maybe' })).message).toContain('--preload (from TSGUN_PRELOAD)');
    expect((await cliError([], { TSGUN_CMD_ARGS: '-w x' })).message).toBe(
      'Invalid setting: --workers (from TSGUN_CMD_ARGS): "x" is not an integer >= 1',
    );
    expect((await cliError([], { PORT: 'http' })).message).toMatch(/^Invalid setting: --bind \(from PORT\): /);
  });

  it('rejects a malformed TSGUN_CMD_ARGS / TSGUN_ENV', async () => {
    expect((await cliError([], { TSGUN_CMD_ARGS: '-w "2' })).message).toContain('TSGUN_CMD_ARGS: unterminated " quote');
    expect((await cliError([], { TSGUN_ENV: "A='x" })).message).toContain('--env (from TSGUN_ENV): unterminated');
  });

  it('reports every message on one line', async () => {
    for (const argv of [['-b', 'a b c:1'], ['-w', 'x'], ['--nope']]) {
      expect((await cliError(argv)).message).not.toContain('\n');
    }
  });
});

describe('--bind syntax', () => {
  it.each([
    ['127.0.0.1:8000', '127.0.0.1:8000'],
    ['LOCALHOST:80', 'localhost:80'],
    ['example.com', 'example.com:8000'],
    [':9000', '0.0.0.0:9000'],
    ['9000', '0.0.0.0:9000'],
    ['0', '0.0.0.0:0'],
    ['[::1]:8080', '[::1]:8080'],
    ['[::]', '[::]:8000'],
    ['tcp://10.0.0.1:65535', '10.0.0.1:65535'],
    ['unix:/tmp/tsgun.sock', 'unix:/tmp/tsgun.sock'],
    ['unix:///tmp/tsgun.sock', 'unix:/tmp/tsgun.sock'],
    ['unix:run/tsgun.sock', 'unix:run/tsgun.sock'],
    ['fd://3', 'fd://3'],
  ])('%s → %s', async (input, normalized) => {
    const outcome = await parseCommandLine(['app.js', '-b', input], {}, dir.current.path, '0');
    expect('config' in outcome && outcome.config.settings.bind).toEqual([normalized]);
  });

  it('parses into a structured address for the master', () => {
    expect(parseBind('[::1]:80')).toEqual({ kind: 'tcp', host: '::1', port: 80 });
    expect(parseBind('unix:/s')).toEqual({ kind: 'unix', path: '/s' });
    expect(parseBind('fd://4')).toEqual({ kind: 'fd', fd: 4 });
  });

  it.each([
    ['127.0.0.1:65536', 'port 65536 is out of range 0-65535'],
    ['127.0.0.1:http', 'port "http" is not a number'],
    ['127.0.0.1:-1', 'port "-1" is not a number'],
    ['::1', 'IPv6 addresses need brackets'],
    ['[::1', 'unbalanced brackets'],
    ['[1.2.3.4]:80', '"1.2.3.4" is not an IPv6 address'],
    ['bad host:80', '"bad host" is not a host name or IPv4 address'],
    ['unix:', 'the socket path is empty'],
    ['fd://x', '"x" is not a file descriptor number'],
    ['', 'it is empty'],
  ])('rejects %j', async (input, reason) => {
    const err = await cliError(['-b', input]);
    expect(err.code).toBe('TSGUN_ERR_INVALID_SETTING');
    expect(err.message.startsWith(`Invalid setting: --bind: ${JSON.stringify(input)} is not a valid address: `)).toBe(true);
    expect(err.message).toContain(reason);
  });
});

describe('accepted spellings', () => {
  it.each([
    ['--log-level', 'WARN', 'logLevel', 'warning'],
    ['--log-level', 'Critical', 'logLevel', 'critical'],
    ['-k', 'Async', 'workerClass', 'async'],
    ['-t', '0.5', 'timeout', 0.5],
    ['--graceful-timeout', '0', 'gracefulTimeout', 0],
    ['--forwarded-allow-ips', '*', 'forwardedAllowIps', ['*']],
    ['--forwarded-allow-ips', ' 10.0.0.1 , fd00::/8 ', 'forwardedAllowIps', ['10.0.0.1', 'fd00::/8']],
    ['-e', 'EMPTY=', 'rawEnv', ['EMPTY=']],
    ['-e', 'URL=a=b', 'rawEnv', ['URL=a=b']],
    ['--access-logfile', '-', 'accessLogfile', '-'],
    ['--error-logfile', '-', 'errorLogfile', '-'],
  ])('%s %j', async (flag, value, key, expected) => {
    const outcome = await parseCommandLine(['app.js', flag, value], {}, dir.current.path, '0');
    expect('config' in outcome && (outcome.config.settings as Record<string, unknown>)[key]).toEqual(expected);
  });
});
