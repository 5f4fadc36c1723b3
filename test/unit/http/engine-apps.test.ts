import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OneAtATimeGate, hello, sleep, engineHarness, waitFor, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const harness = engineHarness();
const connect = harness.connect;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('HttpEngine: app errors', () => {
  it('a handler that throws gets a 500 with Connection: close, and the server keeps serving', async () => {
    server = await harness.start((req, res) => {
      if (req.url === '/boom') {
        res.setHeader('Content-Type', 'application/json');
        throw new Error('boom');
      }
      hello(req, res);
    });
    const c = await connect();
    c.write('GET /boom HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(500);
    expect(res?.headers.connection).toBe('close');
    expect(res?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res?.body).toBe('500 Internal Server Error\n');
    expect(await c.waitClose()).toBe(true);
    expect(server.appErrors).toHaveLength(1);
    expect((server.appErrors[0] as Error).message).toBe('boom');

    const ok = await connect();
    ok.write('GET /fine HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await ok.responses(1))[0]?.body).toBe('hello /fine');
  });

  it('a rejected promise gets a 500', async () => {
    server = await harness.start(async () => {
      await sleep(5);
      throw new Error('async boom');
    });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(res?.status).toBe(500);
    expect(await c.waitClose()).toBe(true);
    expect((server.appErrors[0] as Error).message).toBe('async boom');
    expect(server.engine.activeRequests).toBe(0);
  });

  it('an error after the headers were sent closes the connection', async () => {
    server = await harness.start(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
      await sleep(5);
      throw new Error('late');
    });
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.waitClose()).toBe(true);
    expect(c.text).toContain('partial');
    expect(c.text).not.toContain('500');
  });

  it('a response the app never ends stays open', async () => {
    server = await harness.start(() => {});
    const c = await connect();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.waitClose(300)).toBe(false);
    expect(server.engine.activeRequests).toBe(1);
  });
});

describe('HttpEngine: frameworks', () => {
  it('runs an Express 5 app with express.json()', async () => {
    const app = express();
    app.use(express.json());
    app.post('/items', (req, res) => {
      res.status(201).json({ received: req.body, ip: req.ip, host: req.hostname });
    });
    app.get('/items/:id', (req, res) => {
      res.json({ id: req.params.id, q: req.query.q });
    });
    server = await harness.start(app);
    const c = await connect();
    const body = JSON.stringify({ name: 'widget', n: 3 });
    c.write(
      `POST /items HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    c.write('GET /items/42?q=x HTTP/1.1\r\nHost: example.test\r\n\r\n');
    c.write('GET /missing HTTP/1.1\r\nHost: example.test\r\n\r\n');
    const rs = await c.responses(3);
    expect(rs[0]?.status).toBe(201);
    expect(JSON.parse(rs[0]?.body ?? '')).toEqual({ received: { name: 'widget', n: 3 }, ip: '127.0.0.1', host: 'example.test' });
    expect(JSON.parse(rs[1]?.body ?? '')).toEqual({ id: '42', q: 'x' });
    expect(rs[2]?.status).toBe(404);
  });

  it('runs an Express 5 app with a chunked JSON body', async () => {
    const app = express();
    app.use(express.json());
    app.post('/echo', (req, res) => res.json(req.body));
    server = await harness.start(app);
    const c = await connect();
    c.write(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n{"a":1\r\n1\r\n}\r\n0\r\n\r\n',
    );
    const [res] = await c.responses(1);
    expect(JSON.parse(res?.body ?? '')).toEqual({ a: 1 });
  });

  it('runs a Koa app', async () => {
    const app = new Koa();
    app.use((ctx) => {
      ctx.body = { path: ctx.path, method: ctx.method };
    });
    server = await harness.start(app.callback());
    const c = await connect();
    c.write('DELETE /k HTTP/1.1\r\nHost: x\r\n\r\n');
    const [res] = await c.responses(1);
    expect(JSON.parse(res?.body ?? '')).toEqual({ path: '/k', method: 'DELETE' });
  });

  it('runs a Fastify app', async () => {
    const app = Fastify();
    app.post('/f', async (req) => ({ got: req.body }));
    await app.ready();
    cleanups.push(() => app.close());
    server = await harness.start((req: IncomingMessage, res: ServerResponse) => {
      app.server.emit('request', req, res);
    });
    const c = await connect();
    c.write('POST /f HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"b":2}');
    const [res] = await c.responses(1);
    expect(JSON.parse(res?.body ?? '')).toEqual({ got: { b: 2 } });
  });
});

describe('HttpEngine: gate', () => {
  it('a one-at-a-time gate never runs two handlers at once across connections', async () => {
    const gate = new OneAtATimeGate();
    let running = 0;
    let maxRunning = 0;
    let served = 0;
    server = await harness.start(
      (req, res) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        setTimeout(() => {
          running--;
          served++;
          hello(req, res);
        }, 15);
      },
      {},
      gate,
    );
    const a = await connect();
    const b = await connect();
    a.write('GET /a1 HTTP/1.1\r\nHost: x\r\n\r\nGET /a2 HTTP/1.1\r\nHost: x\r\n\r\n');
    b.write('GET /b1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /b2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi');
    const [ra, rb] = await Promise.all([a.responses(2), b.responses(2)]);
    expect(ra.map((r) => r.body)).toEqual(['hello /a1', 'hello /a2']);
    expect(rb.map((r) => r.body)).toEqual(['hello /b1', 'hello /b2']);
    expect(maxRunning).toBe(1);
    expect(served).toBe(4);
    await waitFor(() => gate.left === 4);
    expect(gate.entered).toBe(4);
  });

  it('a request waiting in the gate whose connection dies leaves the gate without running', async () => {
    const gate = new OneAtATimeGate();
    const urls: string[] = [];
    let release: (() => void) | undefined;
    server = await harness.start(
      (req, res) => {
        urls.push(req.url ?? '');
        if (req.url === '/slow') release = () => hello(req, res);
        else hello(req, res);
      },
      {},
      gate,
    );
    const a = await connect();
    a.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => release !== undefined);
    const b = await connect();
    b.write('GET /waits HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => gate.entered === 2);
    b.socket.resetAndDestroy(); // a reset is seen even on a paused socket; a FIN is a half-close (next test)
    await waitFor(() => server?.engine.connectionCount === 1);
    release?.();
    await a.responses(1);
    await waitFor(() => gate.left === 2);
    expect(urls).toEqual(['/slow']);
    const c = await connect();
    c.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.responses(1))[0]?.body).toBe('hello /after');
  });

  it('a client that half-closes while its request waits in the gate still gets its response', async () => {
    const gate = new OneAtATimeGate();
    let release: (() => void) | undefined;
    server = await harness.start(
      (req, res) => {
        if (req.url === '/slow') release = () => hello(req, res);
        else hello(req, res);
      },
      {},
      gate,
    );
    const a = await connect();
    a.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => release !== undefined);
    const b = await connect();
    b.socket.end('GET /waits HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => gate.entered === 2);
    await sleep(20);
    release?.();
    const [res] = await b.responses(1);
    expect(res?.body).toBe('hello /waits');
    expect(res?.headers.connection).toBe('close');
    expect(await b.waitClose()).toBe(true);
  });
});

describe('HttpEngine: drain and destroyAll', () => {
  it('drain closes idle connections within a short grace and busy ones after their response, with Connection: close', async () => {
    let release: (() => void) | undefined;
    server = await harness.start((req, res) => {
      release = () => hello(req, res);
    });
    const idle = await connect();
    const busy = await connect();
    busy.write('GET /busy HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => release !== undefined);
    let drained = false;
    const drain = server.engine.drain().then(() => (drained = true));
    expect(await idle.waitClose()).toBe(true);
    expect(busy.closed).toBe(false);
    expect(drained).toBe(false);
    release?.();
    const [res] = await busy.responses(1);
    expect(res?.headers.connection).toBe('close');
    expect(await busy.waitClose()).toBe(true);
    await drain;
    expect(server.engine.connectionCount).toBe(0);
  });

  it('drain serves a request that arrives on an idle keep-alive connection just after it starts', async () => {
    // The reload race: the client reuses its connection right as the worker begins to stop.
    server = await harness.start(hello);
    const client = await connect();
    client.write('GET /one HTTP/1.1\r\nHost: x\r\n\r\n');
    const [first] = await client.responses(1);
    expect(first?.headers.connection).toBe('keep-alive');
    const drain = server.engine.drain();
    client.write('GET /two HTTP/1.1\r\nHost: x\r\n\r\n');
    const replies = await client.responses(2);
    const second = replies[1];
    if (!second) throw new Error(JSON.stringify(client.text));
    expect(second?.status).toBe(200);
    expect(second?.headers.connection).toBe('close');
    expect(await client.waitClose()).toBe(true);
    await drain;
  });

  it('drain lets a request waiting in the gate run, with Connection: close', async () => {
    const gate = new OneAtATimeGate();
    let release: (() => void) | undefined;
    server = await harness.start(
      (req, res) => {
        if (req.url === '/first') release = () => hello(req, res);
        else hello(req, res);
      },
      {},
      gate,
    );
    const a = await connect();
    a.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => release !== undefined);
    const b = await connect();
    b.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => gate.entered === 2);
    const drain = server.engine.drain();
    release?.();
    const [ra] = await a.responses(1);
    const [rb] = await b.responses(1);
    expect([ra?.headers.connection, rb?.headers.connection]).toEqual(['close', 'close']);
    expect(rb?.body).toBe('hello /second');
    await drain;
    expect(gate.left).toBe(2);
  });

  it('drain resolves at once with no connections', async () => {
    server = await harness.start(hello);
    await server.engine.drain();
  });

  it('destroyAll closes every connection and aborts requests in flight', async () => {
    const events: string[] = [];
    server = await harness.start((req) => {
      req.on('aborted', () => events.push('aborted'));
    });
    const a = await connect();
    const b = await connect();
    a.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => server?.engine.activeRequests === 1);
    server.engine.destroyAll();
    expect(await a.waitClose()).toBe(true);
    expect(await b.waitClose()).toBe(true);
    await waitFor(() => server?.engine.connectionCount === 0);
    expect(events).toEqual(['aborted']);
    expect(server.engine.activeRequests).toBe(0);
  });
});
