/**
 * tsgun's strictness rules for HTTP/1.1 requests (RFC 9110 / 9112), as pure functions over
 * the strings and bytes of a request head. http-parser-js is lenient (bare LF, header names
 * with spaces, Content-Length next to Transfer-Encoding, `Content-Length: 1, 2` …); every
 * rule it lacks lives here so it can be unit-tested case by case. Errors are shared
 * constants: a refused request allocates nothing.
 */
import { ClientError } from './client-error.js';
import { refusalErrors } from './refusals.js';

// ---------------------------------------------------------------------------------------------
// Byte and character classes

/** Class of a byte inside a head line (request line, field line, chunk line). */
export const BYTE_OK = 0;
export const BYTE_CR = 1;
export const BYTE_LF = 2;
/** NUL and the other controls except HTAB, and DEL: never allowed in a line. */
export const BYTE_CTL = 3;

function buildLineByteClasses(): Uint8Array {
  const table = new Uint8Array(256);
  for (let b = 0; b < 0x20; b++) table[b] = BYTE_CTL;
  table[0x09] = BYTE_OK; // HTAB is whitespace in field values
  table[0x0d] = BYTE_CR;
  table[0x0a] = BYTE_LF;
  table[0x7f] = BYTE_CTL;
  return table; // 0x80–0xff stay OK: obs-text is legal in field values (decoded as latin1)
}

export const LINE_BYTE_CLASS: Uint8Array = buildLineByteClasses();

function buildTokenChars(): Uint8Array {
  const table = new Uint8Array(128);
  const specials = "!#$%&'*+-.^_`|~";
  for (let i = 0; i < specials.length; i++) table[specials.charCodeAt(i)] = 1;
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 1;
  return table;
}

/** RFC 9110 `tchar`, indexed by char code (< 128). */
const TCHAR: Uint8Array = buildTokenChars();

/** True when `s[from, to)` is a non-empty RFC 9110 token. */
export function isToken(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Errors (shared, immutable)

/** The refusal reasons as shared ClientErrors; the table with their statuses and docs is http/refusals.ts. */
export const ERR = refusalErrors();

// ---------------------------------------------------------------------------------------------
// Request line

export interface RequestLineParts {
  method: string;
  url: string;
  /** 0 or 1: only HTTP/1.0 and HTTP/1.1 are served. */
  versionMinor: number;
}

/**
 * `method SP request-target SP HTTP-version`, exactly. The method may be any token: the
 * request line is parsed here, not by http-parser-js, so its fixed table of 34 method names
 * does not apply and unknown methods reach the app (which answers 404/405/501 as it sees
 * fit). The target may hold no spaces, controls or DEL; bytes ≥ 0x80 (raw UTF-8 from some
 * clients) are kept and reach `req.url` decoded as latin1, one char per byte, like header values
 * (gunicorn's RAW_URI does the same). `HTTP/x.y` other than
 * 1.0 and 1.1 → 505, anything else → 400. Fills `out` and returns null, or returns the error.
 */
export function parseRequestLine(line: string, out: RequestLineParts): ClientError | null {
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) return sp1 === 0 ? ERR.badMethod : ERR.badRequestLine;
  // The last space ends the target, so a space inside the target shows up as a bad target.
  const sp2 = line.lastIndexOf(' ');
  if (sp2 === sp1) return ERR.badRequestLine;
  if (!isToken(line, 0, sp1)) return ERR.badMethod;
  if (sp2 === sp1 + 1) return ERR.badTarget;
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = line.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return ERR.badTarget;
  }
  const minor = parseVersion(line, sp2 + 1);
  if (minor < 0) return minor === VERSION_UNSUPPORTED ? ERR.unsupportedVersion : ERR.badVersion;
  const method = line.slice(0, sp1);
  const url = line.slice(sp1 + 1, sp2);
  const err = checkTargetForm(method, url);
  if (err !== null) return err;
  out.method = method;
  out.url = url;
  out.versionMinor = minor;
  return null;
}

/** `scheme://` at the start of an absolute-form target (RFC 3986 scheme syntax). */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** `http://` or `https://` followed by a non-empty authority. */
const HTTP_ABSOLUTE_FORM = /^https?:\/\/[^/?#]/i;

/**
 * The four request-target forms of RFC 9112 §3.2, each only where it belongs:
 * origin-form (`/path`) for every method but CONNECT; absolute-form only with an http(s) scheme
 * and an authority (a proxy-style request; its authority wins over Host, see request-origin.ts);
 * asterisk-form (`*`) only for OPTIONS; authority-form (`host:port`) only for, and always for,
 * CONNECT (§3.2.3), which reaches the app with `req.url` as the authority, as in node:http.
 * Anything else → 400.
 */
function checkTargetForm(method: string, url: string): ClientError | null {
  if (method === 'CONNECT') return isAuthorityForm(url) ? null : ERR.badConnectTarget;
  const first = url.charCodeAt(0);
  if (first === 0x2f) return null; // '/'
  if (url === '*') return method === 'OPTIONS' ? null : ERR.asteriskTarget;
  if (ABSOLUTE_FORM.test(url)) return HTTP_ABSOLUTE_FORM.test(url) ? null : ERR.absoluteTarget;
  return ERR.badTarget;
}

/** RFC 3986 reg-name / IPv4address characters: unreserved, sub-delims and `%` (pct-encoded). */
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
/** An IP-literal: IPv6 (hex, `:`, dotted IPv4 tail) or IPvFuture (`v1.x`), in brackets. */
const IP_LITERAL = /^\[(?:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]$/;

/**
 * `uri-host ":" port` (RFC 9112 §3.2.3): no userinfo, path or query; the port is required
 * (RFC 9110 §9.3.6: CONNECT has no default port) and at most 65535.
 */
export function isAuthorityForm(url: string): boolean {
  const colon = url.lastIndexOf(':');
  if (colon <= 0 || colon === url.length - 1 || url.length - colon - 1 > 5) return false;
  let port = 0;
  for (let i = colon + 1; i < url.length; i++) {
    const d = url.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    port = port * 10 + d;
  }
  if (port > 65535) return false;
  const host = url.slice(0, colon);
  return host.charCodeAt(0) === 0x5b ? IP_LITERAL.test(host) : REG_NAME.test(host);
}

const VERSION_INVALID = -1;
const VERSION_UNSUPPORTED = -2;

/** `HTTP/1.1` → 1, `HTTP/1.0` → 0, another `HTTP/d.d` → unsupported, anything else → invalid. */
function parseVersion(line: string, at: number): number {
  if (line.length - at !== 8 || !line.startsWith('HTTP/', at)) return VERSION_INVALID;
  const major = line.charCodeAt(at + 5) - 0x30;
  const dot = line.charCodeAt(at + 6);
  const minor = line.charCodeAt(at + 7) - 0x30;
  if (major < 0 || major > 9 || dot !== 0x2e || minor < 0 || minor > 9) return VERSION_INVALID;
  if (major === 1 && minor <= 1) return minor;
  return VERSION_UNSUPPORTED;
}

// ---------------------------------------------------------------------------------------------
// Field lines

/**
 * Split one field line (`name: value`, CR/LF already removed and controls already refused by
 * the line reader) into `fields` as `[name, value]` with the value's surrounding whitespace
 * trimmed. A line starting with SP/HTAB is obsolete line folding; the name must be a token
 * directly followed by the colon (`Host : x` is refused, RFC 9112 §5.1).
 */
export function addFieldLine(line: string, fields: string[]): ClientError | null {
  const first = line.charCodeAt(0);
  if (first === 0x20 || first === 0x09) return ERR.obsFold;
  const colon = line.indexOf(':');
  if (colon <= 0 || !isToken(line, 0, colon)) return ERR.badFieldName;
  let from = colon + 1;
  let to = line.length;
  while (from < to && isOws(line.charCodeAt(from))) from++;
  while (to > from && isOws(line.charCodeAt(to - 1))) to--;
  fields.push(line.slice(0, colon), line.slice(from, to));
  return null;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * `s` without leading and trailing OWS. Only SP and HTAB are optional whitespace in a field
 * value (RFC 9110 §5.6.3); `String#trim` would also strip NBSP, NEL (as latin1 0xA0 / 0x85) and
 * other Unicode spaces, so a value a front end reads as `chunked\xa0` would become `chunked`.
 */
export function trimOws(s: string): string {
  let from = 0;
  let to = s.length;
  while (from < to && isOws(s.charCodeAt(from))) from++;
  while (to > from && isOws(s.charCodeAt(to - 1))) to--;
  return from === 0 && to === s.length ? s : s.slice(from, to);
}

// ---------------------------------------------------------------------------------------------
// Head semantics: framing, Host, Connection, Expect

/** Bits returned by `connectionFlags`. */
export const CONNECTION_CLOSE = 1;
export const CONNECTION_KEEP_ALIVE = 2;

/** `parseContentLength`: not a length. */
export const LENGTH_INVALID = -1;

/** What the engine needs to know about a request head. */
export interface HeadFacts {
  /** Body length from Content-Length; 0 when absent; ignored when `chunked`. */
  contentLength: number;
  chunked: boolean;
  /** The client allows this connection to be reused (HTTP/1.1 default, HTTP/1.0 opt-in). */
  keepAlive: boolean;
  /** `Expect: 100-continue` on an HTTP/1.1 request. */
  expectContinue: boolean;
}

export function newHeadFacts(): HeadFacts {
  return { contentLength: 0, chunked: false, keepAlive: false, expectContinue: false };
}

/** Transfer codings tsgun can pass through (it decodes only `chunked`; the app gets the rest). */
const KNOWN_CODINGS: ReadonlySet<string> = new Set(['chunked', 'gzip', 'x-gzip', 'deflate', 'compress', 'x-compress']);

/** `checkTransferEncoding` results that are not an error. */
const TE_CHUNKED = 1;
/** Only `identity` elements: no transfer coding at all. */
const TE_IDENTITY = 2;

/** Bits for the singleton fields `inspectHead` refuses to see twice. */
const ONE_CONTENT_TYPE = 1;
const ONE_AUTHORIZATION = 2;
const ONE_PROXY_AUTHORIZATION = 4;
const ONE_FROM = 8;
const ONE_REFERER = 16;
const ONE_USER_AGENT = 32;
const ONE_MAX_FORWARDS = 64;
const ONE_IF_MODIFIED_SINCE = 128;
const ONE_IF_UNMODIFIED_SINCE = 256;

/**
 * One pass over the raw header list: Host (exactly one in HTTP/1.1, at most one in 1.0),
 * Content-Length (digits only, at most once), Transfer-Encoding (never with Content-Length
 * once it means chunked, never in HTTP/1.0, final coding `chunked`, unknown coding → 501),
 * Connection (close / keep-alive tokens), Expect (only `100-continue`, else 417; ignored for
 * HTTP/1.0 as RFC 9110 §10.1.1 allows) and the singleton fields (RFC 9110 §5.3) that node:http
 * keeps only the first of: a second Content-Type, Authorization, Proxy-Authorization, From,
 * Referer, User-Agent, Max-Forwards, If-Modified-Since or If-Unmodified-Since is refused, since the
 * app would silently see the first while a front end may have acted on the other. Upgrade is
 * deliberately not looked at: upgrades (WebSocket, h2c) are not supported yet, so such requests
 * are served as ordinary requests.
 */
export function inspectHead(raw: readonly string[], versionMinor: number, out: HeadFacts): ClientError | null {
  let hosts = 0;
  let contentLength = -1;
  let te: string | null = null;
  let close = false;
  let keepAlive = false;
  let expect: string | null = null;
  let seen = 0;
  let once = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    // Dispatch on length first so most fields cost one comparison and no allocation.
    switch (name.length) {
      case 4:
        if (equalsLower(name, 'host')) hosts++;
        else if (equalsLower(name, 'from')) once = ONE_FROM;
        break;
      case 6:
        if (equalsLower(name, 'expect')) expect = expect === null ? (raw[i + 1] as string) : `${expect},${raw[i + 1] as string}`;
        break;
      case 7:
        if (equalsLower(name, 'referer')) once = ONE_REFERER;
        break;
      case 10:
        if (equalsLower(name, 'connection')) {
          const flags = connectionFlags(raw[i + 1] as string);
          if (flags & CONNECTION_CLOSE) close = true;
          if (flags & CONNECTION_KEEP_ALIVE) keepAlive = true;
        } else if (equalsLower(name, 'user-agent')) once = ONE_USER_AGENT;
        break;
      case 12:
        if (equalsLower(name, 'content-type')) once = ONE_CONTENT_TYPE;
        else if (equalsLower(name, 'max-forwards')) once = ONE_MAX_FORWARDS;
        break;
      case 13:
        if (equalsLower(name, 'authorization')) once = ONE_AUTHORIZATION;
        break;
      case 14:
        if (equalsLower(name, 'content-length')) {
          // One value, digits only: a repeat or a list (`5, 5`) is refused even when the values
          // agree, as gunicorn 26 and node:http do (RFC 9110 §8.6 lets a recipient reject them).
          if (contentLength >= 0) return ERR.conflictingContentLength;
          contentLength = parseContentLength(raw[i + 1] as string);
          if (contentLength < 0) return ERR.badContentLength;
        }
        break;
      case 17:
        if (equalsLower(name, 'transfer-encoding')) te = te === null ? (raw[i + 1] as string) : `${te},${raw[i + 1] as string}`;
        else if (equalsLower(name, 'if-modified-since')) once = ONE_IF_MODIFIED_SINCE;
        break;
      case 19:
        if (equalsLower(name, 'proxy-authorization')) once = ONE_PROXY_AUTHORIZATION;
        else if (equalsLower(name, 'if-unmodified-since')) once = ONE_IF_UNMODIFIED_SINCE;
        break;
    }
    if (once !== 0) {
      if ((seen & once) !== 0) return ERR.duplicateField;
      seen |= once;
      once = 0;
    }
  }

  if (versionMinor === 1) {
    if (hosts !== 1) return hosts === 0 ? ERR.missingHost : ERR.duplicateHost;
  } else if (hosts > 1) {
    return ERR.duplicateHost;
  }

  let chunked = false;
  if (te !== null) {
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing, whatever it lists.
    if (versionMinor === 0) return ERR.transferEncodingHttp10;
    const coding = checkTransferEncoding(te);
    if (coding instanceof ClientError) return coding;
    if (coding === TE_CHUNKED) {
      if (contentLength >= 0) return ERR.lengthAndChunked;
      chunked = true;
    } else {
      // `identity` only: no coding, so Content-Length (or nothing) frames the body, as in
      // gunicorn 26. No request is read after it on this connection (RFC 9112 §6.1 asks that
      // for Transfer-Encoding with Content-Length): whatever a front end made of the framing,
      // bytes after this body never become a request here.
      close = true;
    }
  }

  let expectContinue = false;
  if (expect !== null && versionMinor === 1) {
    if (!isOnly100Continue(expect)) return ERR.expectationFailed;
    expectContinue = true;
  }

  out.contentLength = Math.max(0, contentLength);
  out.chunked = chunked;
  out.keepAlive = versionMinor === 1 ? !close : keepAlive && !close;
  out.expectContinue = expectContinue;
  return null;
}

/** ASCII case-insensitive compare against a lowercase literal of the same length (letters and '-'). */
function equalsLower(s: string, lower: string): boolean {
  if (s === lower) return true;
  for (let i = 0; i < lower.length; i++) {
    // `| 0x20` lowercases letters and leaves '-' alone; `s` is a validated token, so no other
    // token character can fold onto a letter or '-'.
    if ((s.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Largest Content-Length accepted: 15 digits stays a safe integer. */
const MAX_LENGTH_DIGITS = 15;

/** A Content-Length value (already OWS-trimmed): 1–15 digits → the length, else LENGTH_INVALID. */
export function parseContentLength(value: string): number {
  const n = value.length;
  if (n === 0 || n > MAX_LENGTH_DIGITS) return LENGTH_INVALID;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return LENGTH_INVALID;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The Transfer-Encoding list (all its field lines joined): each element a bare coding token
 * (`chunked;foo=bar`, `chunked\xa0` → 400: chunked takes no parameters, RFC 9112 §7, and only
 * SP/HTAB are OWS), `chunked` exactly once and last (RFC 9112 §6.1), unknown codings → 501.
 * `identity` (dropped by RFC 9112, a no-op before it) is skipped where it comes before
 * `chunked`, as gunicorn 26 does; after `chunked` it leaves chunked not final → 400.
 */
function checkTransferEncoding(te: string): ClientError | typeof TE_CHUNKED | typeof TE_IDENTITY {
  if (te === 'chunked' || te === 'Chunked') return TE_CHUNKED;
  let last = '';
  let chunkedSeen = false;
  let elements = 0;
  for (const raw of te.split(',')) {
    const element = trimOws(raw);
    if (element === '') continue; // empty list elements are allowed (RFC 9110 §5.6.1)
    if (!isToken(element)) return ERR.badTransferEncoding;
    elements++;
    const coding = element.toLowerCase();
    if (chunkedSeen) return ERR.chunkedNotFinal;
    if (coding === 'identity') continue;
    if (!KNOWN_CODINGS.has(coding)) return ERR.unknownTransferCoding;
    if (coding === 'chunked') chunkedSeen = true;
    last = coding;
  }
  if (elements === 0) return ERR.badTransferEncoding;
  if (last === '') return TE_IDENTITY;
  return last === 'chunked' ? TE_CHUNKED : ERR.chunkedNotFinal;
}

function isOnly100Continue(expect: string): boolean {
  for (const element of expect.split(',')) {
    if (trimOws(element).toLowerCase() !== '100-continue') return false;
  }
  return true;
}

/** Which of the `close` / `keep-alive` tokens a Connection value lists (case-insensitive). */
export function connectionFlags(value: string): number {
  // Fast paths for what clients actually send.
  if (value === 'keep-alive' || value === 'Keep-Alive') return CONNECTION_KEEP_ALIVE;
  if (value === 'close' || value === 'Close') return CONNECTION_CLOSE;
  let flags = 0;
  for (const element of value.split(',')) {
    const token = trimOws(element).toLowerCase();
    if (token === 'close') flags |= CONNECTION_CLOSE;
    else if (token === 'keep-alive') flags |= CONNECTION_KEEP_ALIVE;
  }
  return flags;
}

/**
 * Fields that must not arrive as trailers (RFC 9110 §6.5.1: fields needed before the content is
 * processed): framing, routing, connection control, request controls and conditionals, and
 * authentication. node:http passes them in `req.trailers`; gunicorn 26 refuses Host,
 * Content-Length, Transfer-Encoding, Trailer, Authorization and TE; tsgun refuses that whole
 * family with 400, so no app or framework that merges trailers into headers can be steered by
 * one. Content-format fields (Content-Type …) stay allowed: long-standing clients send
 * `Content-Type` as a trailer, and gunicorn's and llhttp's corpora accept it.
 */
const FORBIDDEN_TRAILERS: ReadonlySet<string> = new Set([
  // framing
  'content-length',
  'transfer-encoding',
  'trailer',
  // routing
  'host',
  // connection control (RFC 9110 §7.6)
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'upgrade',
  // request controls (RFC 9110 §7.6.2, §10.1.1, §14.2; RFC 9111 §5.2, §5.4)
  'expect',
  'max-forwards',
  'cache-control',
  'pragma',
  'range',
  // conditionals (RFC 9110 §13.1)
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  // authentication (RFC 9110 §11.6)
  'authorization',
  'proxy-authorization',
]);

/** True when a trailer field of this name must be refused (see FORBIDDEN_TRAILERS). */
export function isForbiddenTrailer(name: string): boolean {
  return FORBIDDEN_TRAILERS.has(name.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Chunked framing

/** Significant hex digits accepted in a chunk size: 13 keeps it below 2^52. */
const MAX_CHUNK_DIGITS = 13;

/**
 * `chunk-size [ chunk-ext ]` (RFC 9112 §7.1) → the size, or -1 when invalid (empty, non-hex,
 * `0x` prefixes, signs, sizes ≥ 2^52, trailing junk), or -2 when the size is fine but the
 * extensions are not `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )`.
 * Extensions are checked, then ignored; the line reader has already refused control characters.
 */
export function parseChunkSize(line: string): number {
  const n = line.length;
  let i = 0;
  let size = 0;
  let significant = 0;
  for (; i < n; i++) {
    const d = hexValue(line.charCodeAt(i));
    if (d < 0) break;
    if (size !== 0 || d !== 0) significant++;
    if (significant > MAX_CHUNK_DIGITS) return -1;
    size = size * 16 + d;
  }
  if (i === 0) return -1;
  if (i === n) return size;
  let j = skipOws(line, i);
  if (j === n || line.charCodeAt(j) !== 0x3b) return -1;
  while (j < n) {
    if (line.charCodeAt(j) !== 0x3b) return CHUNK_EXT_INVALID; // ';'
    j = skipOws(line, j + 1);
    const nameEnd = tokenEnd(line, j);
    if (nameEnd === j) return CHUNK_EXT_INVALID;
    j = skipOws(line, nameEnd);
    if (j < n && line.charCodeAt(j) === 0x3d) {
      // '='
      j = skipOws(line, j + 1);
      const valueEnd = line.charCodeAt(j) === 0x22 ? quotedStringEnd(line, j) : tokenEnd(line, j);
      if (valueEnd <= j) return CHUNK_EXT_INVALID;
      j = skipOws(line, valueEnd);
    }
  }
  return size;
}

/** `parseChunkSize`: the size is valid, its extensions are not. */
export const CHUNK_EXT_INVALID = -2;

function skipOws(s: string, i: number): number {
  while (i < s.length && isOws(s.charCodeAt(i))) i++;
  return i;
}

function tokenEnd(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) break;
    i++;
  }
  return i;
}

/** End (exclusive) of the quoted-string starting at `s[i] === '"'`, or -1 when unterminated. */
function quotedStringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) j++; // quoted-pair
  }
  return -1;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
