/**
 * Test plumbing for the HTTP engine: an in-process net server feeding HttpEngine, a raw
 * socket client that asserts on bytes, and a small response splitter.
 */
import net from 'node:net';
import { afterEach } from 'vitest';
import { HttpEngine } from '../../../src/http/engine.js';
import type { EngineEvents, EngineOptions, RequestGate, RequestHandler } from '../../../src/http/types.js';
import type { UpgradeHandler } from '../../../src/http/upgrade.js';

export const alwaysRun: RequestGate = {
  enter(run) {
    run();
  },
  leave() {},
};

/** One request at a time across every connection (the `sync` worker class), with a log of overlaps. */
export class OneAtATimeGate implements RequestGate {
  readonly #waiting: (() => void)[] = [];
  #busy = false;
  entered = 0;
  left = 0;

  enter(run: () => void): void {
    this.entered++;
    if (this.#busy) {
      this.#waiting.push(run);
      return;
    }
    this.#busy = true;
    run();
  }

  leave(): void {
    this.left++;
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy = false;
  }
}

export const DEFAULT_OPTIONS: EngineOptions = {
  limits: { requestLine: 4094, requestFields: 100, requestFieldSize: 8190, requestBody: 0 },
  permitObsoleteFolding: false,
  headerMap: 'drop',
  keepAliveMs: 2000,
  headersTimeoutMs: 5000,
  bodyTimeoutMs: 5000,
  bufferBodyBytes: 0,
};

export interface TestServer {
  readonly port: number;
  readonly engine: HttpEngine;
  readonly clientErrors: { status: number; reason: string }[];
  readonly appErrors: unknown[];
  close(): Promise<void>;
}

export async function startServer(
  handler: RequestHandler,
  options: Partial<EngineOptions> = {},
  gate: RequestGate = alwaysRun,
  events: EngineEvents = {},
  upgrades: UpgradeHandler | null = null,
): Promise<TestServer> {
  const clientErrors: { status: number; reason: string }[] = [];
  const appErrors: unknown[] = [];
  const engine = new HttpEngine(
    handler,
    { ...DEFAULT_OPTIONS, ...options },
    gate,
    {
      ...events,
      onClientError(rec) {
        clientErrors.push({ status: rec.status, reason: rec.reason });
        events.onClientError?.(rec);
      },
      onAppError(err, req) {
        appErrors.push(err);
        events.onAppError?.(err, req);
      },
    },
    upgrades,
  );
  const server = net.createServer((socket) => engine.handleConnection(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    engine,
    clientErrors,
    appErrors,
    close: async () => {
      engine.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw TCP client that collects everything the server sends. */
export class RawClient {
  readonly socket: net.Socket;
  #chunks: Buffer[] = [];
  #length = 0;
  #text: string | null = '';
  #closed = false;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
      this.#text = null;
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Everything received so far, decoded as latin1 (cached until more arrives). */
  get text(): string {
    if (this.#text === null) {
      const all = Buffer.concat(this.#chunks);
      this.#chunks = [all];
      this.#text = all.toString('latin1');
    }
    return this.#text;
  }

  /** Bytes received so far. */
  get length(): number {
    return this.#length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Write each byte as its own TCP segment (Nagle off, one write per timer tick); returns bytes written. */
  async writeSlowly(data: string, stop: () => boolean = () => false): Promise<number> {
    this.socket.setNoDelay(true);
    let i = 0;
    for (; i < data.length && !stop() && !this.#closed; i++) {
      this.socket.write(data[i] as string);
      await new Promise((r) => setTimeout(r, 1));
    }
    return i;
  }

  /** Wait until `done(text)` holds or the connection closes; fails after `timeoutMs`. */
  async until(done: (text: string) => boolean, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.text)) {
      if (this.#closed) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting; received ${this.#length} bytes: ${JSON.stringify(this.text.slice(0, 300))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.text;
  }

  /** Wait for `n` complete responses (HEAD responses: pass `head`). */
  async responses(n: number, opts: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse[]> {
    await this.until((t) => parseResponses(t, opts.head).length >= n, opts.timeoutMs);
    return parseResponses(this.text, opts.head);
  }

  /** Resolves true once the server closes the connection, false after `timeoutMs`. */
  async waitClose(timeoutMs = 3000): Promise<boolean> {
    try {
      await this.until(() => false, timeoutMs);
    } catch {
      return false;
    }
    return this.#closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

/** Split a byte stream into complete responses (Content-Length and chunked bodies; 1xx have none). */
export function parseResponses(text: string, head = false): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) return out;
    const lines = text.slice(at, end).split('\r\n');
    const status = Number((lines[0] ?? '').split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyStart = end + 4;
    let body = '';
    if (status >= 200 && !head && status !== 204 && status !== 304) {
      if (headers['transfer-encoding'] === 'chunked') {
        let p = bodyStart;
        for (;;) {
          const nl = text.indexOf('\r\n', p);
          if (nl < 0) return out;
          const size = parseInt(text.slice(p, nl), 16);
          if (size === 0) {
            const fin = text.indexOf('\r\n\r\n', nl);
            if (fin < 0) return out;
            p = fin + 4;
            break;
          }
          if (text.length < nl + 2 + size + 2) return out;
          body += text.slice(nl + 2, nl + 2 + size);
          p = nl + 2 + size + 2;
        }
        bodyStart = p;
      } else {
        const len = Number(headers['content-length'] ?? 0);
        if (text.length < bodyStart + len) return out;
        body = text.slice(bodyStart, bodyStart + len);
        bodyStart += len;
      }
    }
    out.push({ status, headers, body, raw: text.slice(at, bodyStart) });
    at = bodyStart;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A plain handler: `hello <url>` with Content-Length. */
export const hello: RequestHandler = (req, res) => {
  const body = `hello ${req.url}`;
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
};

/** Echoes the request body back, with the method and any trailers in headers. */
export const echo: RequestHandler = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.setHeader('X-Method', req.method ?? '');
    res.setHeader('X-Trailers', JSON.stringify(req.trailers));
    res.setHeader('Content-Length', body.length);
    res.end(body);
  });
};

/** Poll `cond` until it holds; fails after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await sleep(2);
  }
}

/**
 * The per-file harness of the engine tests: `start()` a server, `connect()` raw clients to it;
 * after each test the clients are destroyed and the server closed.
 */
export function engineHarness(): {
  start: (...args: Parameters<typeof startServer>) => Promise<TestServer>;
  connect: () => Promise<RawClient>;
} {
  let current: TestServer | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await current?.close();
    current = undefined;
  });
  return {
    async start(...args) {
      current = await startServer(...args);
      return current;
    },
    async connect() {
      const c = await RawClient.connect((current as TestServer).port);
      clients.push(c);
      return c;
    },
  };
}
