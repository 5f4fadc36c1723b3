/**
 * Undocumented fields of Node's http objects that node:http's own server (`_http_server.js`)
 * uses and the engine must use the same way to drive genuine IncomingMessage /
 * ServerResponse objects. Typed views only: casting to them costs nothing at run time.
 * Checked against Node 20 (`process.binding('natives')._http_server` & co.).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface IncomingInternals {
  complete: boolean;
  upgrade: boolean;
  /** Sets rawHeaders (or rawTrailers once `complete`) and the count the lazy `headers` getter reads. */
  _addHeaderLines(fields: string[], n: number): void;
  /** Discard the unread body so the connection can move on (resOnFinish). */
  _dump(): void;
  /** The app has started reading the body. */
  _consuming: boolean;
  /** The body is being discarded: the parser stops pushing it. */
  _dumped: boolean;
  _readableState: { resumeScheduled: boolean };
}

export interface ResponseInternals {
  /** False for HEAD, 204, 304: writes are dropped. */
  _hasBody: boolean;
  /** Set while writing the head when the connection must close after this response. */
  _last: boolean;
  /** Advertised as `Keep-Alive: timeout=N` (seconds) when non-zero. */
  _keepAliveTimeout: number;
  _expect_continue: boolean;
  /** The serialized head once written (what `headersSent` tests). */
  _header: string | null;
  /** Set by `end(chunk)` before the head is written: the body's byte length. */
  _contentLength: number | null;
  _closed: boolean;
  destroyed: boolean;
}

export interface SocketInternals {
  /** Set while the server pauses the socket on purpose; IncomingMessage#_read then leaves it paused. */
  _paused: boolean;
  /** The response currently assigned to the socket (ServerResponse#assignSocket). */
  _httpMessage: ServerResponse | null;
  allowHalfOpen: boolean;
  /** Public but typed readonly; node:http sets it to null when it hands a socket to 'upgrade'. */
  readableFlowing: boolean | null;
}

export function incomingInternals(req: IncomingMessage): IncomingInternals {
  return req as unknown as IncomingInternals;
}

export function responseInternals(res: ServerResponse): ResponseInternals {
  return res as unknown as ResponseInternals;
}

export function socketInternals(socket: Socket): SocketInternals {
  return socket as unknown as SocketInternals;
}

let needDrainKey: symbol | null | undefined;

/**
 * node:http's server clears the response's private `kNeedDrain` flag before emitting 'drain'
 * on it when the socket drains; OutgoingMessage never does it itself. Found once by its
 * description; null if a future Node renames it (then 'drain' is emitted without clearing).
 */
export function needDrainSymbol(res: ServerResponse): symbol | null {
  if (needDrainKey === undefined) {
    needDrainKey = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kNeedDrain') ?? null;
  }
  return needDrainKey;
}

/** What node:http passes when a connection dies under a request (ConnResetException). */
export function abortedError(): Error {
  const err = new Error('aborted') as Error & { code: string };
  err.code = 'ECONNRESET';
  return err;
}
