/**
 * The command line of the doc generators (gen-settings-doc, gen-errors-doc):
 * `node dist/scripts/gen-X-doc.js [OUTPUT]` writes OUTPUT (default: the doc's path in the cwd);
 * `--check` exits 1 instead of writing when the file is out of date (for CI).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export async function writeGeneratedDoc(args: readonly string[], defaultOutput: string, content: string): Promise<number> {
  const check = args.includes('--check');
  const output = resolve(args.find((a) => a !== '--check') ?? defaultOutput);
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
