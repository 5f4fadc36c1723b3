/**
 * The scheme, origin and client a request was made from/to, as seen from the worker.
 *
 * This is the one place that decides the scheme: a TLS socket is https; otherwise what a
 * trusted proxy said (secure-scheme headers, `Forwarded: proto=`, read by the engine only from
 * `--forwarded-allow-ips` peers, see src/http/forwarded.ts); otherwise http. The host is the
 * trusted X-Forwarded-Host / `Forwarded: host=` when valid, else Host.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { forwardedFacts } from '../http/forwarded.js';

export type Scheme = 'http' | 'https';

// A Host value safe to paste into a URL: reg-name or IPv4, or a bracketed IPv6, then a port.
const HOST = /^(?:[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\])(?::\d{0,5})?$/;

export function requestScheme(req: IncomingMessage): Scheme {
  if ((req.socket as TLSSocket | null)?.encrypted === true) return 'https';
  return forwardedFacts(req)?.scheme ?? 'http';
}

/**
 * The client's address: what a trusted proxy reported (X-Forwarded-For / `Forwarded: for=`),
 * else the socket's peer (which a PROXY protocol header has already set to the real client).
 */
export function requestClientAddress(req: IncomingMessage): string | undefined {
  return forwardedFacts(req)?.clientAddress ?? (req.socket as IncomingMessage['socket'] | null)?.remoteAddress;
}

/** `scheme://host[:port]` from the Host header, or from the socket's local address without one. */
export function requestOrigin(req: IncomingMessage): string {
  const scheme = requestScheme(req);
  const forwardedHost = forwardedFacts(req)?.host;
  if (forwardedHost != null && HOST.test(forwardedHost)) return `${scheme}://${forwardedHost}`;
  const host = req.headers.host;
  if (host !== undefined && HOST.test(host)) return `${scheme}://${host}`;
  const socket = req.socket as IncomingMessage['socket'] | null;
  const address = socket?.localAddress;
  if (address === undefined) return `${scheme}://localhost`;
  const hostname = address.includes(':') ? `[${address}]` : address;
  const port = socket?.localPort;
  return port === undefined ? `${scheme}://${hostname}` : `${scheme}://${hostname}:${port}`;
}

/** The absolute URL of the request target (origin-form, absolute-form or `*`). */
export function requestUrl(req: IncomingMessage): string {
  const target = req.url ?? '/';
  // Concatenate, never resolve: `new URL('//evil/x', origin)` would change the host.
  if (target.startsWith('/')) return requestOrigin(req) + target;
  if (/^https?:\/\//i.test(target) && URL.canParse(target)) {
    // Absolute-form: its authority replaces Host (RFC 9112 §3.2.2), the scheme stays ours.
    const url = new URL(target);
    return `${requestScheme(req)}://${url.host}${url.pathname}${url.search}`;
  }
  return `${requestOrigin(req)}/`; // `*` (OPTIONS *) and anything else has no path of its own
}
