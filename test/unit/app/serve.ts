/**
 * Serve a handler on node:http (not the tsgun engine, written in parallel) the way the engine
 * will: a throw or rejection answers 500, or drops the connection once headers are out.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from '../../../src/http/types.js';

export interface TestServer {
  readonly url: string;
  /** Errors the handler threw or rejected with. */
  readonly errors: unknown[];
  close(): Promise<void>;
}

export async function serve(handler: RequestHandler): Promise<TestServer> {
  const errors: unknown[] = [];
  const server = http.createServer((req, res) => {
    const fail = (err: unknown): void => {
      errors.push(err);
      if (res.headersSent) res.destroy();
      else res.writeHead(500).end('app error');
    };
    try {
      Promise.resolve(handler(req, res)).catch(fail);
    } catch (err) {
      fail(err);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Servers opened by a test, closed by `closeAll()` in afterEach. */
export class ServerPool {
  readonly #servers: TestServer[] = [];

  async serve(handler: RequestHandler): Promise<TestServer> {
    const server = await serve(handler);
    this.#servers.push(server);
    return server;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#servers.splice(0).map((server) => server.close()));
  }
}
