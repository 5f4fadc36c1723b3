import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { formatSettings, parseCommandLine, settingsMarkdown, SETTINGS } from '../../../src/config/index.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();

describe('--print-config (formatSettings)', () => {
  it('prints aligned name = value lines, values as JS literals', async () => {
    await dir.current.write('tsgun.config.mjs', 'export default { onStarting() {}, accessLogfile: "-" };');
    const outcome = await parseCommandLine(
      ['--print-config', 'app.js', '-w', '3', '-b', ':9000', '--log-level', 'warn'],
      {},
      dir.current.path,
      '0',
    );
    if (!('config' in outcome)) throw new Error(outcome.kind);
    const lines = formatSettings(outcome.config).split('\n');
    const valueColumn = lines[0]?.indexOf(' = ');
    for (const line of lines) expect(line.indexOf(' = '), line).toBe(valueColumn);
    const trimmed = lines.map((l) => l.replace(/ +=/, ' ='));
    expect(trimmed).toContain('app = "app.js"');
    expect(trimmed).toContain('workers = 3');
    expect(trimmed).toContain('bind = ["0.0.0.0:9000"]');
    expect(trimmed).toContain('logLevel = "warning"');
    expect(trimmed).toContain('accessLogfile = "-"');
    expect(trimmed).toContain('pidfile = null');
    expect(trimmed).toContain('printConfig = true');
    expect(trimmed).toContain(`chdir = ${JSON.stringify(dir.current.path)}`);
    expect(trimmed).toContain('onStarting = [function]');
    // Unset hooks are left out; every value setting is present.
    expect(trimmed.some((l) => l.startsWith('onExit'))).toBe(false);
    for (const entry of SETTINGS) {
      if (entry.kind === 'value')
        expect(
          trimmed.some((l) => l.startsWith(`${entry.name} = `)),
          entry.name,
        ).toBe(true);
    }
  });
});

describe('settingsMarkdown', () => {
  const markdown = settingsMarkdown();

  it('documents every setting and hook, with flags, env, default and doc', () => {
    for (const entry of SETTINGS) {
      const start = markdown.indexOf(`### \`${entry.name}\`\n`);
      expect(start, entry.name).toBeGreaterThan(0);
      const section = markdown.slice(start, markdown.indexOf('\n### ', start + 1));
      expect(section, entry.name).toContain(entry.doc);
      if (entry.kind === 'hook') {
        expect(section).toContain(entry.signature);
        continue;
      }
      for (const flag of entry.flags) expect(section, entry.name).toContain(`\`${flag}`);
      for (const env of entry.env) expect(section, entry.name).toContain(`\`${env}\``);
      expect(section, entry.name).toContain('**Default:**');
    }
  });

  it('groups settings by section, in table order', () => {
    const headings = [...markdown.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'Config file',
      'Server socket',
      'Worker processes',
      'Dirty workers',
      'HTTP limits',
      'Logging',
      'Process',
      'Config',
      'Hooks',
    ]);
  });

  it('matches the committed docs/settings.md (regenerate: node dist/scripts/gen-settings-doc.js)', async () => {
    const committed = await readFile(new URL('../../../docs/settings.md', import.meta.url), 'utf8');
    expect(committed).toBe(markdown);
  });
});
