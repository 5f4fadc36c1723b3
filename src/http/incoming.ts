/**
 * Building the genuine `http.IncomingMessage` for a parsed request head and finishing it,
 * the way node:http's parserOnHeadersComplete / parserOnMessageComplete do.
 */
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { incomingInternals } from './node-internals.js';

export function createIncoming(socket: Socket, method: string, url: string, versionMinor: number, rawHeaders: string[]): IncomingMessage {
  const req = new IncomingMessage(socket);
  req.httpVersionMajor = 1;
  req.httpVersionMinor = versionMinor;
  req.httpVersion = versionMinor === 1 ? '1.1' : '1.0';
  req.method = method;
  req.url = url;
  const internals = incomingInternals(req);
  // Upgrade (WebSocket, h2c) is not supported yet: such requests are served as ordinary
  // requests, so the app never sees `upgrade === true` nor gets the raw socket.
  internals.upgrade = false;
  // Sets rawHeaders and the count behind the lazy `req.headers` getter.
  internals._addHeaderLines(rawHeaders, rawHeaders.length);
  return req;
}

/** The body is complete: mark it, attach trailers (rawTrailers / trailers), end the stream. */
export function completeIncoming(req: IncomingMessage, rawTrailers: string[] | null): void {
  const internals = incomingInternals(req);
  internals.complete = true;
  if (rawTrailers !== null && rawTrailers.length !== 0) internals._addHeaderLines(rawTrailers, rawTrailers.length);
  req.push(null);
}
