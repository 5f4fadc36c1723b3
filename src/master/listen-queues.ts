/** The kernel accept queue of each of the master's TCP listeners (accept-backlog.ts), for /metrics and `tsgun ctl stats`. */
import { readFileSync } from 'node:fs';
import { queuedOnPort, readListenQueues } from './accept-backlog.js';

export interface ListenerQueue {
  /** The listener's URL, e.g. http://127.0.0.1:8000. */
  readonly listener: string;
  readonly queued: number;
  readonly max: number;
}

/** The kernel's cap on any listen backlog (net.core.somaxconn); undefined where unreadable. */
function somaxconn(): number | undefined {
  try {
    const n = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One read of /proc/net/tcp{,6} for all `binds` (listener URLs); unix and fd listeners are left
 * out. /proc does not show a LISTEN socket's limit, so `max` is `backlog` capped by somaxconn.
 */
export function listenQueues(binds: readonly string[], backlog: number): ListenerQueue[] {
  const tcp = binds.flatMap((listener) => {
    const m = /^https?:\/\/.*:(\d+)$/.exec(listener);
    return m ? [{ listener, port: Number(m[1]) }] : [];
  });
  if (tcp.length === 0) return [];
  const queues = readListenQueues();
  const cap = somaxconn();
  const max = cap === undefined ? backlog : Math.min(backlog, cap);
  return tcp.flatMap(({ listener, port }) => {
    // By port: the address forms differ (::1 vs 0:0:…:1) and two listeners rarely share a port.
    const q = queuedOnPort(queues, port);
    return q ? [{ listener, queued: q.queued, max: max * q.sockets }] : [];
  });
}
