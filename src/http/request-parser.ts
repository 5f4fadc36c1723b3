/**
 * http-parser-js's `HTTPParser` (REQUEST mode) with tsgun's strictness layer.
 *
 * http-parser-js drives everything from `execute()`: a loop that calls the method named by
 * `this.state` until the input is used up. We keep that loop and its body states
 * (`BODY_SIZED`, `BODY_CHUNK`, `BODY_CHUNKTRAILERS`) and replace the line-level states, where
 * it is lenient, with strict ones:
 * - `consumeLine` reads lines byte by byte: CRLF only (bare LF / bare CR → 400), no controls
 *   except HTAB, latin1 decoding (its own `ascii` decoding masks the high bit), and a length
 *   limit checked while a line is still arriving, so a request line sent one byte per TCP
 *   segment is refused (414) as soon as it is too long, before it is buffered further.
 * - `REQUEST_LINE` / `HEADER` / `BODY_CHUNKHEAD` / `BODY_CHUNKEMPTYLINE` apply validate.ts;
 *   at the end of the head the framing comes from `inspectHead`, not from http-parser-js.
 * - `nextRequest` parks the parser in a `PAUSED` state at each message boundary, which stops
 *   `execute()` there: the connection decides when the next pipelined request may be parsed,
 *   and `execute()` returns how many bytes belong to the finished message.
 *
 * Errors are thrown as `ClientError`; `execute()` catches them and returns them.
 * Depends on http-parser-js 0.5.x internals (state names, `chunk`/`offset`/`end`, `line`,
 * `body_bytes`), which the engine tests exercise.
 */
import { HTTPParser } from 'http-parser-js';
import type { ParserOptions } from './types.js';
import {
  BYTE_CR,
  BYTE_CTL,
  BYTE_LF,
  BYTE_OK,
  CHUNK_EXT_INVALID,
  ERR,
  LINE_BYTE_CLASS,
  addFieldLine,
  inspectHead,
  isForbiddenTrailer,
  newHeadFacts,
  parseChunkSize,
  parseRequestLine,
  type HeadFacts,
  trimOws,
  type RequestLineParts,
} from './validate.js';
import { ClientError } from './client-error.js';

/** Where the parsed pieces of a request go (the connection). */
export interface ParserSink {
  /**
   * A request head is complete and valid. `rawHeaders` is fresh per request and may be kept.
   * Returns true when the connection takes the request as an upgrade: the parser then stops
   * for good at the end of the head (everything after it belongs to the app; see upgrade.ts).
   */
  onHead(method: string, url: string, versionMinor: number, rawHeaders: string[], facts: HeadFacts): boolean;
  onBody(chunk: Buffer): void;
  onTrailers(rawTrailers: string[]): void;
  onMessageComplete(): void;
}

/** The parser's resting state between messages; see `nextRequest`. */
export const PAUSED = 'PAUSED';
const REQUEST_LINE = 'REQUEST_LINE';
/** Terminal: the head just parsed was an upgrade; the parser reads nothing more. */
const UPGRADED = 'UPGRADED';

/** Chunk-size lines carry extensions nobody uses; bound them so they cannot buffer unbounded. */
const MAX_CHUNK_LINE = 4096;

/** The parts of http-parser-js's HTTPParser this layer uses (its .d.ts marks most of them private). */
interface ParserCore {
  state: string;
  chunk: Buffer | null;
  offset: number;
  end: number;
  line: string;
  info: { headers: string[] };
  trailers: string[];
  isChunked: boolean;
  body_bytes: number | null;
  maxHeaderSize: number;
  isUserCall: boolean;
  initialize(type: 'REQUEST'): void;
  /** Bytes consumed, or the error a state method threw (`ClientError` included). */
  execute(chunk: Buffer, start: number, length: number): unknown;
}

// The one cast that exposes those internals; everything else is typed against ParserCore.
const ParserBase = HTTPParser as unknown as new (type: 'REQUEST') => ParserCore;
const K_ON_HEADERS = HTTPParser.kOnHeaders;
const K_ON_BODY = HTTPParser.kOnBody;

export class RequestParser extends ParserBase {
  readonly #sink: ParserSink;
  readonly #requestLineLimit: number;
  /**
   * `--limit-request-field-size` counts a field as gunicorn does: every line of it (an obs-fold
   * continuation adds its line) with its CRLF. This is that limit minus the CRLF, for one line
   * read without it; 0 = none.
   */
  readonly #fieldLineLimit: number;
  readonly #fieldSizeLimit: number;
  /** Bytes (CRLFs included) of the last field so far, for folds joined onto it. */
  #lastFieldSize = 0;
  /** The last field was dropped (`--header-map drop`): its folds are dropped too. */
  #lastFieldDropped = false;
  readonly #fieldCountLimit: number;
  /** Largest body accepted (bytes); 0 = no limit. */
  readonly #bodyLimit: number;
  readonly #permitObsFold: boolean;
  readonly #headerMap: ParserOptions['headerMap'];
  /** Field lines of the current head or trailer section, dropped ones included. */
  #fieldCount = 0;
  /** Chunked body bytes announced so far (checked against `#bodyLimit`). */
  #chunkedTotal = 0;
  /** The previous chunk ended with CR; the next byte must be LF. */
  #pendingCr = false;
  readonly #facts: HeadFacts = newHeadFacts();
  readonly #line: RequestLineParts = { method: '', url: '', versionMinor: 1 };
  /** http-parser-js allocates a closure per user call; one per parser does the same job. */
  readonly #endUserCall = (ret?: unknown): unknown => {
    this.isUserCall = false;
    return ret;
  };

  constructor(sink: ParserSink, options: ParserOptions) {
    super('REQUEST');
    const limits = options.limits;
    this.#sink = sink;
    this.#requestLineLimit = limits.requestLine;
    this.#fieldSizeLimit = limits.requestFieldSize;
    this.#fieldLineLimit = limits.requestFieldSize === 0 ? 0 : Math.max(1, limits.requestFieldSize - 2);
    this.#fieldCountLimit = limits.requestFields;
    this.#bodyLimit = limits.requestBody;
    this.#permitObsFold = options.permitObsoleteFolding;
    this.#headerMap = options.headerMap;
    // Our own limits bound the head (0 = unlimited, as configured); http-parser-js's 80 KB
    // total would otherwise override them.
    this.maxHeaderSize = Infinity;
    this.state = PAUSED;
  }

  /** At a message boundary: may the parser start reading the next request? */
  get atBoundary(): boolean {
    return this.state === PAUSED;
  }

  /** Somewhere inside a request head (at least one byte of it seen or expected next). */
  get inHead(): boolean {
    return this.state === REQUEST_LINE || this.state === 'HEADER';
  }

  /** Some of a request line or header section has arrived (not just empty lines). */
  get hasPartialHead(): boolean {
    return this.state === 'HEADER' || (this.state === REQUEST_LINE && this.line.length !== 0);
  }

  /** The last head was taken as an upgrade: no byte after it is HTTP any more. */
  get upgraded(): boolean {
    return this.state === UPGRADED;
  }

  /** Leave PAUSED: the next bytes fed are the start of a request. */
  startMessage(): void {
    this.state = REQUEST_LINE;
  }

  /**
   * Feed `chunk[start, end)`. Returns the bytes consumed (fewer than given when a message
   * ended and the parser paused), or the ClientError / Error that stopped it.
   */
  feed(chunk: Buffer, start: number, end: number): number | ClientError | Error {
    let r: unknown;
    try {
      r = this.execute(chunk, start, end - start);
    } catch (err) {
      // Thrown from a sink callback (run as a "user call", which execute() re-throws).
      r = err;
    }
    this.chunk = null;
    if (typeof r === 'number') return r;
    return r instanceof Error || r instanceof ClientError ? r : new Error(String(r));
  }

  // --- http-parser-js hooks (called by name from execute() and the base states) ---------------

  userCall(): (ret?: unknown) => unknown {
    this.isUserCall = true;
    return this.#endUserCall;
  }

  /** Stops execute() at a message boundary (a state method returning true ends its loop). */
  PAUSED(): boolean {
    return true;
  }

  /** Stops execute() right after an upgrade head, as PAUSED does between messages. */
  UPGRADED(): boolean {
    return true;
  }

  REQUEST_LINE(): void {
    const line = this.#readLine(this.#requestLineLimit, ERR.requestLineTooLong);
    // Empty lines before a request line are ignored (RFC 9112 §2.2).
    if (line === undefined || line === '') return;
    const err = parseRequestLine(line, this.#line);
    if (err !== null) throw err;
    this.body_bytes = 0;
    this.state = 'HEADER';
  }

  HEADER(): void {
    const line = this.#readLine(this.#fieldLineLimit, ERR.fieldTooLong);
    if (line === undefined) return;
    const headers = this.info.headers;
    if (line !== '') {
      this.#addField(line, headers, ERR.tooManyFields, ERR.fieldTooLong);
      return;
    }
    this.#fieldCount = 0;
    const facts = this.#facts;
    const parts = this.#line;
    const err = inspectHead(headers, parts.versionMinor, facts);
    if (err !== null) throw err;
    // Refused before a byte of the body is read (and before the app runs or 100 Continue goes out).
    if (this.#bodyLimit !== 0 && !facts.chunked && facts.contentLength > this.#bodyLimit) throw ERR.bodyTooLarge;
    // tsgun does not tunnel: after the app's answer to a CONNECT, the bytes that follow are not HTTP.
    if (parts.method === 'CONNECT') facts.keepAlive = false;
    if (this.userCall()(this.#sink.onHead(parts.method, parts.url, parts.versionMinor, headers, facts)) === true) {
      this.state = UPGRADED; // no body, no next message: the rest of the input is the app's
      return;
    }
    if (facts.chunked) {
      this.isChunked = true;
      this.#chunkedTotal = 0;
      this.state = 'BODY_CHUNKHEAD';
    } else if (facts.contentLength > 0) {
      this.body_bytes = facts.contentLength;
      this.state = 'BODY_SIZED';
    } else {
      this.nextRequest();
    }
  }

  /** One header or trailer line into `fields`: count limit, obs-fold, size of folded fields, underscore policy. */
  #addField(line: string, fields: string[], tooMany: ClientError, tooLong: ClientError): void {
    const at = fields.length;
    const err = addFieldLine(line, fields);
    if (err !== null) {
      if (err !== ERR.obsFold || !this.#permitObsFold) throw err;
      // RFC 9112 §5.2: replace the fold with one SP; a fold with no field before it stays an error.
      if (this.#fieldCount === 0) throw err;
      // The folded field is one field: its lines add up against the size limit (gunicorn's rule).
      this.#lastFieldSize += line.length + 2;
      if (this.#fieldSizeLimit !== 0 && this.#lastFieldSize > this.#fieldSizeLimit) throw tooLong;
      const folded = trimOws(line);
      // The continuation of a dropped field goes with it, never onto the field kept before it.
      if (folded !== '' && !this.#lastFieldDropped) fields[at - 1] = `${fields[at - 1] as string} ${folded}`;
      return;
    }
    if (this.#fieldCountLimit !== 0 && this.#fieldCount >= this.#fieldCountLimit) throw tooMany;
    this.#fieldCount++;
    this.#lastFieldSize = line.length + 2;
    this.#lastFieldDropped = false;
    const name = fields[at] as string;
    if (this.#headerMap !== 'dangerous' && name.indexOf('_') !== -1) {
      if (this.#headerMap === 'refuse') throw ERR.underscoreHeader;
      fields.length = at; // drop: `X_Forwarded_For` can never pass for `X-Forwarded-For`
      this.#lastFieldDropped = true;
    }
  }

  BODY_CHUNKHEAD(): void {
    const line = this.#readLine(MAX_CHUNK_LINE, ERR.chunkLineTooLong);
    if (line === undefined) return;
    const size = parseChunkSize(line);
    if (size < 0) throw size === CHUNK_EXT_INVALID ? ERR.badChunkExtension : ERR.badChunkSize;
    // Checked per chunk header, before its data is read: an oversized body stops at its first
    // chunk that crosses the limit.
    this.#chunkedTotal += size;
    if (this.#bodyLimit !== 0 && this.#chunkedTotal > this.#bodyLimit) throw ERR.bodyTooLarge;
    this.body_bytes = size;
    this.state = size === 0 ? 'BODY_CHUNKTRAILERS' : 'BODY_CHUNK';
  }

  BODY_CHUNKEMPTYLINE(): void {
    const line = this.#readLine(MAX_CHUNK_LINE, ERR.chunkLineTooLong);
    if (line === undefined) return;
    if (line !== '') throw ERR.badChunkEnd;
    this.state = 'BODY_CHUNKHEAD';
  }

  /** Only the base `BODY_CHUNKTRAILERS` still calls this: trailer lines. */
  consumeLine(): string | undefined {
    return this.#readLine(this.#fieldLineLimit, ERR.trailerTooLong);
  }

  /** Only the base `BODY_CHUNKTRAILERS` still calls this: one trailer line. */
  parseHeader(line: string, fields: string[]): void {
    const at = fields.length;
    this.#addField(line, fields, ERR.tooManyTrailers, ERR.trailerTooLong);
    if (fields.length > at && isForbiddenTrailer(fields[at] as string)) throw ERR.forbiddenTrailer;
  }

  nextRequest(): void {
    this.userCall()(this.#sink.onMessageComplete());
    this.initialize('REQUEST');
    this.#pendingCr = false;
    this.#fieldCount = 0;
    this.state = PAUSED;
  }

  [K_ON_BODY](chunk: Buffer): void {
    this.#sink.onBody(chunk);
  }

  [K_ON_HEADERS](trailers: string[]): void {
    this.#sink.onTrailers(trailers);
  }

  // --- strict line reader ------------------------------------------------------------------------

  /**
   * The next complete line of `chunk[offset, end)` without its CRLF, or undefined when the
   * chunk ends first (the partial line is kept in `this.line`). `limit` (0 = none) caps the
   * line's length, checked on partial lines too.
   */
  #readLine(limit: number, tooLong: ClientError): string | undefined {
    const chunk = this.chunk as Buffer;
    const end = this.end;
    const start = this.offset;
    let cr = this.#pendingCr;
    for (let i = start; i < end; i++) {
      const cls = LINE_BYTE_CLASS[chunk[i] as number];
      if (cls === BYTE_OK) {
        if (cr) throw ERR.bareCr;
        continue;
      }
      if (cls === BYTE_LF) {
        if (!cr) throw ERR.bareLf;
        // The CR is either just before the LF or was the last byte of the previous chunk.
        const contentEnd = i > start ? i - 1 : start;
        if (limit !== 0 && this.line.length + (contentEnd - start) > limit) throw tooLong;
        const text = latin1(chunk, start, contentEnd);
        const line = this.line.length === 0 ? text : this.line + text;
        this.line = '';
        this.#pendingCr = false;
        this.offset = i + 1;
        return line;
      }
      if (cls === BYTE_CR) {
        if (cr) throw ERR.bareCr;
        cr = true;
        continue;
      }
      if (cls === BYTE_CTL) throw ERR.controlChar;
    }
    // No LF yet. A CR can only be the very last byte here (anything after it threw above).
    const contentEnd = cr ? end - 1 : end;
    if (limit !== 0 && this.line.length + (contentEnd - start) > limit) throw tooLong;
    if (contentEnd > start) this.line += latin1(chunk, start, contentEnd);
    this.#pendingCr = cr;
    this.offset = end;
    return undefined;
  }
}

/** Buffer's own latin1 decoder: `toString('latin1', …)` minus its argument and encoding checks (hot path). */
function latin1(chunk: Buffer, start: number, end: number): string {
  return (chunk as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}
