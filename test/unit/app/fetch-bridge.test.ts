import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fromFetchHandler, type FetchHandler } from '../../../src/app/fetch-bridge.js';
import { requestOrigin, requestScheme, requestUrl } from '../../../src/app/request-origin.js';
import { ServerPool, type TestServer } from './serve.js';

const pool = new ServerPool();
afterEach(() => pool.closeAll());

function serveFetch(handler: FetchHandler): Promise<TestServer> {
  return pool.serve(fromFetchHandler(handler));
}

function get(server: TestServer, target = '/', init?: RequestInit): Promise<Response> {
  const timeout = AbortSignal.timeout(5_000);
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  return fetch(server.url + target, { ...init, signal });
}

/** Send raw bytes, read until the server closes; for what fetch() hides (HEAD bodies, framing). */
function raw(server: TestServer, text: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('raw request timed out')));
  });
}

describe('fetch bridge: request', () => {
  it('round-trips a streamed POST body', async () => {
    const server = await serveFetch(async (request) => {
      const body = new Uint8Array(await request.arrayBuffer());
      return new Response(body, { headers: { 'x-length': String(body.byteLength) } });
    });
    const payload = Buffer.alloc(1024 * 1024 + 7);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const res = await get(server, '/upload', { method: 'POST', body: payload });
    expect(res.headers.get('x-length')).toBe(String(payload.byteLength));
    // Buffer.equals: a deep toEqual over a million elements takes seconds.
    expect(Buffer.from(await res.arrayBuffer()).equals(payload)).toBe(true);
  });

  it('passes method, absolute URL, repeated headers and env', async () => {
    let seen: { url: string; method: string; multi: string | null; hasBody: boolean; incoming: string } | undefined;
    const server = await serveFetch((request, env) => {
      seen = {
        url: request.url,
        method: request.method,
        multi: request.headers.get('x-multi'),
        hasBody: request.body !== null,
        incoming: env.incoming.url ?? '',
      };
      return new Response('ok');
    });
    const reply = await raw(
      server,
      'OPTIONS /a//b?c=1 HTTP/1.1\r\nHost: example.test:8080\r\nX-Multi: one\r\nX-Multi: two\r\nConnection: close\r\n\r\n',
    );
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(seen).toEqual({
      url: 'http://example.test:8080/a//b?c=1',
      method: 'OPTIONS',
      multi: 'one, two',
      hasBody: false,
      incoming: '/a//b?c=1',
    });
  });

  it("falls back to the socket's local address without a Host header", async () => {
    let url = '';
    const server = await serveFetch((request) => {
      url = request.url;
      return new Response(null, { status: 204 });
    });
    await raw(server, 'GET /x HTTP/1.0\r\n\r\n');
    expect(url).toBe(`${server.url}/x`);
  });

  it('aborts the request signal when the client goes away', async () => {
    let aborted!: Promise<boolean>;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const server = await serveFetch(
      (request) =>
        new Promise<Response>((resolve) => {
          aborted = new Promise((done) => request.signal.addEventListener('abort', () => done(true)));
          request.signal.addEventListener('abort', () => resolve(new Response('late')));
          started();
        }),
    );
    const client = new AbortController();
    const pending = get(server, '/', { signal: client.signal }).catch(() => 'client aborted');
    await running;
    client.abort();
    expect(await pending).toBe('client aborted');
    expect(await aborted).toBe(true);
  });
});

describe('fetch bridge: response', () => {
  it('writes status, statusText, headers and every Set-Cookie', async () => {
    const server = await serveFetch(() => {
      const headers = new Headers({ 'content-type': 'text/plain' });
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; HttpOnly');
      headers.append('x-list', 'p');
      headers.append('x-list', 'q');
      return new Response('made', { status: 201, statusText: 'Made It', headers });
    });
    const reply = await raw(server, 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 201 Made It\r\n/);
    expect(reply).toContain('\r\nset-cookie: a=1; Path=/\r\nset-cookie: b=2; HttpOnly\r\n');
    expect(reply).toContain('\r\nx-list: p, q\r\n');
    // A body that arrives whole goes out in one piece with its length, not chunked.
    expect(reply).toContain('\r\ncontent-length: 4\r\n');
    expect(reply).not.toMatch(/transfer-encoding/i);
    expect(reply.endsWith('\r\n\r\nmade')).toBe(true);

    const res = await get(server);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    await res.arrayBuffer();
  });

  it('sends a body that is whole from the start in one piece, whatever its type', async () => {
    const bytes = new TextEncoder().encode('bytes body');
    const server = await serveFetch((request) => {
      switch (new URL(request.url).pathname) {
        case '/bytes':
          return new Response(bytes);
        case '/one-chunk-stream':
          return new Response(
            new ReadableStream({
              start: (c) => {
                c.enqueue(bytes);
                c.close();
              },
            }),
          );
        case '/empty-stream':
          return new Response(new ReadableStream({ start: (c) => c.close() }));
        case '/duck':
          // Not a genuine Response (another realm, a polyfill): streamed the generic way.
          return { status: 200, statusText: '', headers: new Headers(), body: new Response('duck body').body } as Response;
        default:
          return Response.json({ ok: 'ü' });
      }
    });
    const cases: [string, string][] = [
      ['/bytes', 'bytes body'],
      ['/one-chunk-stream', 'bytes body'],
      ['/empty-stream', ''],
      ['/duck', 'duck body'],
      ['/json', '{"ok":"ü"}'],
    ];
    for (const [target, body] of cases) {
      const reply = await raw(server, `GET ${target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
      expect(reply, target).toContain(`\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`);
      expect(reply, target).not.toMatch(/transfer-encoding/i);
      expect(Buffer.from(reply.split('\r\n\r\n')[1] ?? '', 'latin1').toString(), target).toBe(body);
    }
  });

  it('sends no body for HEAD, 204 and 304', async () => {
    const server = await serveFetch((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/204') return new Response(null, { status: 204 });
      if (path === '/304') return new Response(null, { status: 304, headers: { etag: '"v1"' } });
      return new Response('a body that HEAD must not send', { headers: { 'content-length': '30' } });
    });
    const head = await raw(server, 'HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(head).toContain('content-length: 30');
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    for (const status of ['204', '304']) {
      const reply = await raw(server, `GET /${status} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
      expect(reply).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(reply.endsWith('\r\n\r\n')).toBe(true);
    }
  });

  it('streams a response chunk by chunk', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const encoder = new TextEncoder();
    const server = await serveFetch(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(encoder.encode('first;'));
              await gate; // held until the client has seen the first chunk
              controller.enqueue(encoder.encode('second;'));
              controller.close();
            },
          }),
        ),
    );
    const res = await get(server);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe('first;');
    release();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    expect(rest).toBe('second;');
  });

  it('stops pulling the body while the client does not read (backpressure)', async () => {
    const chunk = new Uint8Array(64 * 1024);
    let pulled = 0;
    const limit = 256 * 1024 * 1024;
    const server = await serveFetch(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              pulled += chunk.byteLength;
              if (pulled >= limit) controller.close();
              else controller.enqueue(chunk);
            },
          }),
        ),
    );
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    try {
      socket.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
      socket.pause(); // read nothing: socket buffers fill, write() returns false
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(pulled).toBeGreaterThan(0);
      expect(pulled).toBeLessThan(48 * 1024 * 1024);
    } finally {
      socket.destroy();
    }
  });

  it('rejects when the handler rejects, so the engine answers 500', async () => {
    const server = await serveFetch(async () => {
      throw new Error('handler failed');
    });
    const res = await get(server);
    expect(res.status).toBe(500);
    await res.arrayBuffer();
    expect((server.errors[0] as Error).message).toBe('handler failed');
  });

  it('rejects when the handler throws synchronously or returns no Response', async () => {
    const throwing = await serveFetch(() => {
      throw new Error('sync failure');
    });
    expect((await get(throwing)).status).toBe(500);
    expect((throwing.errors[0] as Error).message).toBe('sync failure');

    const wrong = await serveFetch(() => 'text' as unknown as Response);
    expect((await get(wrong)).status).toBe(500);
    expect((wrong.errors[0] as Error).message).toBe('fetch handler returned a string, expected a Response');
  });

  it('rejects when the body stream errors after the headers went out', async () => {
    const server = await serveFetch(
      () =>
        new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode('partial'));
              await new Promise((resolve) => setTimeout(resolve, 20));
              controller.error(new Error('stream broke'));
            },
          }),
        ),
    );
    const res = await get(server);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect((server.errors[0] as Error).message).toBe('stream broke');
  });
});

describe('request origin', () => {
  const fake = (url: string, headers: Record<string, string>, socket: object): IncomingMessage =>
    ({ url, headers, socket }) as unknown as IncomingMessage;

  it('decides https from an encrypted socket', () => {
    const req = fake('/x', { host: 'secure.test' }, { encrypted: true });
    expect(requestScheme(req)).toBe('https');
    expect(requestUrl(req)).toBe('https://secure.test/x');
  });

  it('never lets the target change the host', () => {
    const req = fake('//evil.test/x', { host: 'good.test' }, {});
    expect(requestUrl(req)).toBe('http://good.test//evil.test/x');
  });

  it('takes the authority of an absolute-form target and keeps its own scheme', () => {
    const req = fake('https://other.test:81/p?q', { host: 'good.test' }, {});
    expect(requestUrl(req)).toBe('http://other.test:81/p?q');
  });

  it('ignores a malformed Host and uses the local address', () => {
    const req = fake('*', { host: 'bad host/' }, { localAddress: '::1', localPort: 8000 });
    expect(requestOrigin(req)).toBe('http://[::1]:8000');
    expect(requestUrl(req)).toBe('http://[::1]:8000/');
  });
});
