/**
 * Writes docs/settings.md from the settings table. Run after a build:
 * `node dist/scripts/gen-settings-doc.js [OUTPUT]` (default: docs/settings.md in the cwd);
 * `--check` exits 1 instead of writing when the file is out of date (for CI).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { settingsMarkdown } from '../src/config/index.js';

async function main(args: readonly string[]): Promise<number> {
  const check = args.includes('--check');
  const output = resolve(args.find((a) => a !== '--check') ?? 'docs/settings.md');
  const content = settingsMarkdown();
  if (check) {
    const current = await readFile(output, 'utf8').catch(() => '');
    if (current === content) return 0;
    process.stderr.write(`${output} is out of date: run npm run docs\n`);
    return 1;
  }
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, content);
  process.stdout.write(`wrote ${output}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
