import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src/config/index.js';
import { envNames } from '../../../src/config/describe.js';
import { VALUE_SETTINGS } from '../../../src/config/settings.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();

const parse = (argv: readonly string[], env: Record<string, string> = {}) => parseCommandLine(argv, env, dir.current.path, '1.2.3');

/** The help's options: flags and description (wrapped lines joined), one per option. */
function optionBlocks(help: string): { flags: string[]; text: string }[] {
  const blocks: { flags: string[]; text: string }[] = [];
  for (const line of help.split('\n')) {
    // An option line starts with `  -x, --long` or `      --long`; continuations are indented further.
    const option = /^(?: {2}-\w, | {6})(--[a-z-]+(?:, --[a-z-]+)*)\s+(.*)$/.exec(line);
    const short = /^ {2}(-\w), /.exec(line)?.[1];
    if (option) {
      const longs = (option[1] ?? '').split(', ');
      blocks.push({ flags: short ? [short, ...longs] : longs, text: option[2] ?? '' });
    } else if (/^ {10,}\S/.test(line) && blocks.length > 0) {
      const last = blocks[blocks.length - 1];
      if (last) last.text += ` ${line.trim()}`;
    }
  }
  return blocks;
}

async function helpText(): Promise<string> {
  const outcome = await parse(['--help']);
  if (outcome.kind !== 'help') throw new Error(outcome.kind);
  return outcome.output;
}

describe('--help', () => {
  it('shows the usage line', async () => {
    expect(await helpText()).toMatch(/^Usage: tsgun APP \[options\]/);
  });

  it('lists every flag with its default and environment variables', async () => {
    const blocks = optionBlocks(await helpText());
    // Every CLI setting, plus --help and --version.
    expect(blocks).toHaveLength(VALUE_SETTINGS.filter((e) => e.flags.length > 0).length + 2);
    for (const entry of VALUE_SETTINGS) {
      if (entry.flags.length === 0) continue;
      const block = blocks.find((b) => b.flags.includes(entry.flags[0] ?? '?'));
      expect(block?.flags, entry.name).toEqual(entry.flags);
      expect(block?.text, entry.name).toContain(`[default: `);
      for (const name of envNames(entry)) expect(block?.text, entry.name).toContain(name);
    }
    const workers = blocks.find((b) => b.flags.includes('--workers'));
    expect(workers?.text).toContain('[env: TSGUN_WORKERS, WEB_CONCURRENCY] [default: 1]');
    expect(blocks.find((b) => b.flags.includes('--bind'))?.text).toContain('(repeatable)');
  });

  it('groups options by section and lists --help and --version', async () => {
    const help = await helpText();
    for (const section of ['Server socket:', 'Worker processes:', 'HTTP limits:', 'Logging:', 'Process:', 'Config:']) {
      expect(help).toContain(`\n${section}\n`);
    }
    expect(help).toMatch(/-h, --help/);
    expect(help).toMatch(/-v, --version/);
  });

  it('is help even without APP, and also from -h', async () => {
    expect((await parse(['-h'])).kind).toBe('help');
    expect((await parse(['app.js', '-w', '2', '--help'])).kind).toBe('help');
  });
});

describe('other outcomes', () => {
  it('--version', async () => {
    expect(await parse(['--version'])).toEqual({ kind: 'version', output: '1.2.3' });
    expect(await parse(['-v'])).toEqual({ kind: 'version', output: '1.2.3' });
  });

  it('--check-config', async () => {
    const outcome = await parse(['app.js', '--check-config']);
    expect(outcome.kind).toBe('check-config');
  });

  it('--print-config works without an APP', async () => {
    const outcome = await parse(['--print-config', '-w', '3']);
    expect(outcome.kind).toBe('print-config');
    expect('config' in outcome && outcome.config.settings.workers).toBe(3);
  });

  it('no APP is an error', async () => {
    await expect(parse(['-w', '2'])).rejects.toMatchObject({ code: 'TSGUN_ERR_NO_APP', exitCode: 2 });
    await expect(parse(['--check-config'])).rejects.toMatchObject({ code: 'TSGUN_ERR_NO_APP' });
  });

  it('an APP in the config file is enough', async () => {
    await dir.current.write('tsgun.config.cjs', 'module.exports = { app: "server.js:app" };');
    const outcome = await parse([]);
    expect(outcome.kind).toBe('run');
    expect('config' in outcome && outcome.config.app).toBe('server.js:app');
    expect('config' in outcome && outcome.config.sources.app).toBe('file');
  });
});

describe('command-line errors', () => {
  it('an unknown option suggests the closest flag', async () => {
    await expect(parse(['app.js', '--wokers', '2'])).rejects.toMatchObject({
      code: 'TSGUN_ERR_UNKNOWN_SETTING',
      exitCode: 2,
      message: 'Unknown setting: --wokers (did you mean --workers?)',
    });
    await expect(parse(['app.js', '--worker_class', 'sync'])).rejects.toMatchObject({
      message: 'Unknown setting: --worker_class (did you mean --worker-class?)',
    });
  });

  it('an unknown short option, and one with nothing close', async () => {
    await expect(parse(['app.js', '-x'])).rejects.toMatchObject({ message: 'Unknown setting: -x' });
    await expect(parse(['app.js', '--daemon'])).rejects.toMatchObject({ message: 'Unknown setting: --daemon' });
  });

  it('no --no-X negation: it is unknown', async () => {
    await expect(parse(['app.js', '--no-preload'])).rejects.toMatchObject({ code: 'TSGUN_ERR_UNKNOWN_SETTING' });
  });

  it('an unknown option in TSGUN_CMD_ARGS names the variable', async () => {
    await expect(parse(['app.js'], { TSGUN_CMD_ARGS: '--wrkers 2' })).rejects.toMatchObject({
      message: 'Unknown setting: --wrkers (did you mean --workers?) (from TSGUN_CMD_ARGS)',
    });
  });

  it('a second positional argument', async () => {
    await expect(parse(['app.js', 'other.js'])).rejects.toMatchObject({
      code: 'TSGUN_ERR_USAGE',
      message: 'Invalid command line: unexpected argument "other.js": give one APP',
    });
  });

  it('options after -- are not parsed', async () => {
    await expect(parse(['--', '--weird-app-name.js'])).resolves.toMatchObject({
      kind: 'run',
      config: { app: '--weird-app-name.js' },
    });
  });
});
