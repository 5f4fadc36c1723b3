/** A throwaway directory per test for config files; removed afterwards. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export interface TempDir {
  readonly path: string;
  /** Writes `name` in the directory and returns its absolute path. */
  write(name: string, content: string): Promise<string>;
}

/** Registers beforeEach/afterEach hooks; read `.current` inside tests. */
export function useTempDir(): { current: TempDir } {
  const holder = { current: undefined as unknown as TempDir };
  beforeEach(async () => {
    const path = await mkdtemp(join(tmpdir(), 'tsgun-config-'));
    holder.current = {
      path,
      async write(name, content) {
        const file = join(path, name);
        await writeFile(file, content);
        return file;
      },
    };
  });
  afterEach(async () => {
    await rm(holder.current.path, { recursive: true, force: true });
  });
  return holder;
}
