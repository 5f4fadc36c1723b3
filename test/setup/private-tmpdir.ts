/**
 * vitest global setup: the whole suite runs with TMPDIR set to a fresh private directory
 * (mode 0711: other users can reach a subdirectory a test shares with them by name, but cannot
 * list or write here), removed at the end, so no test — and no tsgun it starts — ever leaves a
 * file in the machine's shared temporary directory.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-suite-'));
  chmodSync(dir, 0o711);
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
