import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { echo, hello, parseResponses, sleep, engineHarness, waitFor, type TestServer } from './helpers.js';

function parseResponsesCount(text: string): number {
  return parseResponses(text).length;
}
import type { RequestRecord } from '../../../src/http/types.js';

let server: TestServer | undefined;
const harness = engineHarness();
const connect = harness.connect;
const sockets: net.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

describe('HttpEngine: requests and keep-alive', () => {
  it('answers a GET with 200 and keeps the connection open', async () => {
    server = await harness.start(hello);
    const c = await connect();
    c.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(200);
    expect(res?.body).toBe('hello /a');
    expect(res?.headers.connection).toBe('keep-alive');
    expect(res?.headers['keep-alive']).toBe('timeout=2');
    expect(res?.headers.date).toBeDefined();
    expect(await c.waitClose(200)).toBe(false);
  });

  it('serves two keep-alive requests on one socket', async () => {
    server = await harness.start(hello);
    const c = await connect();
    c.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.responses(1);
    c.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    const rs = await c.responses(2);
    expect(rs.map((r) => r.body)).toEqual(['hello /1', 'hello /2']);
    expect(server.engine.connectionCount).toBe(1);
  });

  it('answers three pipelined requests in one write, in order', async () => {
    const order: string[] = [];
    server = await harness.start((req, res) => {
      order.push(req.url ?? '');
      // The first one is the slowest: responses must still come back in request order.
      const delay = req.url === '/1' ? 50 : 0;
      setTimeout(() => hello(req, res), delay);
    });
    const c = await connect();
    c.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
    const rs = await c.responses(3);
    expect(rs.map((r) => r.body)).toEqual(['hello /1', 'hello /2', 'hello /3']);
    expect(order).toEqual(['/1', '/2', '/3']);
  });

  it('dispatches pipelined requests one at a time while the app is busy', async () => {
    let started = 0;
    const finishers: (() => void)[] = [];
    server = await harness.start((req, res) => {
      started++;
      finishers.push(() => hello(req, res));
    });
    const c = await connect();
    c.write(Array.from({ length: 20 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    for (let i = 0; i < 20; i++) {
      await waitFor(() => finishers.length > 0);
      await sleep(2);
      expect(started).toBe(i + 1);
      finishers.shift()?.();
    }
    const rs = await c.responses(20);
    expect(rs.map((r) => r.body)).toEqual(Array.from({ length: 20 }, (_, i) => `hello /${i}`));
  });

  it('echoes a chunked request body and exposes its trailers', async () => {
    server = await harness.start(echo);
    const c = await connect();
    c.write('POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    c.write('5\r\nhello\r\n');
    await sleep(10);
    c.write('7;ext=1\r\n, world\r\n0\r\nX-Sum: 42\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(200);
    expect(res?.body).toBe('hello, world');
    expect(res?.headers['x-method']).toBe('POST');
    expect(JSON.parse(res?.headers['x-trailers'] ?? '{}')).toEqual({ 'x-sum': '42' });
  });

  it('echoes a Content-Length body sent in pieces', async () => {
    server = await harness.start(echo);
    const c = await connect();
    c.write('PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234');
    await sleep(10);
    c.write('56789GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
    const rs = await c.responses(2);
    expect(rs[0]?.body).toBe('0123456789');
    expect(rs[1]?.body).toBe('');
    expect(rs[1]?.headers['x-method']).toBe('GET');
  });

  it('streams a large body with backpressure', async () => {
    server = await harness.start((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        req.pause();
        setTimeout(() => req.resume(), 1);
      });
      req.on('end', () => res.end(String(n)));
    });
    const c = await connect();
    const size = 4 * 1024 * 1024;
    c.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
    c.write(Buffer.alloc(size, 97));
    const [res] = await c.responses(1, { timeoutMs: 10_000 });
    expect(res?.body).toBe(String(size));
  });

  it('streams a large response, honouring write() backpressure and drain', async () => {
    const total = 8 * 1024 * 1024;
    let drains = 0;
    server = await harness.start((_req, res) => {
      res.setHeader('Content-Length', total);
      const chunk = Buffer.alloc(64 * 1024, 98);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', () => {
              drains++;
              pump();
            });
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const c = await connect();
    c.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => c.length >= total + 40, 15_000);
    const [res] = await c.responses(1);
    expect(res?.body.length).toBe(total);
    expect(drains).toBeGreaterThan(0);
  });

  it('reports an exception thrown by a body data listener as an app error and drops the connection', async () => {
    server = await harness.start((req) => {
      req.on('data', () => {
        throw new Error('listener boom');
      });
    });
    const c = await connect();
    // Body sent after the listener is attached, so push() delivers it synchronously.
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n');
    await sleep(20);
    c.write('abcdef');
    expect(await c.waitClose()).toBe(true);
    expect((server.appErrors[0] as Error).message).toBe('listener boom');
  });

  it('closes quietly, without 408, when only empty lines follow a request', async () => {
    server = await harness.start(hello, { headersTimeoutMs: 100, keepAliveMs: 5000 });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n\r\n');
    await c.responses(1);
    expect(await c.waitClose()).toBe(true);
    expect(parseResponsesCount(c.text)).toBe(1);
    expect(server.clientErrors).toEqual([]);
  });

  it('discards a request body the app never read and serves the next request', async () => {
    server = await harness.start(hello);
    const c = await connect();
    c.write('POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    await c.responses(1);
    c.write(Buffer.alloc(100_000, 120));
    c.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    const rs = await c.responses(2);
    expect(rs.map((r) => r.body)).toEqual(['hello /1', 'hello /2']);
  });

  it('answers 400 to a broken chunked body while the app reads it, and aborts the request', async () => {
    const events: string[] = [];
    server = await harness.start((req) => {
      req.on('data', () => events.push('data'));
      req.on('aborted', () => events.push('aborted'));
    });
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    await waitFor(() => events.includes('data'));
    c.write('zz\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(400);
    expect(await c.waitClose()).toBe(true);
    await waitFor(() => events.includes('aborted'));
    expect(server.clientErrors).toEqual([{ status: 400, reason: 'bad-chunk-size' }]);
    expect(server.engine.activeRequests).toBe(0);
  });

  it('writes 100 Continue before running the handler of an Expect: 100-continue request', async () => {
    server = await harness.start(echo);
    const c = await connect();
    c.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
    await c.until((t) => t.includes('\r\n\r\n'));
    expect(c.text).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    c.write('body');
    const rs = await c.responses(2);
    expect(rs[0]?.status).toBe(100);
    expect(rs[1]?.status).toBe(200);
    expect(rs[1]?.body).toBe('body');
  });

  it('refuses any other expectation with 417 and closes', async () => {
    server = await harness.start(hello);
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: something-else\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(417);
    expect(res?.headers.connection).toBe('close');
    expect(await c.waitClose()).toBe(true);
    expect(server.clientErrors).toEqual([{ status: 417, reason: 'unsupported-expectation' }]);
  });

  it('sends no body for HEAD', async () => {
    server = await harness.start(hello);
    const c = await connect();
    c.write('HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.until((t) => t.includes('hello /g'));
    const [head] = c.text.split('HTTP/1.1 200 OK').filter(Boolean);
    expect(head).toContain('Content-Length: 8\r\n');
    expect(head?.endsWith('\r\n\r\n')).toBe(true);
    expect(c.text).not.toContain('hello /h');
  });

  it('closes an HTTP/1.0 connection that did not ask for keep-alive', async () => {
    server = await harness.start(hello);
    const c = await connect();
    c.write('GET /old HTTP/1.0\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.raw.startsWith('HTTP/1.1 200 OK')).toBe(true);
    expect(res?.headers.connection).toBe('close');
    expect(await c.waitClose()).toBe(true);
  });

  it('keeps an HTTP/1.0 connection alive when asked to', async () => {
    server = await harness.start(hello);
    const c = await connect();
    c.write('GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await c.responses(1);
    c.write('GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const rs = await c.responses(2);
    expect(rs.map((r) => r.headers.connection)).toEqual(['keep-alive', 'keep-alive']);
    expect(rs[1]?.body).toBe('hello /2');
  });

  it('honours Connection: close from the client and ignores what follows', async () => {
    const urls: string[] = [];
    server = await harness.start((req, res) => {
      urls.push(req.url ?? '');
      hello(req, res);
    });
    const c = await connect();
    c.write('GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.headers.connection).toBe('close');
    expect(await c.waitClose()).toBe(true);
    expect(urls).toEqual(['/last']);
  });

  it('closes at once after a Connection: close request, but lingers for the FIN of a client that may send more', async () => {
    const srv = await harness.start(hello, { keepAliveMs: 0 });
    server = srv;
    // A client that never half-closes on its own (allowHalfOpen): only the server can end it.
    const open = async (head: string): Promise<net.Socket> => {
      const s = net.connect({ port: srv.port, host: '127.0.0.1', allowHalfOpen: true });
      sockets.push(s);
      s.on('error', () => {});
      s.on('data', () => {});
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      const ended = new Promise<void>((resolve) => s.once('end', () => resolve()));
      s.write(head);
      await ended; // the response and our FIN
      return s;
    };
    // The client said it is done: nothing it sends can follow, so there is nothing to wait for.
    await open('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await waitFor(() => srv.engine.connectionCount === 0, 500); // well inside LINGER_MS (1 s)
    // The server chose to close (keepAliveMs 0) a connection the client meant to reuse: it keeps
    // reading until the client's FIN, so a request already on its way does not meet a reset.
    const reuser = await open('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(300);
    expect(srv.engine.connectionCount).toBe(1);
    reuser.end();
    await waitFor(() => srv.engine.connectionCount === 0, 500);
  });

  it('closes an idle keep-alive connection after keepAliveMs', async () => {
    server = await harness.start(hello, { keepAliveMs: 150 });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.headers['keep-alive']).toBeUndefined(); // under a second: not advertised as timeout=0
    const t0 = Date.now();
    expect(await c.waitClose(2000)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(server.clientErrors).toEqual([]);
  });

  it('with keepAliveMs 0 answers Connection: close and closes after each response', async () => {
    server = await harness.start(hello, { keepAliveMs: 0 });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.headers.connection).toBe('close');
    expect(await c.waitClose()).toBe(true);
  });

  it('answers 408 to a head that does not complete within headersTimeoutMs', async () => {
    server = await harness.start(hello, { headersTimeoutMs: 150 });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(408);
    expect(await c.waitClose()).toBe(true);
    expect(server.clientErrors).toEqual([{ status: 408, reason: 'headers-timeout' }]);
  });

  it('finishes the response in flight when the client half-closes after its request', async () => {
    server = await harness.start((req, res) => setTimeout(() => hello(req, res), 30));
    const c = await connect();
    c.socket.end('GET /half HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.body).toBe('hello /half');
    expect(res?.headers.connection).toBe('close');
    expect(await c.waitClose()).toBe(true);
  });

  it('reports every request once with its record', async () => {
    const records: RequestRecord[] = [];
    server = await harness.start(hello, {}, undefined, { onRequestDone: (r) => records.push(r) });
    const c = await connect();
    c.write('GET /r1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /r2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    await c.responses(2);
    await sleep(10);
    expect(records.map((r) => [r.req.url, r.res.statusCode, r.bodyBytes, r.completed])).toEqual([
      ['/r1', 200, 9, true],
      ['/r2', 200, 9, true],
    ]);
    expect(records[0]?.remoteAddress).toBe('127.0.0.1');
    expect(records[0]?.durationNs).toBeGreaterThan(0n);
    expect(server.engine.activeRequests).toBe(0);
  });

  it('counts chunked response body bytes without framing', async () => {
    const records: RequestRecord[] = [];
    server = await harness.start(
      (_req, res) => {
        res.write('abc');
        res.write(Buffer.from('défg'));
        res.end('hi');
      },
      {},
      undefined,
      { onRequestDone: (r) => records.push(r) },
    );
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.headers['transfer-encoding']).toBe('chunked');
    await sleep(10);
    expect(records[0]?.bodyBytes).toBe(3 + 5 + 2);
  });

  it('reports a request whose connection dies mid-response as not completed, and closes req/res', async () => {
    const records: RequestRecord[] = [];
    const events: string[] = [];
    server = await harness.start(
      (req, res) => {
        req.on('aborted', () => events.push('req aborted'));
        req.on('close', () => events.push('req close'));
        res.on('close', () => events.push('res close'));
        res.write('partial');
      },
      {},
      undefined,
      { onRequestDone: (r) => records.push(r) },
    );
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    await c.until((t) => t.includes('partial'));
    c.destroy();
    await sleep(50);
    expect(records.map((r) => r.completed)).toEqual([false]);
    expect(events).toContain('req aborted');
    expect(events).toContain('req close');
    expect(events).toContain('res close');
    expect(server.engine.activeRequests).toBe(0);
    expect(server.engine.connectionCount).toBe(0);
  });

  it('gives an aborted request its client address when every record needs one (an access log), read before the socket closed', async () => {
    const addresses: string[] = [];
    server = await harness.start((_req, res) => res.write('partial'), { logsClientAddress: true }, undefined, {
      onRequestDone: (r) => addresses.push(r.remoteAddress),
    });
    const c = await connect();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc'); // a body cut short: the close aborts it
    await c.until((t) => t.includes('partial'));
    c.destroy();
    await sleep(50);
    expect(addresses).toEqual(['127.0.0.1']);
  });
});
