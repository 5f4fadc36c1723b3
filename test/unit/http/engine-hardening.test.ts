/** Engine behaviour added for hardening: body limit, folding, header map, body timeout, sync buffering, proxies, counters, framing. */
import { describe, expect, it } from 'vitest';
import type { RequestHandler } from '../../../src/http/types.js';
import { requestClientAddress, requestOrigin, requestScheme } from '../../../src/app/request-origin.js';
import { withoutLengthBesideEncoding } from '../../../src/http/response.js';
import { OneAtATimeGate, echo, hello, sleep, engineHarness, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const harness = engineHarness();
const connect = harness.connect;

const limits = { requestLine: 4094, requestFields: 100, requestFieldSize: 8190, requestBody: 10 };

describe('--limit-request-body', () => {
  it('refuses a Content-Length over the limit before the app runs and before 100 Continue', async () => {
    let calls = 0;
    server = await harness.start(
      (req, res) => {
        calls++;
        echo(req, res);
      },
      { limits },
    );
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(413);
    expect(c.text).not.toContain('100 Continue');
    expect(await c.waitClose()).toBe(true);
    expect(calls).toBe(0);
    expect(server.engine.clientErrorCounts()).toEqual({ 'body-too-large': 1 });
  });

  it('refuses a chunked body once its announced total passes the limit, aborting the app’s request', async () => {
    let aborted = false;
    server = await harness.start(
      (req, res) => {
        req.on('error', () => (aborted = true));
        req.on('data', () => {});
        req.on('end', () => res.end('unexpected'));
      },
      { limits },
    );
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n');
    await sleep(30);
    c.write('5\r\nghijk\r\n0\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(413);
    expect(await c.waitClose()).toBe(true);
    await sleep(10);
    expect(aborted).toBe(true);
  });

  it('serves a body exactly at the limit', async () => {
    server = await harness.start(echo, { limits });
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.body).toBe('abcdefghij');
  });
});

describe('obsolete line folding and --header-map', () => {
  const show: RequestHandler = (req, res) => res.end(JSON.stringify({ h: req.rawHeaders, t: req.rawTrailers }));
  const consumeAndShow: RequestHandler = (req, res) => {
    req.resume();
    req.on('end', () => show(req, res));
  };

  it('joins folded lines with one space when permitted', async () => {
    server = await harness.start(show, { permitObsoleteFolding: true });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\nX-F: a\r\n \t b \r\n\tc\r\n\r\n');
    const [res] = await c.responses(1);
    expect(JSON.parse(res?.body ?? '{}').h).toEqual(['Host', 'x', 'X-F', 'a b c']);
  });

  it('drops the folded continuation of a dropped header with it', async () => {
    server = await harness.start(show, { permitObsoleteFolding: true });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\nX-Real-Ip: 192.0.2.1\r\nX_Real_Ip: a\r\n 198.51.100.7\r\nX-B: 1\r\n\r\n');
    const [res] = await c.responses(1);
    expect(JSON.parse(res?.body ?? '{}').h).toEqual(['Host', 'x', 'X-Real-Ip', '192.0.2.1', 'X-B', '1']);
  });

  it('drops underscore headers and trailers by default', async () => {
    server = await harness.start(consumeAndShow);
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nX_A: 1\r\nX-B: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT_1: a\r\nT-2: b\r\n\r\n');
    const [res] = await c.responses(1);
    expect(JSON.parse(res?.body ?? '{}')).toEqual({ h: ['Host', 'x', 'X-B', '2', 'Transfer-Encoding', 'chunked'], t: ['T-2', 'b'] });
  });

  it('still counts dropped headers against --limit-request-fields', async () => {
    server = await harness.start(show, { limits: { ...limits, requestFields: 3 } });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\nA_1: 1\r\nA_2: 2\r\nA_3: 3\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(431);
  });

  it('refuses them with 400 in refuse mode and passes them in dangerous mode', async () => {
    server = await harness.start(show, { headerMap: 'refuse' });
    let c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\nX_A: 1\r\n\r\n');
    expect((await c.responses(1))[0]?.status).toBe(400);
    expect(server.clientErrors.at(-1)?.reason).toBe('underscore-in-header-name');
    await server.close();
    server = await harness.start(show, { headerMap: 'dangerous' });
    c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\nX_A: 1\r\n\r\n');
    expect(JSON.parse((await c.responses(1))[0]?.body ?? '{}').h).toEqual(['Host', 'x', 'X_A', '1']);
  });
});

describe('--limit-request-field-size counted as gunicorn counts it', () => {
  const show: RequestHandler = (req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ h: req.rawHeaders.length / 2, t: req.rawTrailers.length / 2 })));
  };
  const field = (total: number): string => `X-L: ${'v'.repeat(total - 'X-L: '.length - 2)}\r\n`; // `total` bytes, CRLF included

  it('name, colon, value and CRLF: a field of exactly the limit passes, one byte more is 431', async () => {
    server = await harness.start(show, { limits: { ...limits, requestFieldSize: 64 } });
    let c = await connect();
    c.write(`GET / HTTP/1.1\r\nHost: x\r\n${field(64)}\r\n`);
    expect((await c.responses(1))[0]?.status).toBe(200);
    c = await connect();
    c.write(`GET / HTTP/1.1\r\nHost: x\r\n${field(65)}\r\n`);
    expect((await c.responses(1))[0]?.status).toBe(431);
    expect(server.clientErrors.at(-1)).toEqual({ status: 431, reason: 'header-field-too-long' });
  });

  it('trailers too', async () => {
    server = await harness.start(show, { limits: { ...limits, requestFieldSize: 64 } });
    let c = await connect();
    c.write(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${field(64)}\r\n`);
    expect(JSON.parse((await c.responses(1))[0]?.body ?? '{}')).toEqual({ h: 2, t: 1 });
    c = await connect();
    c.write(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${field(65)}\r\n`);
    expect((await c.responses(1))[0]?.status).toBe(431);
  });

  it('a folded field counts all its lines: 8 KiB then a fold is 431 with folding on, 400 without', async () => {
    server = await harness.start(show, { permitObsoleteFolding: true });
    let c = await connect();
    c.write(`GET / HTTP/1.1\r\nHost: x\r\n${field(8100)} ${'w'.repeat(87)}\r\n\r\n`); // 8100 + 90 = 8190
    expect((await c.responses(1))[0]?.status).toBe(200);
    c = await connect();
    c.write(`GET / HTTP/1.1\r\nHost: x\r\n${field(8100)} ${'w'.repeat(88)}\r\n\r\n`);
    expect((await c.responses(1))[0]?.status).toBe(431);
    await server.close();
    server = await harness.start(show);
    c = await connect();
    c.write(`GET / HTTP/1.1\r\nHost: x\r\n${field(8100)} w\r\n\r\n`);
    expect((await c.responses(1))[0]?.status).toBe(400);
    expect(server.clientErrors.at(-1)).toEqual({ status: 400, reason: 'obsolete-line-folding' });
  });
});

describe('body timeout', () => {
  it('answers 408 when the body stalls, and not while the app is the one not reading', async () => {
    server = await harness.start(
      (req, res) => {
        // Reads nothing for 300 ms (3 body timeouts), then everything.
        setTimeout(() => echo(req, res), 300);
      },
      { bodyTimeoutMs: 100 },
    );
    const big = 'x'.repeat(4 * 1024 * 1024);
    const c = await connect();
    c.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n${big}`);
    const [ok] = await c.responses(1, { timeoutMs: 5000 });
    expect(ok?.status).toBe(200);
    expect(ok?.body.length).toBe(big.length);

    const stalled = await connect();
    stalled.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    const [res] = await stalled.responses(1, { timeoutMs: 2000 });
    expect(res?.status).toBe(408);
    expect(server.clientErrors.at(-1)).toEqual({ status: 408, reason: 'body-timeout' });
  });
});

describe('sync body buffering (bufferBodyBytes)', () => {
  it('a request whose body trickles in does not take the gate; a complete one on another connection runs first', async () => {
    const gate = new OneAtATimeGate();
    const order: string[] = [];
    server = await harness.start(
      (req, res) => {
        order.push(`start ${req.url}`);
        echo(req, res);
      },
      { bufferBodyBytes: 1024 },
      gate,
    );
    const slow = await connect();
    slow.write('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc');
    await sleep(30);
    const fast = await connect();
    fast.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await fast.responses(1))[0]?.status).toBe(200);
    expect(order).toEqual(['start /fast']);
    slow.write('def');
    expect((await slow.responses(1))[0]?.body).toBe('abcdef');
    expect(order).toEqual(['start /fast', 'start /slow']);
  });

  it('hands a large body over once the buffer is full and streams the rest', async () => {
    let started = 0;
    server = await harness.start(
      (req, res) => {
        started++;
        echo(req, res);
      },
      { bufferBodyBytes: 1024 },
      new OneAtATimeGate(),
    );
    const c = await connect();
    c.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n${'a'.repeat(1500)}`);
    await sleep(50);
    expect(started).toBe(1);
    c.write('b'.repeat(1500));
    const [res] = await c.responses(1);
    expect(res?.body).toBe('a'.repeat(1500) + 'b'.repeat(1500));
  });

  it('does not wait for the body of an Expect: 100-continue request', async () => {
    server = await harness.start(echo, { bufferBodyBytes: 1024 }, new OneAtATimeGate());
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
    await c.until((t) => t.includes('100 Continue'));
    c.write('ok');
    expect((await c.responses(2))[1]?.body).toBe('ok');
  });

  it('keeps pipelined requests in order while one buffers its body', async () => {
    server = await harness.start((req, res) => setTimeout(() => echo(req, res), 10), { bufferBodyBytes: 1024 }, new OneAtATimeGate());
    const c = await connect();
    c.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab');
    await sleep(40);
    c.write('cdGET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
    const rs = await c.responses(3);
    expect(rs.map((r) => r.body)).toEqual(['', 'abcd', '']);
  });
});

describe('proxies through the engine', () => {
  const view: RequestHandler = (req, res) =>
    res.end(
      JSON.stringify({
        socket: req.socket.remoteAddress,
        port: req.socket.remotePort,
        client: requestClientAddress(req),
        scheme: requestScheme(req),
        origin: requestOrigin(req),
        xff: req.headers['x-forwarded-for'] ?? null,
      }),
    );
  const proxy = {
    forwardedAllowIps: ['127.0.0.1'],
    secureSchemeHeaders: [['X-Forwarded-Proto', 'https']] as const,
    proxyProtocol: true,
    proxyAllowFrom: ['127.0.0.1'],
  };

  it('takes the client from a PROXY v1 header sent one byte at a time, for every request on the connection', async () => {
    const records: string[] = [];
    server = await harness.start(view, { proxy }, undefined, { onRequestDone: (r) => records.push(r.remoteAddress) });
    const c = await connect();
    await c.writeSlowly('PROXY TCP4 198.51.100.4 127.0.0.1 5555 80\r\nGET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
    c.write('GET /2 HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\n\r\n');
    const rs = await c.responses(2);
    // The PROXY source (198.51.100.4) is not in --forwarded-allow-ips: its X-Forwarded-Proto is removed.
    expect(rs.map((r) => JSON.parse(r.body))).toEqual([
      { socket: '198.51.100.4', port: 5555, client: '198.51.100.4', scheme: 'http', origin: 'http://x', xff: null },
      { socket: '198.51.100.4', port: 5555, client: '198.51.100.4', scheme: 'http', origin: 'http://x', xff: null },
    ]);
    expect(records).toEqual(['198.51.100.4', '198.51.100.4']);
  });

  it('refuses a connection from a --proxy-allow-from peer without a PROXY header', async () => {
    server = await harness.start(view, { proxy });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.responses(1))[0]?.status).toBe(400);
    expect(server.engine.clientErrorCounts()).toEqual({ 'bad-proxy-protocol-header': 1 });
  });

  it('believes forwarded headers from a trusted peer and reports their client to the access log', async () => {
    const records: string[] = [];
    server = await harness.start(view, { proxy: { ...proxy, proxyProtocol: false } }, undefined, {
      onRequestDone: (r) => records.push(r.remoteAddress),
    });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.8\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: pub.test\r\n\r\n');
    const [res] = await c.responses(1);
    expect(JSON.parse(res?.body ?? '{}')).toEqual({
      socket: '127.0.0.1',
      port: c.socket.localPort,
      client: '203.0.113.8',
      scheme: 'https',
      origin: 'https://pub.test',
      xff: '203.0.113.8',
    });
    expect(records).toEqual(['203.0.113.8']);
  });

  it('with no trusted peer configured, removes forwarding headers from everyone', async () => {
    server = await harness.start(view);
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.8\r\nX-Forwarded-Proto: https\r\n\r\n');
    expect(JSON.parse((await c.responses(1))[0]?.body ?? '{}')).toMatchObject({ client: '127.0.0.1', scheme: 'http', xff: null });
  });
});

describe('response framing', () => {
  it('never sends Content-Length beside Transfer-Encoding, whichever way the app set them', async () => {
    server = await harness.start((req, res) => {
      if (req.url === '/set') {
        res.setHeader('Content-Length', '5');
        res.setHeader('Transfer-Encoding', 'chunked');
        res.end('hello');
      } else if (req.url === '/object') {
        res.writeHead(200, { 'content-length': '5', 'Transfer-Encoding': 'chunked' });
        res.end('hello');
      } else {
        res.writeHead(200, ['Content-Length', '5', 'Transfer-Encoding', 'chunked']);
        res.end('hello');
      }
    });
    for (const path of ['/set', '/object', '/array']) {
      const c = await connect();
      c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const [res] = await c.responses(1);
      expect(res?.headers['content-length'], path).toBeUndefined();
      expect(res?.headers['transfer-encoding'], path).toBe('chunked');
      expect(res?.body, path).toBe('hello');
    }
  });

  it('withoutLengthBesideEncoding leaves ordinary headers alone (same object)', () => {
    const plain = { 'Content-Length': '3', 'X-A': '1' };
    expect(withoutLengthBesideEncoding(plain)).toBe(plain);
    const nested = [
      ['Content-Length', '3'],
      ['transfer-encoding', 'chunked'],
    ];
    expect(withoutLengthBesideEncoding(nested)).toEqual([['transfer-encoding', 'chunked']]);
  });
});

describe('refusal counters', () => {
  it('counts each refusal once by reason', async () => {
    server = await harness.start(hello);
    for (const raw of ['GET / HTTP/1.1\r\n\r\n', 'GET / HTTP/1.1\r\n\r\n', 'GET / HTTP/3.0\r\nHost: x\r\n\r\n']) {
      const c = await connect();
      c.write(raw);
      await c.waitClose();
    }
    expect(server.engine.clientErrorCounts()).toEqual({ 'missing-host': 2, 'http-version-not-supported': 1 });
  });
});
