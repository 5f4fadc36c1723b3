/**
 * Writes docs/errors.md from the error tables. Run after a build:
 * `node dist/scripts/gen-errors-doc.js [OUTPUT]` (default: docs/errors.md in the cwd);
 * `--check` exits 1 instead of writing when the file is out of date (for CI).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errorsMarkdown } from '../src/errors-markdown.js';

async function main(args: readonly string[]): Promise<number> {
  const check = args.includes('--check');
  const output = resolve(args.find((a) => a !== '--check') ?? 'docs/errors.md');
  const content = errorsMarkdown();
  if (check) {
    const current = await readFile(output, 'utf8').catch(() => '');
    if (current === content) return 0;
    process.stderr.write(`${output} is out of date: run npm run build && npm run docs\n`);
    return 1;
  }
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, content);
  process.stdout.write(`wrote ${output}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
