/**
 * The master opens every listening socket before forking. It *binds* them but never polls
 * them: each worker receives the handle over IPC and calls listen(2)/accept(2) itself, like
 * node:cluster's SCHED_NONE shared handles. A master that polled a listening socket would
 * steal connections (libuv accepts whenever its loop wakes), and round-robin handle passing
 * is 2.2× slower for connection-per-request traffic (see docs/architecture.md).
 */
import net from 'node:net';
import dns from 'node:dns/promises';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { TsgunError, errorMessage } from '../errors.js';
import { formatBind, parseBind, type BindAddress } from '../config/bind.js';

/** The libuv TCP/Pipe wrap that `net` builds servers on (not public API; node:cluster uses the same). */
export interface NativeServerHandle {
  readonly fd: number;
  getsockname?(out: Record<string, unknown>): number;
  listen(backlog: number): number;
  close(callback?: () => void): void;
}

type CreateServerHandle = (
  address: string | null,
  port: number | null,
  addressType: number | null,
  fd?: number,
  flags?: number,
) => NativeServerHandle | number;

// node:cluster's SharedHandle creates handles with this same function; it binds without listening.
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

/** libuv's UV_TCP_IPV6ONLY: an [::] bind should not also take IPv4 (gunicorn behaves the same). */
const TCP_IPV6ONLY = 1;

export interface ListenerAddress {
  /** The bind as configured. */
  readonly bind: string;
  readonly kind: BindAddress['kind'];
  /** IP address for TCP; socket path for unix sockets. */
  readonly address: string;
  /** Actual port (useful when binding port 0); undefined for unix sockets. */
  readonly port: number | undefined;
  readonly family: 'IPv4' | 'IPv6' | 'unix' | undefined;
  /** e.g. `http://127.0.0.1:8000` or `unix:/run/app.sock`. */
  readonly url: string;
}

export interface Listener {
  readonly handle: NativeServerHandle;
  readonly info: ListenerAddress;
  /** Socket file this master created and must remove at exit. */
  readonly ownedPath: string | undefined;
}

function bindError(bind: string, err: number | string): TsgunError {
  const name = typeof err === 'number' ? getSystemErrorName(err) : err;
  const why = name === 'EADDRINUSE' ? 'address already in use' : name === 'EACCES' ? 'permission denied' : name;
  return new TsgunError('TSGUN_ERR_BIND', `${bind}: ${why}`);
}

function tcpInfo(bind: string, handle: NativeServerHandle): ListenerAddress {
  const out: Record<string, unknown> = {};
  handle.getsockname?.(out);
  const address = String(out['address'] ?? '');
  const family = out['family'] === 'IPv6' ? 'IPv6' : 'IPv4';
  const port = Number(out['port']);
  const host = family === 'IPv6' ? `[${address}]` : address;
  return { bind, kind: 'tcp', address, port, family, url: `http://${host}:${port}` };
}

async function openTcp(bind: string, host: string, port: number): Promise<Listener> {
  let ip = host;
  if (net.isIP(host) === 0) {
    try {
      ip = (await dns.lookup(host)).address;
    } catch (err) {
      throw bindError(bind, `cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const v6 = net.isIP(ip) === 6;
  const flags = v6 ? TCP_IPV6ONLY : 0;
  const handle = createServerHandle(ip, port, v6 ? 6 : 4, undefined, flags);
  if (typeof handle === 'number') throw bindError(bind, handle);
  // libuv defers EADDRINUSE from bind() to the next listen/getsockname ("delayed_error"), and
  // with SO_REUSEADDR Linux reports it only when another socket is *listening* there: ask now,
  // so "port in use" fails here, before anything is forked.
  const out: Record<string, unknown> = {};
  const err = handle.getsockname?.(out) ?? 0;
  if (err !== 0) {
    handle.close();
    throw bindError(bind, err);
  }
  const info = tcpInfo(bind, handle);
  return { handle, info, ownedPath: undefined };
}

/** Refuse to replace a live socket; remove a stale one left by a crashed server. */
async function clearStaleSocket(bind: string, path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw bindError(bind, 'path exists and is not a socket');
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw bindError(bind, 'EADDRINUSE');
  unlinkSync(path);
}

async function openUnix(bind: string, path: string, umask: number | undefined): Promise<Listener> {
  await clearStaleSocket(bind, path);
  // bind(2) creates the socket file with 0777 & ~umask; connect(2) needs write permission on it.
  const previous = umask === undefined ? undefined : process.umask(umask);
  const handle = createServerHandle(path, -1, -1);
  if (previous !== undefined) process.umask(previous);
  if (typeof handle === 'number') throw bindError(bind, handle);
  return { handle, info: { bind, kind: 'unix', address: path, port: undefined, family: 'unix', url: `unix:${path}` }, ownedPath: path };
}

function openFd(bind: string, fd: number): Listener {
  const handle = createServerHandle(null, null, null, fd);
  if (typeof handle === 'number') throw bindError(bind, handle);
  if (handle.getsockname && handle.getsockname({}) === 0)
    return { handle, info: { ...tcpInfo(bind, handle), kind: 'fd' }, ownedPath: undefined };
  return { handle, info: { bind, kind: 'fd', address: bind, port: undefined, family: 'unix', url: bind }, ownedPath: undefined };
}

export interface OpenOptions {
  /** --umask for unix socket files; undefined keeps the process umask. */
  readonly umask?: number | undefined;
}

async function openOne(bind: string, options: OpenOptions): Promise<Listener> {
  // Settings are validated already; a parse error here names the bind again for safety.
  let parsed: BindAddress;
  try {
    parsed = parseBind(bind);
  } catch (err) {
    throw new TsgunError('TSGUN_ERR_INVALID_SETTING', `--bind: ${errorMessage(err)}`);
  }
  switch (parsed.kind) {
    case 'tcp':
      return openTcp(bind, parsed.host, parsed.port);
    case 'unix':
      return openUnix(bind, parsed.path, options.umask);
    case 'fd':
      return openFd(bind, parsed.fd);
  }
}

/**
 * systemd socket activation: `LISTEN_FDS=n` with `LISTEN_PID` equal to our pid hands us fds
 * 3..3+n-1, which replace the configured binds. As in gunicorn's `systemd.listen_fds` (and
 * sd_listen_fds(3)), a missing or different `LISTEN_PID` means the variables were meant for
 * another process (e.g. a wrapper that spawned us instead of exec'ing us): ignore them.
 */
export function inheritedBinds(env: NodeJS.ProcessEnv, pid: number): string[] | undefined {
  const count = Number(env['LISTEN_FDS'] ?? '');
  if (!Number.isInteger(count) || count <= 0) return undefined;
  if (Number(env['LISTEN_PID']) !== pid) return undefined;
  return Array.from({ length: count }, (_, i) => formatBind({ kind: 'fd', fd: 3 + i }));
}

/**
 * A master started by USR2 gets its sockets as fds: give them back the names they were bound
 * with, and the ownership of unix socket files (the old master leaves them in place).
 */
export function renameInherited(listeners: readonly Listener[], binds: readonly string[]): Listener[] {
  return listeners.map((l, i) => {
    const bind = binds[i];
    if (bind === undefined) return l;
    let parsed: BindAddress;
    try {
      parsed = parseBind(bind);
    } catch {
      return l;
    }
    if (parsed.kind === 'unix') {
      return { ...l, info: { ...l.info, bind, kind: 'unix', address: parsed.path, url: `unix:${parsed.path}` }, ownedPath: parsed.path };
    }
    return { ...l, info: { ...l.info, bind } };
  });
}

export async function openListeners(binds: readonly string[], options: OpenOptions = {}): Promise<Listener[]> {
  const opened: Listener[] = [];
  try {
    for (const bind of binds) opened.push(await openOne(bind, options));
    return opened;
  } catch (err) {
    closeListeners(opened);
    throw err;
  }
}

export function closeListeners(listeners: readonly Listener[], options: { keepPaths?: boolean } = {}): void {
  for (const listener of listeners) {
    listener.handle.close();
    if (listener.ownedPath && !options.keepPaths) {
      try {
        unlinkSync(listener.ownedPath);
      } catch {
        // Already gone: nothing to clean.
      }
    }
  }
}
