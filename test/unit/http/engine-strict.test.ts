import { describe, expect, it } from 'vitest';
import { hello, engineHarness, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const harness = engineHarness();
const connect = harness.connect;

/** Send `raw`, expect one refusal with `status`, the connection closed, and a new connection still served. */
async function expectRefused(raw: string | Buffer, status: number, reason?: string): Promise<void> {
  const c = await connect();
  c.write(raw);
  const [res] = await c.responses(1);
  expect(res?.status).toBe(status);
  expect(res?.headers.connection).toBe('close');
  expect(res?.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(res?.body).toMatch(new RegExp(`^${status} `));
  expect(await c.waitClose()).toBe(true);
  if (reason !== undefined) expect(server?.clientErrors.at(-1)).toEqual({ status, reason });
  const ok = await connect();
  ok.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
  const [good] = await ok.responses(1);
  expect(good?.status).toBe(200);
}

describe('HttpEngine: malformed requests', () => {
  const cases: [string, string, number, string][] = [
    ['garbage request line', 'HELLO\r\n\r\n', 400, 'bad-request-line'],
    ['HTTP/0.9 style request line', 'GET /\r\n\r\n', 400, 'bad-request-line'],
    ['space in the target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad-request-target'],
    ['control character in the target', 'GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'control-character'],
    ['DEL in the target', 'GET /caf\x7f HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'control-character'],
    ['method that is not a token', 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad-method'],
    ['lowercase http version', 'GET / http/1.1\r\nHost: x\r\n\r\n', 400, 'bad-http-version'],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505, 'http-version-not-supported'],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: x\r\n\r\n', 505, 'http-version-not-supported'],
    ['bare LF line endings', 'GET / HTTP/1.1\nHost: x\n\n', 400, 'bare-lf'],
    ['bare LF in a header line', 'GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n', 400, 'bare-lf'],
    ['bare CR', 'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n', 400, 'bare-cr'],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400, 'bad-header-name'],
    ['space inside a header name', 'GET / HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n', 400, 'bad-header-name'],
    ['header line without colon', 'GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n', 400, 'bad-header-name'],
    ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 400, 'control-character'],
    ['control character in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x1bb\r\n\r\n', 400, 'control-character'],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n  b\r\n\r\n', 400, 'obsolete-line-folding'],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\nX: y\r\n\r\n', 400, 'missing-host'],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'duplicate-host'],
    [
      'Content-Length and Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      400,
      'content-length-with-transfer-encoding',
    ],
    [
      'differing Content-Length headers',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
      400,
      'conflicting-content-length',
    ],
    [
      'Content-Length list with differing values',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nab',
      400,
      'bad-content-length',
    ],
    ['Content-Length list with equal values', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc', 400, 'bad-content-length'],
    [
      'repeated identical Content-Length',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
      400,
      'conflicting-content-length',
    ],
    [
      'forbidden trailer field',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 1\r\n\r\n',
      400,
      'forbidden-trailer-field',
    ],
    ['CONNECT without a port', 'CONNECT example.com HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad-connect-target'],
    ['non-digit Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc', 400, 'bad-content-length'],
    ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400, 'bad-content-length'],
    [
      'Transfer-Encoding not ending in chunked',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
      400,
      'chunked-not-final',
    ],
    ['Transfer-Encoding gzip only', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', 400, 'chunked-not-final'],
    [
      'unknown transfer coding',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo, chunked\r\n\r\n',
      501,
      'unsupported-transfer-coding',
    ],
    [
      'Transfer-Encoding in HTTP/1.0',
      'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'transfer-encoding-in-http-1.0',
    ],
    ['bad chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'bad-chunk-size'],
    ['negative chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n', 400, 'bad-chunk-size'],
    [
      'chunk data longer than its size',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
      400,
      'bad-chunk-terminator',
    ],
    ['bare LF in chunk framing', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n', 400, 'bare-lf'],
  ];
  for (const [name, raw, status, reason] of cases) {
    it(`${name} → ${status}, closed, next connection served`, async () => {
      server = await harness.start(hello);
      await expectRefused(raw, status, reason);
    });
  }

  it('passes methods outside http-parser-js’s table to the app', async () => {
    server = await harness.start((req, res) => res.end(`method ${req.method}`));
    const c = await connect();
    c.write('QUERY /q HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nget /lower HTTP/1.1\r\nHost: x\r\n\r\n');
    const rs = await c.responses(2);
    expect(rs.map((r) => r.body)).toEqual(['method QUERY', 'method get']);
  });

  it('keeps bytes >= 0x80 in the target: req.url is their latin1 string', async () => {
    server = await harness.start((req, res) => res.end(Buffer.from(String(req.url), 'latin1')));
    const c = await connect();
    c.write(Buffer.from('GET /caf\xc3\xa9?q=\xff HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
    const [res] = await c.responses(1);
    expect(res?.status).toBe(200);
    expect(res?.body).toBe('/caf\xc3\xa9?q=\xff');
  });

  it('passes CONNECT to the app with the authority as req.url, then closes', async () => {
    server = await harness.start((req, res) => res.end(`${req.method} ${req.url}`));
    const c = await connect();
    c.write('CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.body).toBe('CONNECT [::1]:443');
    expect(res?.headers.connection).toBe('close');
    expect(await c.waitClose()).toBe(true);
  });

  it('ignores empty lines before a request line', async () => {
    server = await harness.start(hello);
    const c = await connect();
    c.write('\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.body).toBe('hello /x');
  });

  it('keeps obs-text in header values as latin1', async () => {
    server = await harness.start((req, res) => res.end(Buffer.from(String(req.headers['x-name']), 'latin1')));
    const c = await connect();
    c.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\xe9\r\n\r\n', 'latin1'));
    const [res] = await c.responses(1);
    expect(res?.body).toBe('caf\xe9');
  });

  it('serves an Upgrade request nobody listens for as an ordinary request, then closes (node:http reads nothing after it)', async () => {
    server = await harness.start((req, res) => {
      res.end(`upgrade=${String((req as unknown as { upgrade: unknown }).upgrade)} ${req.headers.upgrade}`);
    });
    const c = await connect();
    c.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.body).toBe('upgrade=false websocket');
    expect(res?.headers.connection).toBe('close');
    expect(await c.waitClose()).toBe(true);
    expect(c.text.split('HTTP/1.1 200').length - 1).toBe(1); // /next never answered
  });

  it('answers the pipelined requests before a malformed one, then refuses it', async () => {
    server = await harness.start((req, res) => setTimeout(() => hello(req, res), 20));
    const c = await connect();
    c.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost : x\r\n\r\n');
    const rs = await c.responses(3);
    expect(rs.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(rs.map((r) => r.body.trim())).toEqual(['hello /1', 'hello /2', '400 Bad Request']);
    expect(await c.waitClose()).toBe(true);
  });
});

describe('HttpEngine: limits', () => {
  const limits = { requestLine: 64, requestFields: 4, requestFieldSize: 32, requestBody: 0 };

  it('request line longer than the limit → 414', async () => {
    server = await harness.start(hello, { limits });
    await expectRefused(`GET /${'a'.repeat(80)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'request-line-too-long');
  });

  it('a request line of exactly the limit is served', async () => {
    server = await harness.start(hello, { limits });
    const line = `GET /${'a'.repeat(64 - 'GET / HTTP/1.1'.length)} HTTP/1.1`;
    expect(line.length).toBe(64);
    const c = await connect();
    c.write(`${line}\r\nHost: x\r\n\r\n`);
    const [res] = await c.responses(1);
    expect(res?.status).toBe(200);
  });

  it('request line sent one byte per segment → 414 as soon as it is too long', async () => {
    server = await harness.start(hello, { limits });
    const c = await connect();
    const line = `GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const sent = await c.writeSlowly(line, () => c.text.length > 0);
    const [res] = await c.responses(1);
    expect(res?.status).toBe(414);
    expect(await c.waitClose()).toBe(true);
    // Refused once byte 65 of the line arrived, long before its end (byte 206).
    expect(sent).toBeGreaterThan(64);
    expect(sent).toBeLessThan(120);
    expect(server.clientErrors).toEqual([{ status: 414, reason: 'request-line-too-long' }]);
  });

  it('exactly-the-limit request line split over segments, CR and LF apart, is served', async () => {
    server = await harness.start(hello, { limits });
    const line = `GET /${'b'.repeat(64 - 'GET / HTTP/1.1'.length)} HTTP/1.1`;
    const c = await connect();
    await c.writeSlowly(`${line}\r\nHost: x\r\n\r\n`);
    const [res] = await c.responses(1);
    expect(res?.status).toBe(200);
  });

  it('more header fields than the limit → 431', async () => {
    server = await harness.start(hello, { limits });
    await expectRefused('GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n', 431, 'too-many-headers');
  });

  it('a header field line longer than the limit → 431', async () => {
    server = await harness.start(hello, { limits });
    await expectRefused(`GET / HTTP/1.1\r\nHost: x\r\nX-Long: ${'v'.repeat(40)}\r\n\r\n`, 431, 'header-field-too-long');
  });

  it('a long header field sent in 1-byte segments → 431', async () => {
    server = await harness.start(hello, { limits });
    const c = await connect();
    await c.writeSlowly(`GET / HTTP/1.1\r\nX-Long: ${'v'.repeat(100)}\r\n\r\n`, () => c.text.length > 0);
    const [res] = await c.responses(1);
    expect(res?.status).toBe(431);
  });

  it('0 means unlimited', async () => {
    server = await harness.start(hello, { limits: { requestLine: 0, requestFields: 0, requestFieldSize: 0, requestBody: 0 } });
    const c = await connect();
    const fields = Array.from({ length: 300 }, (_, i) => `X-${i}: ${'v'.repeat(200)}\r\n`).join('');
    c.write(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n${fields}\r\n`);
    const [res] = await c.responses(1);
    expect(res?.status).toBe(200);
  });
});
