/**
 * The scheme and origin a request was made to, as seen from the worker.
 *
 * This is the one place that decides the scheme: a later trusted-proxy layer (`X-Forwarded-Proto`,
 * `forwarded-allow-ips`) changes `requestScheme` and every consumer follows.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export type Scheme = 'http' | 'https';

// A Host value safe to paste into a URL: reg-name or IPv4, or a bracketed IPv6, then a port.
const HOST = /^(?:[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\])(?::\d{0,5})?$/;

export function requestScheme(req: IncomingMessage): Scheme {
  return (req.socket as TLSSocket | null)?.encrypted === true ? 'https' : 'http';
}

/** `scheme://host[:port]` from the Host header, or from the socket's local address without one. */
export function requestOrigin(req: IncomingMessage): string {
  const scheme = requestScheme(req);
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
