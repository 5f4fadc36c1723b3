/**
 * Every reason the HTTP engine refuses a request before the app sees it: the status it
 * answers with, the reason string (in the access log's client-error records, `tsgun ctl stats`
 * and the `reason` label of tsgun_http_parser_rejections_total), and what it means. docs/errors.md
 * is generated from this table; a reason string, once published, is never reused for
 * something else (dashboards and alerts key on it).
 */
import { ClientError, type ClientErrorStatus } from './client-error.js';

interface RefusalSpec {
  readonly status: ClientErrorStatus;
  readonly reason: string;
  readonly doc: string;
}

export const REFUSALS = {
  badRequestLine: { status: 400, reason: 'bad-request-line', doc: 'The request line is not `method SP target SP HTTP-version`.' },
  badMethod: { status: 400, reason: 'bad-method', doc: 'The method is empty or not an RFC 9110 token.' },
  badTarget: {
    status: 400,
    reason: 'bad-request-target',
    doc: 'The request target is empty, has spaces or controls, or is not in origin, absolute, authority (CONNECT) or `*` form.',
  },
  badVersion: { status: 400, reason: 'bad-http-version', doc: 'The version is not `HTTP/<digit>.<digit>`.' },
  unsupportedVersion: { status: 505, reason: 'http-version-not-supported', doc: 'A well-formed version other than HTTP/1.0 or HTTP/1.1.' },
  bareLf: { status: 400, reason: 'bare-lf', doc: 'A line of the head ends in LF without CR (a request-smuggling vector).' },
  bareCr: { status: 400, reason: 'bare-cr', doc: 'A CR in the head not followed by LF.' },
  controlChar: {
    status: 400,
    reason: 'control-character',
    doc: 'A control character (other than HTAB) in the request line or a header field.',
  },
  obsFold: {
    status: 400,
    reason: 'obsolete-line-folding',
    doc: 'A header line starts with a space or tab (obsolete line folding, RFC 9112 §5.2), unless `--permit-obsolete-folding`.',
  },
  badFieldName: { status: 400, reason: 'bad-header-name', doc: 'A header line without a colon, or whose name is not a token (`Ho st:`).' },
  requestLineTooLong: { status: 414, reason: 'request-line-too-long', doc: 'The request line is longer than `--limit-request-line`.' },
  fieldTooLong: { status: 431, reason: 'header-field-too-long', doc: 'A header field is longer than `--limit-request-field-size`.' },
  tooManyFields: { status: 431, reason: 'too-many-headers', doc: 'More header fields than `--limit-request-fields`.' },
  trailerTooLong: {
    status: 431,
    reason: 'trailer-field-too-long',
    doc: 'A chunked trailer field is longer than `--limit-request-field-size`.',
  },
  tooManyTrailers: { status: 431, reason: 'too-many-trailers', doc: 'More trailer fields than `--limit-request-fields`.' },
  missingHost: { status: 400, reason: 'missing-host', doc: 'An HTTP/1.1 request without a Host header (RFC 9112 §3.2).' },
  duplicateHost: { status: 400, reason: 'duplicate-host', doc: 'More than one Host header, or one Host header with several values.' },
  badContentLength: { status: 400, reason: 'bad-content-length', doc: 'Content-Length is not a non-negative decimal number.' },
  conflictingContentLength: {
    status: 400,
    reason: 'conflicting-content-length',
    doc: 'Several Content-Length values that differ (`Content-Length: 1, 2`, or two headers).',
  },
  lengthAndChunked: {
    status: 400,
    reason: 'content-length-with-transfer-encoding',
    doc: 'Both Content-Length and Transfer-Encoding: the framing is ambiguous (request smuggling).',
  },
  transferEncodingHttp10: { status: 400, reason: 'transfer-encoding-in-http-1.0', doc: 'Transfer-Encoding in an HTTP/1.0 request.' },
  badTransferEncoding: { status: 400, reason: 'bad-transfer-encoding', doc: 'Transfer-Encoding is empty or not a list of codings.' },
  chunkedNotFinal: { status: 400, reason: 'chunked-not-final', doc: '`chunked` is missing, repeated, or not the last transfer coding.' },
  unknownTransferCoding: {
    status: 501,
    reason: 'unsupported-transfer-coding',
    doc: 'A transfer coding other than `chunked` (gzip, deflate, …).',
  },
  expectationFailed: { status: 417, reason: 'unsupported-expectation', doc: 'An Expect header other than `100-continue`.' },
  duplicateField: {
    status: 400,
    reason: 'duplicate-singleton-field',
    doc: 'A field defined as a single value (Content-Type, Authorization, …) sent twice (RFC 9110 §5.3).',
  },
  forbiddenTrailer: {
    status: 400,
    reason: 'forbidden-trailer-field',
    doc: 'A trailer field that must not be a trailer: framing, routing or control fields (RFC 9110 §6.5.1).',
  },
  badChunkSize: { status: 400, reason: 'bad-chunk-size', doc: 'A chunk size line that is not hexadecimal digits.' },
  badChunkExtension: { status: 400, reason: 'bad-chunk-extension', doc: 'A malformed chunk extension after the chunk size.' },
  badChunkEnd: { status: 400, reason: 'bad-chunk-terminator', doc: 'A chunk not followed by CRLF.' },
  chunkLineTooLong: { status: 400, reason: 'chunk-line-too-long', doc: 'A chunk size line (with extensions) longer than 4096 bytes.' },
  headersTimeout: {
    status: 408,
    reason: 'headers-timeout',
    doc: 'The head did not arrive completely within `--header-timeout` (a slowloris client).',
  },
  bodyTimeout: { status: 408, reason: 'body-timeout', doc: 'The body stopped arriving for longer than `--body-timeout`.' },
  bodyTooLarge: {
    status: 413,
    reason: 'body-too-large',
    doc: 'The body (announced by Content-Length, or chunked so far) is larger than `--limit-request-body`.',
  },
  asteriskTarget: { status: 400, reason: 'asterisk-target-not-options', doc: 'The `*` target with a method other than OPTIONS.' },
  absoluteTarget: { status: 400, reason: 'bad-absolute-target', doc: 'An absolute-form target whose scheme is not http or https.' },
  badConnectTarget: {
    status: 400,
    reason: 'bad-connect-target',
    doc: 'A CONNECT request whose target is not authority-form `host:port` (RFC 9112 §3.2.3).',
  },
  underscoreHeader: {
    status: 400,
    reason: 'underscore-in-header-name',
    doc: 'A header name with `_` under `--header-map refuse` (the default, `drop`, drops the header instead).',
  },
  conflictingScheme: {
    status: 400,
    reason: 'conflicting-scheme-headers',
    doc: 'A trusted proxy sent scheme headers that disagree (X-Forwarded-Proto, X-Forwarded-SSL, Forwarded proto=).',
  },
  badProxyHeader: { status: 400, reason: 'bad-proxy-protocol-header', doc: 'An invalid PROXY protocol header with `--proxy-protocol`.' },
  parseError: { status: 400, reason: 'parse-error', doc: 'Any other input the parser cannot read as HTTP/1.x.' },
} as const satisfies Record<string, RefusalSpec>;

export type RefusalName = keyof typeof REFUSALS;

/** One shared ClientError per refusal (they carry no per-request state). */
export function refusalErrors(): { readonly [K in RefusalName]: ClientError } {
  const out = {} as Record<RefusalName, ClientError>;
  for (const [name, spec] of Object.entries(REFUSALS) as [RefusalName, RefusalSpec][])
    out[name] = new ClientError(spec.status, spec.reason);
  return out;
}
