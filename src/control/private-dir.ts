/**
 * The private runtime directory: `$XDG_RUNTIME_DIR`, or `<tmpdir>/tsgun-<uid>` created 0700.
 * The control socket and the balance board live there, under names derived from the master's
 * pid: predictable names are safe only in a directory nobody else can write to, so it is
 * verified (a real directory, not a link, owned by us, no access for others) before use, by
 * the master and by `tsgun ctl` alike.
 */
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TsgunError, type ErrorCode } from '../errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export function currentUid(): number {
  return process.getuid?.() ?? 0;
}

/** `<tmpdir>/tsgun-<uid>`: the fallback when there is no XDG_RUNTIME_DIR. */
export function fallbackRuntimeDir(): string {
  return join(tmpdir(), `tsgun-${currentUid()}`);
}

/** The directory of default sockets and boards: $XDG_RUNTIME_DIR, else the fallback. */
export function runtimeDir(env: Env): string {
  const xdg = env['XDG_RUNTIME_DIR'];
  return xdg !== undefined && xdg !== '' ? xdg : fallbackRuntimeDir();
}

function describeDir(st: Stats): string {
  const kind = st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'not a directory';
  return `${kind} owned by uid ${st.uid} with mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/**
 * Throws unless `dir` is a directory (not a link) owned by this user that no other user can
 * write to. `strict` (the fallback we create ourselves) also refuses any group/other access.
 */
export function verifyPrivateDir(
  dir: string,
  options: { readonly strict: boolean; readonly code: ErrorCode; readonly hint: string },
): void {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (err) {
    throw new TsgunError(options.code, `${dir}: ${(err as Error).message}`, { cause: err });
  }
  const uid = currentUid();
  const badMode = options.strict ? (st.mode & 0o077) !== 0 : (st.mode & 0o022) !== 0;
  if (!st.isDirectory() || st.uid !== uid || badMode) {
    const wanted = options.strict ? 'mode 0700' : 'no write access for group or others';
    throw new TsgunError(
      options.code,
      `${dir} must be a directory owned by uid ${uid} with ${wanted}, but it is ${describeDir(st)} ` +
        `(another user may have created it to intercept tsgun): ${options.hint}`,
    );
  }
}

/** Create the fallback directory 0700 if needed; verify whichever directory is in use. */
export function ensureRuntimeDir(env: Env, code: ErrorCode, hint: string): string {
  const dir = runtimeDir(env);
  const fallback = dir === fallbackRuntimeDir();
  if (fallback) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TsgunError(code, `${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  verifyPrivateDir(dir, { strict: fallback, code, hint });
  return dir;
}
