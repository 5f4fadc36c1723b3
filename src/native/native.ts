/**
 * The optional native helper (native/*.c, built by node-gyp at install). Everything it offers has
 * a slower or narrower pure-Node fallback, so a missing or broken build never stops tsgun: callers
 * get `undefined` and `nativeStatus()` says why (the master logs it once at start).
 * `TSGUN_NATIVE=0` turns it off (CI runs the suite both ways).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../errors.js';

export interface NativeHelper {
  /** fcntl(fd, F_DUPFD_CLOEXEC): another descriptor for the same open socket. */
  dupCloexec(fd: number): number;
  /** One datagram to a unix datagram socket (sd_notify); a leading '@' names the abstract namespace. */
  notify(socketPath: string, message: string): void;
  /**
   * Sync accept path (native/accept.c): listen(2) on each fd and, from then on, block in a
   * private epoll (listeners EPOLLEXCLUSIVE + libuv's backend fd) right before each libuv poll,
   * calling `onConnection` with one accepted, non-blocking fd at a time. One per process.
   */
  acceptStart(fds: readonly number[], backlog: number, onConnection: (fd: number, index: number) => void): void;
  /** A busy sync worker does not wait on the listeners (true) or waits again (false). */
  acceptPause(paused: boolean): void;
  /** Stop waiting for good; the caller closes the listening fds. */
  acceptStop(): void;
}

export type NativeStatus = { readonly loaded: true; readonly path: string } | { readonly loaded: false; readonly reason: string };

const ADDON_PATH = fileURLToPath(new URL('../../../build/Release/tsgun_native.node', import.meta.url));

let cached: { helper: NativeHelper | undefined; status: NativeStatus } | undefined;

function isHelper(value: unknown): value is NativeHelper {
  const v = value as Partial<NativeHelper> | null;
  return (
    typeof v?.dupCloexec === 'function' &&
    typeof v.notify === 'function' &&
    typeof v.acceptStart === 'function' &&
    typeof v.acceptPause === 'function' &&
    typeof v.acceptStop === 'function'
  );
}

function load(): { helper: NativeHelper | undefined; status: NativeStatus } {
  if (process.env['TSGUN_NATIVE'] === '0') return { helper: undefined, status: { loaded: false, reason: 'disabled by TSGUN_NATIVE=0' } };
  try {
    const mod: unknown = createRequire(import.meta.url)(ADDON_PATH);
    if (!isHelper(mod)) return { helper: undefined, status: { loaded: false, reason: `${ADDON_PATH} lacks expected functions` } };
    return { helper: mod, status: { loaded: true, path: ADDON_PATH } };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'MODULE_NOT_FOUND' ? 'not built (npm install could not compile native/)' : errorMessage(err);
    return { helper: undefined, status: { loaded: false, reason } };
  }
}

/** The native helper, or undefined when it is not built, fails to load or is disabled. */
export function nativeHelper(): NativeHelper | undefined {
  cached ??= load();
  return cached.helper;
}

export function nativeStatus(): NativeStatus {
  cached ??= load();
  return cached.status;
}
