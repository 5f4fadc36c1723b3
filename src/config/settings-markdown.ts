/** docs/settings.md, generated from the settings table (scripts/gen-settings-doc.ts writes it). */
import { CONFIG_FILE_NAMES } from './config-file.js';
import { defaultText } from './describe.js';
import { SECTIONS, SETTINGS, type AnyHookSetting, type AnyValueSetting } from './settings.js';

function flagsText(entry: AnyValueSetting): string {
  if (entry.flags.length === 0) return 'config file only';
  const suffix = entry.metavar === '' ? '' : ` ${entry.metavar}`;
  const flags = entry.flags.map((f) => `\`${f}${suffix}\``).join(', ');
  return entry.codec.repeatable ? `${flags} (repeatable)` : flags;
}

function envText(entry: AnyValueSetting): string {
  const names = entry.env.map((n) => `\`${n}\``);
  if (entry.defaultEnv) names.push(`\`${entry.defaultEnv.name}\` (replaces the default; the config file wins)`);
  return names.length > 0 ? names.join(', ') : '—';
}

function valueSection(entry: AnyValueSetting): string[] {
  const lines = [
    `### \`${entry.name}\``,
    '',
    `- **Command line:** ${flagsText(entry)}`,
    `- **Environment:** ${envText(entry)}`,
    `- **Type:** ${entry.codec.typeName}`,
    `- **Default:** ${entry.defaultDoc ?? `\`${defaultText(entry)}\``}`,
    '',
    entry.doc,
  ];
  if (entry.longDoc !== undefined) lines.push('', entry.longDoc);
  if (entry.fileAliases.length > 0) {
    lines.push('', `Config files may also call it ${entry.fileAliases.map((a) => `\`${a}\``).join(', ')}.`);
  }
  return [...lines, ''];
}

function hookSection(entry: AnyHookSetting): string[] {
  const lines = [`### \`${entry.name}\``, '', `\`${entry.signature}\` — config file only.`, '', entry.doc];
  if (entry.longDoc !== undefined) lines.push('', entry.longDoc);
  return [...lines, ''];
}

export function settingsMarkdown(): string {
  const out = [
    '# Settings',
    '',
    '<!-- Generated from src/config/settings.ts by scripts/gen-settings-doc.ts: do not edit. -->',
    '',
    'Every setting can be given, from highest to lowest precedence:',
    '',
    '1. on the command line (`tsgun APP [options]`);',
    '2. in `TSGUN_CMD_ARGS`, extra command-line arguments split like a shell would (`TSGUN_CMD_ARGS="-w 4 --bind :9000"`);',
    '3. in its `TSGUN_*` environment variable;',
    `4. in the config file: \`-c FILE\`, \`TSGUN_CONFIG\`, or the first of ${CONFIG_FILE_NAMES.map((n) => `\`${n}\``).join(', ')} ` +
      'in the current directory;',
    '5. by `PORT`, `WEB_CONCURRENCY` or `FORWARDED_ALLOW_IPS`, which replace the defaults of `bind`, `workers` ' +
      'and `forwardedAllowIps` (as in gunicorn);',
    '6. by its default.',
    '',
    'A repeatable option given at a higher level replaces the list from a lower one; it is not appended to.',
    '',
    '## Config file',
    '',
    'A JS module (`.js`, `.mjs`, `.cjs`; `.ts` on a Node version that strips types) exporting an object,',
    'or a function (sync or async) returning one. Keys are the setting names below; kebab-case and',
    'snake_case (`worker_class`) are accepted too. It may also set `app` and define the hooks.',
    '',
    '```js',
    "import { defineConfig } from 'tsgun';",
    '',
    'export default defineConfig({',
    "  app: 'dist/app.js',",
    "  bind: ['0.0.0.0:8000'],",
    '  workers: 4,',
    '  onStarting(master) {',
    "    master.log.info({ workers: master.workerCount }, 'starting');",
    '  },',
    '});',
    '```',
    '',
  ];
  for (const section of SECTIONS) {
    out.push(`## ${section}`, '');
    for (const entry of SETTINGS) {
      if (entry.section !== section) continue;
      out.push(...(entry.kind === 'hook' ? hookSection(entry) : valueSection(entry)));
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
