/**
 * --reuse-port in the master: refuse it where it cannot work, and tell workers where to bind.
 * The master still binds each TCP address first (fail fast on a taken port, a real port for
 * `:0`) but never listens on it; a bound, non-listening SO_REUSEADDR socket does not stop the
 * workers' SO_REUSEPORT sockets from listening on the same address, and receives nothing.
 */
import { parseBind } from '../config/bind.js';
import { TsgunError } from '../errors.js';
import type { ReusePortBind } from '../ipc/messages.js';
import type { Listener } from './listeners.js';

/** `reusePort` in net.Server#listen: Node 22.12 and 23.1 onwards. */
export function nodeHasReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

export function checkReusePort(binds: readonly string[]): void {
  if (!nodeHasReusePort()) {
    throw new TsgunError('TSGUN_ERR_REUSE_PORT', `needs Node >= 22.12 (net.Server reusePort); this is Node ${process.version}`);
  }
  const other = binds.find((b) => {
    try {
      return parseBind(b).kind !== 'tcp';
    } catch {
      return true;
    }
  });
  if (other !== undefined) {
    const why = `only TCP binds can be shared with SO_REUSEPORT, not ${other} (socket activation included)`;
    throw new TsgunError('TSGUN_ERR_REUSE_PORT', why);
  }
}

/** What each worker binds: the address and actual port of every listener. */
export function reusePortBinds(listeners: readonly Listener[]): ReusePortBind[] {
  return listeners.map((l) => ({ host: l.info.address, port: l.info.port ?? 0 }));
}
