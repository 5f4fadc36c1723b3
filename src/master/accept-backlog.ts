/**
 * The kernel accept queue of listening TCP sockets, from /proc/net/tcp and /proc/net/tcp6: for
 * a socket in LISTEN state the kernel reports the connections waiting for accept() as
 * `rx_queue` (sk_ack_backlog; the limit is only in sock_diag, which `ss` shows as Send-Q). This is
 * the queue in front of busy sync workers, which no Node server shows (gunicorn 24.1 added a
 * gauge; uWSGI reports `listen_queue`). Unix sockets have no such column in /proc/net/unix
 * (only sock_diag's UNIX_DIAG_RQLEN has it), so they are not covered. The parser is pure.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface ListenQueue {
  /** "127.0.0.1:8000" or "[::1]:8000". */
  readonly address: string;
  readonly port: number;
  /** Connections completed by the kernel and waiting for accept(). */
  readonly queued: number;
}

const LISTEN = '0A';

function ipv4(hex: string): string {
  // One little-endian 32-bit word.
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

function ipv6(hex: string): string {
  // Four little-endian 32-bit words, printed as eight big-endian groups (no zero compression).
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  return `[${groups.join(':')}]`;
}

/** LISTEN sockets of one /proc/net/tcp{,6} text. */
export function parseListenQueues(text: string): ListenQueue[] {
  const out: ListenQueue[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || f[3] !== LISTEN) continue;
    const [addrHex, portHex] = (f[1] as string).split(':') as [string, string | undefined];
    const rxHex = (f[4] as string).split(':')[1];
    if (portHex === undefined || rxHex === undefined) continue;
    const port = Number.parseInt(portHex, 16);
    const ip = addrHex.length === 8 ? ipv4(addrHex) : ipv6(addrHex);
    out.push({ address: `${ip}:${port}`, port, queued: Number.parseInt(rxHex, 16) });
  }
  return out;
}

/**
 * The head of a /proc/net file up to its first non-LISTEN line. The kernel walks the listening
 * hash before the established one, so LISTEN sockets come first; a busy benchmark leaves tens
 * of thousands of TIME_WAIT lines after them that are not worth reading on every sample.
 */
function readListenHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let text = '';
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return text;
      text += chunk.toString('latin1', 0, n);
      const lines = text.split('\n');
      // A complete line after the header whose state is not LISTEN ends the listening part.
      if (lines.slice(1, -1).some((l) => l.trim().split(/\s+/)[3] !== LISTEN)) return text;
    }
  } finally {
    closeSync(fd);
  }
}

/** Every LISTEN socket on this machine (both families); empty where /proc is missing. */
export function readListenQueues(): ListenQueue[] {
  const out: ListenQueue[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      out.push(...parseListenQueues(readListenHead(file)));
    } catch {
      // No such file (not Linux, or no IPv6): nothing to add.
    }
  }
  return out;
}

/**
 * Queued connections on the LISTEN sockets of `port` (summed: with reusePort each worker has
 * its own socket on the same address), or undefined when none is found.
 */
export function queuedOnPort(queues: readonly ListenQueue[], port: number): { queued: number; sockets: number } | undefined {
  const mine = queues.filter((q) => q.port === port);
  if (mine.length === 0) return undefined;
  return { queued: mine.reduce((a, q) => a + q.queued, 0), sockets: mine.length };
}
