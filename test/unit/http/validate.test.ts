import { describe, expect, it } from 'vitest';
import {
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
  CHUNK_EXT_INVALID,
  ERR,
  LENGTH_INVALID,
  addFieldLine,
  connectionFlags,
  inspectHead,
  isToken,
  newHeadFacts,
  parseChunkSize,
  parseContentLength,
  isAuthorityForm,
  isForbiddenTrailer,
  trimOws,
  parseRequestLine,
  type RequestLineParts,
} from '../../../src/http/validate.js';

function requestLine(line: string): RequestLineParts | string {
  const out: RequestLineParts = { method: '', url: '', versionMinor: -1 };
  const err = parseRequestLine(line, out);
  return err === null ? out : `${err.status} ${err.reason}`;
}

function head(raw: string[], minor = 1): ReturnType<typeof newHeadFacts> | string {
  const facts = newHeadFacts();
  const err = inspectHead(raw, minor, facts);
  return err === null ? facts : `${err.status} ${err.reason}`;
}

describe('isToken', () => {
  it('accepts tchar and refuses separators, spaces, controls and non-ASCII', () => {
    expect(isToken("GET-x_1.~!#$%&'*+^`|")).toBe(true);
    for (const bad of ['', 'a b', 'a:b', 'a(b', 'a"b', 'a\tb', 'a\x00', 'caf\u00e9', 'a/b', 'a@b', 'a{b}']) {
      expect(isToken(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('parseRequestLine', () => {
  it('splits a valid line', () => {
    expect(requestLine('GET /a?b=c HTTP/1.1')).toEqual({ method: 'GET', url: '/a?b=c', versionMinor: 1 });
    expect(requestLine('OPTIONS * HTTP/1.0')).toEqual({ method: 'OPTIONS', url: '*', versionMinor: 0 });
    expect(requestLine('GET http://h/p HTTP/1.1')).toEqual({ method: 'GET', url: 'http://h/p', versionMinor: 1 });
    expect(requestLine('GET HTTPS://h:8443 HTTP/1.1')).toEqual({ method: 'GET', url: 'HTTPS://h:8443', versionMinor: 1 });
  });

  it('allows each request-target form only where it belongs', () => {
    expect(requestLine('GET * HTTP/1.1')).toBe('400 asterisk-target-not-options');
    expect(requestLine('OPTIONS *x HTTP/1.1')).toBe('400 bad-request-target');
    expect(requestLine('GET example.com:443 HTTP/1.1')).toBe('400 bad-request-target');
    expect(requestLine('GET a/b HTTP/1.1')).toBe('400 bad-request-target');
    expect(requestLine('GET ftp://h/p HTTP/1.1')).toBe('400 bad-absolute-target');
    expect(requestLine('GET http:///p HTTP/1.1')).toBe('400 bad-absolute-target');
    expect(requestLine('GET http:// HTTP/1.1')).toBe('400 bad-absolute-target');
    // CONNECT: authority-form only, passed to the app (which answers as it sees fit).
    expect(requestLine('CONNECT example.com:443 HTTP/1.1')).toEqual({ method: 'CONNECT', url: 'example.com:443', versionMinor: 1 });
    expect(requestLine('CONNECT [::1]:443 HTTP/1.1')).toMatchObject({ url: '[::1]:443' });
    expect(requestLine('CONNECT [2001:db8::1.2.3.4]:1 HTTP/1.1')).toMatchObject({ url: '[2001:db8::1.2.3.4]:1' });
    expect(requestLine('CONNECT 127.0.0.1:65535 HTTP/1.1')).toMatchObject({ url: '127.0.0.1:65535' });
    expect(requestLine('CONNECT xn--caf-dma.example:8080 HTTP/1.1')).toMatchObject({ url: 'xn--caf-dma.example:8080' });
    for (const bad of [
      '/',
      '*',
      'example.com',
      'example.com:',
      ':443',
      'example.com:65536',
      'example.com:123456',
      'example.com:4a3',
      'user@example.com:443',
      'example.com:443/x',
      'http://example.com:443',
      '[::1]',
      '[::1:443',
      '[zz]:443',
      'caf\u00e9.example:443',
    ]) {
      expect(requestLine(`CONNECT ${bad} HTTP/1.1`), bad).toBe('400 bad-connect-target');
    }
  });

  it('keeps bytes >= 0x80 in the target, one latin1 char per byte', () => {
    expect(requestLine('GET /caf\u00c3\u00a9 HTTP/1.1')).toMatchObject({ url: '/caf\u00c3\u00a9' });
    expect(requestLine('GET /\u00ff?\u0080 HTTP/1.1')).toMatchObject({ url: '/\u00ff?\u0080' });
    expect(isAuthorityForm('h\u00e9:1')).toBe(false);
  });

  it('accepts any token as a method, including ones http-parser-js does not know', () => {
    expect(requestLine('QUERY / HTTP/1.1')).toMatchObject({ method: 'QUERY' });
    expect(requestLine('get / HTTP/1.1')).toMatchObject({ method: 'get' });
    expect(requestLine('X-CUSTOM.1 / HTTP/1.1')).toMatchObject({ method: 'X-CUSTOM.1' });
  });

  it('refuses malformed lines with the right reason', () => {
    expect(requestLine('GET')).toBe('400 bad-request-line');
    expect(requestLine('GET /')).toBe('400 bad-request-line');
    expect(requestLine(' GET / HTTP/1.1')).toBe('400 bad-method');
    expect(requestLine('GE(T / HTTP/1.1')).toBe('400 bad-method');
    expect(requestLine('GET  / HTTP/1.1')).toBe('400 bad-request-target');
    expect(requestLine('GET /a b HTTP/1.1')).toBe('400 bad-request-target');
    expect(requestLine('GET /\x7f HTTP/1.1')).toBe('400 bad-request-target');
    expect(requestLine('GET / HTTP/1.1 ')).toBe('400 bad-request-target'); // the last space ends the target
    expect(requestLine('GET / http/1.1')).toBe('400 bad-http-version');
    expect(requestLine('GET / HTTP/1.10')).toBe('400 bad-http-version');
    expect(requestLine('GET / HTTP/1')).toBe('400 bad-http-version');
    expect(requestLine('GET / HTTP/x.1')).toBe('400 bad-http-version');
  });

  it('answers 505 to other HTTP versions', () => {
    expect(requestLine('GET / HTTP/2.0')).toBe('505 http-version-not-supported');
    expect(requestLine('GET / HTTP/1.2')).toBe('505 http-version-not-supported');
    expect(requestLine('GET / HTTP/0.9')).toBe('505 http-version-not-supported');
  });
});

describe('addFieldLine', () => {
  it('splits and trims', () => {
    const fields: string[] = [];
    expect(addFieldLine('Host: example.com', fields)).toBeNull();
    expect(addFieldLine('X-Empty:', fields)).toBeNull();
    expect(addFieldLine('X-Pad: \t v a l \t ', fields)).toBeNull();
    expect(addFieldLine('X-Colon: a:b', fields)).toBeNull();
    expect(fields).toEqual(['Host', 'example.com', 'X-Empty', '', 'X-Pad', 'v a l', 'X-Colon', 'a:b']);
  });

  it('refuses bad names and obsolete folding', () => {
    expect(addFieldLine(' folded', [])).toBe(ERR.obsFold);
    expect(addFieldLine('\tfolded', [])).toBe(ERR.obsFold);
    expect(addFieldLine('Host : x', [])).toBe(ERR.badFieldName);
    expect(addFieldLine('Ho st: x', [])).toBe(ERR.badFieldName);
    expect(addFieldLine(': x', [])).toBe(ERR.badFieldName);
    expect(addFieldLine('no colon', [])).toBe(ERR.badFieldName);
    expect(addFieldLine('X\u00e9: x', [])).toBe(ERR.badFieldName);
  });
});

describe('parseContentLength', () => {
  it('reads digits', () => {
    expect(parseContentLength('0')).toBe(0);
    expect(parseContentLength('1234')).toBe(1234);
    expect(parseContentLength('005')).toBe(5);
    expect(parseContentLength('999999999999999')).toBe(999999999999999);
  });

  it('refuses anything else, lists of equal values included', () => {
    for (const bad of [
      '',
      ' ',
      '+5',
      '-5',
      '5a',
      '0x10',
      '1.5',
      '5,',
      ',5',
      '1 2',
      '9999999999999999',
      '5, 5',
      '5,5',
      '1, 2',
      '5\u00a0',
      '\u00a05',
      '\uff15',
    ]) {
      expect(parseContentLength(bad), JSON.stringify(bad)).toBe(LENGTH_INVALID);
    }
  });
});

describe('trimOws', () => {
  it('strips SP and HTAB only', () => {
    expect(trimOws(' \t a b \t')).toBe('a b');
    expect(trimOws('x')).toBe('x');
    expect(trimOws('')).toBe('');
    expect(trimOws('\u00a0chunked\u00a0')).toBe('\u00a0chunked\u00a0');
    expect(trimOws('\u2003x\ufeff')).toBe('\u2003x\ufeff');
  });
});

describe('isForbiddenTrailer', () => {
  it('refuses framing, routing, control and authentication fields, in any case', () => {
    for (const name of [
      'Content-Length',
      'transfer-encoding',
      'HOST',
      'Trailer',
      'TE',
      'Connection',
      'Upgrade',
      'Expect',
      'Max-Forwards',
      'Authorization',
      'Proxy-Authorization',
      'If-None-Match',
      'Range',
      'Cache-Control',
    ]) {
      expect(isForbiddenTrailer(name), name).toBe(true);
    }
    for (const name of ['X-Checksum', 'Expires', 'Content-Type', 'Vary', 'Server-Timing', 'Content-MD5', 'Digest']) {
      expect(isForbiddenTrailer(name), name).toBe(false);
    }
  });
});

describe('parseChunkSize', () => {
  it('reads hex sizes with optional extensions', () => {
    expect(parseChunkSize('0')).toBe(0);
    expect(parseChunkSize('a')).toBe(10);
    expect(parseChunkSize('FF')).toBe(255);
    expect(parseChunkSize('1f;name=value')).toBe(31);
    expect(parseChunkSize('10 ; ext')).toBe(16);
    expect(parseChunkSize('000000000000000000001')).toBe(1);
    expect(parseChunkSize('fffffffffffff')).toBe(2 ** 52 - 1);
  });

  it('refuses what http-parser-js would misread', () => {
    for (const bad of ['', 'zz', '-5', '+5', '0x10', ' 5', '5 ', '5 x', '5\t', 'g', '10000000000000', 'ffffffffffffffffffff']) {
      expect(parseChunkSize(bad), JSON.stringify(bad)).toBe(-1);
    }
  });

  it('checks extensions: token names, token or quoted-string values', () => {
    expect(parseChunkSize('5;a')).toBe(5);
    expect(parseChunkSize('5 ; a = b ; c="x;y\\"z"')).toBe(5);
    expect(parseChunkSize('5;a=b;c')).toBe(5);
    for (const bad of ['5;', '5;;a', '5;a=', '5;a=b c', '5;a b', '5;a="x', '5;(a)', '5;a=b,c', '5;a=@']) {
      expect(parseChunkSize(bad), JSON.stringify(bad)).toBe(CHUNK_EXT_INVALID);
    }
  });
});

describe('connectionFlags', () => {
  it('finds close and keep-alive tokens, case-insensitively', () => {
    expect(connectionFlags('close')).toBe(CONNECTION_CLOSE);
    expect(connectionFlags('Keep-Alive')).toBe(CONNECTION_KEEP_ALIVE);
    expect(connectionFlags('Upgrade, CLOSE')).toBe(CONNECTION_CLOSE);
    expect(connectionFlags('keep-alive, Upgrade')).toBe(CONNECTION_KEEP_ALIVE);
    expect(connectionFlags('closed, keep-alives')).toBe(0);
  });
});

describe('inspectHead', () => {
  it('reads framing, keep-alive and expect', () => {
    expect(head(['Host', 'x'])).toEqual({ contentLength: 0, chunked: false, keepAlive: true, expectContinue: false });
    expect(head(['host', 'x', 'content-LENGTH', '12'])).toMatchObject({ contentLength: 12, chunked: false });
    expect(head(['Host', 'x', 'Transfer-Encoding', 'chunked'])).toMatchObject({ chunked: true });
    expect(head(['Host', 'x', 'Transfer-Encoding', 'gzip', 'Transfer-Encoding', 'Chunked'])).toMatchObject({ chunked: true });
    expect(head(['Host', 'x', 'Transfer-Encoding', 'gzip, , chunked'])).toMatchObject({ chunked: true });
    expect(head(['Host', 'x', 'Transfer-Encoding', ' \tchunked\t '])).toMatchObject({ chunked: true });
    expect(
      head([
        'Host',
        'x',
        'Content-Length',
        '5',
        'Content-Type',
        'a/b',
        'User-Agent',
        'u',
        'Cookie',
        'a',
        'Cookie',
        'b',
        'Accept',
        'x',
        'Accept',
        'y',
      ]),
    ).toMatchObject({
      contentLength: 5,
    });
    expect(head(['Host', 'x', 'Connection', 'close'])).toMatchObject({ keepAlive: false });
    expect(head(['Host', 'x', 'Expect', '100-Continue'])).toMatchObject({ expectContinue: true });
  });

  it('HTTP/1.0: keep-alive only when asked, Host optional, Expect ignored', () => {
    expect(head([], 0)).toMatchObject({ keepAlive: false });
    expect(head(['Connection', 'keep-alive'], 0)).toMatchObject({ keepAlive: true });
    expect(head(['Connection', 'keep-alive, close'], 0)).toMatchObject({ keepAlive: false });
    expect(head(['Expect', 'whatever'], 0)).toMatchObject({ expectContinue: false });
    expect(head(['Host', 'a', 'Host', 'b'], 0)).toBe('400 duplicate-host');
  });

  it('refuses what the engine must refuse', () => {
    expect(head([])).toBe('400 missing-host');
    expect(head(['Host', 'a', 'HOST', 'a'])).toBe('400 duplicate-host');
    expect(head(['Host', 'x', 'Content-Length', '1', 'Transfer-Encoding', 'chunked'])).toBe('400 content-length-with-transfer-encoding');
    expect(head(['Host', 'x', 'Content-Length', '1', 'Content-Length', '2'])).toBe('400 conflicting-content-length');
    expect(head(['Host', 'x', 'Content-Length', '1', 'Content-Length', '1'])).toBe('400 conflicting-content-length');
    expect(head(['Host', 'x', 'Content-Length', '1, 2'])).toBe('400 bad-content-length');
    expect(head(['Host', 'x', 'Content-Length', '5, 5'])).toBe('400 bad-content-length');
    expect(head(['Host', 'x', 'Content-Length', 'abc'])).toBe('400 bad-content-length');
    expect(head(['Host', 'x', 'Transfer-Encoding', 'chunked, gzip'])).toBe('400 chunked-not-final');
    expect(head(['Host', 'x', 'Transfer-Encoding', 'chunked, chunked'])).toBe('400 chunked-not-final');
    expect(head(['Host', 'x', 'Transfer-Encoding', 'gzip'])).toBe('400 chunked-not-final');
    expect(head(['Host', 'x', 'Transfer-Encoding', ''])).toBe('400 bad-transfer-encoding');
    expect(head(['Host', 'x', 'Transfer-Encoding', 'br, chunked'])).toBe('501 unsupported-transfer-coding');
    expect(head(['Transfer-Encoding', 'chunked'], 0)).toBe('400 transfer-encoding-in-http-1.0');
    expect(head(['Host', 'x', 'Expect', '100-continue, foo'])).toBe('417 unsupported-expectation');
    expect(head(['Host', 'x', 'Expect', '100-continue\u00a0'])).toBe('417 unsupported-expectation');
  });

  it('Transfer-Encoding: only SP/HTAB are OWS, chunked takes no parameters', () => {
    for (const te of [
      'chunked;foo=bar',
      'chunked ;foo=bar',
      'chunked; q=1',
      'chunked\u00a0',
      '\u00a0chunked',
      'gzip\u00a0, chunked',
      '"chunked"',
      'chunked\ufeff',
    ]) {
      expect(head(['Host', 'x', 'Transfer-Encoding', te]), JSON.stringify(te)).toBe('400 bad-transfer-encoding');
    }
  });

  it('Transfer-Encoding: identity is a no-op before chunked, and alone leaves Content-Length framing and a close', () => {
    expect(head(['Host', 'x', 'Transfer-Encoding', 'identity, chunked'])).toMatchObject({ chunked: true, keepAlive: true });
    expect(head(['Host', 'x', 'Transfer-Encoding', 'identity', 'Transfer-Encoding', 'chunked'])).toMatchObject({ chunked: true });
    expect(head(['Host', 'x', 'Transfer-Encoding', 'Identity', 'Content-Length', '5'])).toEqual({
      contentLength: 5,
      chunked: false,
      keepAlive: false,
      expectContinue: false,
    });
    expect(head(['Host', 'x', 'Transfer-Encoding', 'identity'])).toEqual({
      contentLength: 0,
      chunked: false,
      keepAlive: false,
      expectContinue: false,
    });
    expect(head(['Host', 'x', 'Transfer-Encoding', 'chunked, identity'])).toBe('400 chunked-not-final');
    expect(head(['Host', 'x', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'identity'])).toBe('400 chunked-not-final');
    expect(head(['Host', 'x', 'Transfer-Encoding', 'identity, gzip'])).toBe('400 chunked-not-final');
    expect(head(['Host', 'x', 'Transfer-Encoding', 'identity, chunked', 'Content-Length', '5'])).toBe(
      '400 content-length-with-transfer-encoding',
    );
    expect(head(['Transfer-Encoding', 'identity', 'Content-Length', '5'], 0)).toBe('400 transfer-encoding-in-http-1.0');
  });

  it('refuses a second singleton field (node:http would keep only the first)', () => {
    for (const name of [
      'Content-Type',
      'authorization',
      'Proxy-Authorization',
      'From',
      'Referer',
      'User-Agent',
      'Max-Forwards',
      'If-Modified-Since',
      'If-Unmodified-Since',
    ]) {
      expect(head(['Host', 'x', name, 'a', 'X-Other', 'b', name.toUpperCase(), 'a']), name).toBe('400 duplicate-singleton-field');
      expect(head(['Host', 'x', name, 'a'])).toMatchObject({ chunked: false });
    }
  });

  it('ignores Upgrade (not supported yet: served as an ordinary request)', () => {
    expect(head(['Host', 'x', 'Connection', 'Upgrade', 'Upgrade', 'websocket'])).toMatchObject({ keepAlive: true, chunked: false });
  });
});
