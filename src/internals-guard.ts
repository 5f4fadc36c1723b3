/**
 * tsgun drives Node's own objects through undocumented members, as node:http and node:cluster
 * do internally (see the files named below). Node may reshape them in any release; this table
 * checks each one at start so a change fails loudly, naming the member, instead of surfacing
 * as a hung socket or a wrong response. One line per member reached into.
 */
import http from 'node:http';
import net from 'node:net';
import { HTTPParser } from 'http-parser-js';
import { TsgunError } from './errors.js';

type Shape = Readonly<Record<string, string>>;

/** Whether `target` has every member with the `typeof` given (a '|' list allows several). */
function hasShape(target: unknown, shape: Shape): boolean {
  const t = target as Record<string, unknown>;
  return Object.entries(shape).every(([key, types]) => key in t && types.split('|').includes(typeof t[key]));
}

function sampleResponse(): { req: http.IncomingMessage; res: http.ServerResponse } {
  const req = new http.IncomingMessage(new net.Socket());
  return { req, res: new http.ServerResponse(req) };
}

const netModule = net as unknown as Record<string, unknown>;
const parserClass = HTTPParser as unknown as Record<string, unknown> & { prototype: object; new (type: 'REQUEST'): object };

export const INTERNALS: readonly (readonly [what: string, holds: () => boolean])[] = [
  ['net._createServerHandle() (master/listeners.ts)', () => typeof netModule['_createServerHandle'] === 'function'],
  ['net.Server#_listen2() (worker/listen-on-handle.ts)', () => hasShape(net.Server.prototype, { _listen2: 'function' })],
  ['net.Server#_handle, null until listening (worker/accept-control.ts)', () => hasShape(new net.Server(), { _handle: 'object' })],
  ['ServerResponse#_storeHeader() (http/response.ts)', () => hasShape(http.ServerResponse.prototype, { _storeHeader: 'function' })],
  [
    'ServerResponse _hasBody _last _keepAliveTimeout _expect_continue _header _contentLength _closed (http/node-internals.ts)',
    () =>
      hasShape(sampleResponse().res, {
        _hasBody: 'boolean',
        _last: 'boolean',
        _keepAliveTimeout: 'number',
        _expect_continue: 'boolean',
        _header: 'object|string',
        _contentLength: 'object|number',
        _closed: 'boolean',
      }),
  ],
  [
    'IncomingMessage _addHeaderLines() _dump() _consuming _dumped _readableState (http/node-internals.ts)',
    () =>
      hasShape(sampleResponse().req, { _addHeaderLines: 'function', _dump: 'function', _consuming: 'boolean', _dumped: 'boolean' }) &&
      hasShape((sampleResponse().req as unknown as { _readableState: unknown })._readableState, { resumeScheduled: 'boolean' }),
  ],
  [
    'http-parser-js HTTPParser.kOnHeaders, kOnBody (http/request-parser.ts)',
    () => hasShape(parserClass, { kOnHeaders: 'number', kOnBody: 'number' }),
  ],
  [
    'http-parser-js parser state, info, trailers, line, isChunked, body_bytes, isUserCall, maxHeaderSize (http/request-parser.ts)',
    () =>
      hasShape(new parserClass('REQUEST'), {
        state: 'string',
        info: 'object',
        trailers: 'object',
        line: 'string',
        isChunked: 'boolean',
        body_bytes: 'object|number',
        isUserCall: 'boolean',
        maxHeaderSize: 'number',
      }),
  ],
  [
    'http-parser-js parser execute() initialize() userCall() nextRequest() and its state methods (http/request-parser.ts)',
    () =>
      hasShape(parserClass.prototype, {
        execute: 'function',
        initialize: 'function',
        userCall: 'function',
        nextRequest: 'function',
        consumeLine: 'function',
        parseHeader: 'function',
        REQUEST_LINE: 'function',
        HEADER: 'function',
        BODY_CHUNKHEAD: 'function',
        BODY_CHUNK: 'function',
        BODY_CHUNKEMPTYLINE: 'function',
        BODY_CHUNKTRAILERS: 'function',
        BODY_SIZED: 'function',
      }),
  ],
];

/** The members whose shape changed on this Node (empty when all hold). */
export function changedInternals(): string[] {
  return INTERNALS.filter(([, holds]) => {
    try {
      return !holds();
    } catch {
      return true;
    }
  }).map(([what]) => what);
}

/** Throws TSGUN_ERR_NODE_INTERNALS naming every changed member. */
export function assertNodeInternals(): void {
  const changed = changedInternals();
  if (changed.length === 0) return;
  throw new TsgunError(
    'TSGUN_ERR_NODE_INTERNALS',
    `Node ${process.version} or http-parser-js changed what tsgun relies on: ${changed.join('; ')}`,
  );
}
