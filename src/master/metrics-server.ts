/**
 * `--metrics-bind HOST:PORT`: a tiny HTTP server in the master answering `GET /metrics` with
 * the pool's Prometheus text. It is separate from the app's sockets on purpose: the app's
 * listeners are polled by workers only, and metrics must answer even when every worker is busy.
 */
import http from 'node:http';
import { parseBind } from '../config/bind.js';
import { TsgunError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MetricsExposition } from './metrics-exposition.js';

export class MetricsServer {
  readonly url: string;
  readonly #server: http.Server;

  private constructor(url: string, server: http.Server) {
    this.url = url;
    this.#server = server;
  }

  static async open(bind: string, exposition: MetricsExposition, log: Logger): Promise<MetricsServer> {
    let address: ReturnType<typeof parseBind>;
    try {
      address = parseBind(bind);
    } catch (err) {
      throw new TsgunError('TSGUN_ERR_METRICS_BIND', `${bind}: ${errorMessage(err)}`);
    }
    if (address.kind !== 'tcp') throw new TsgunError('TSGUN_ERR_METRICS_BIND', `${bind}: use HOST:PORT`);
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found: try GET /metrics\n');
        return;
      }
      exposition.render().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': exposition.contentType, 'Content-Length': Buffer.byteLength(text) });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (err: unknown) => {
          log.error({ err: errorMessage(err) }, 'Cannot render metrics');
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
        },
      );
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new TsgunError('TSGUN_ERR_METRICS_BIND', `${bind}: ${errorMessage(err)}`, { cause: err })));
      server.listen({ host: address.host, port: address.port, exclusive: true }, () => resolve());
    });
    server.on('error', (err) => log.error({ err: errorMessage(err) }, 'Metrics server error'));
    const actual = server.address();
    const port = typeof actual === 'object' && actual !== null ? actual.port : address.port;
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    return new MetricsServer(`http://${host}:${port}/metrics`, server);
  }

  close(): void {
    this.#server.close();
    this.#server.closeAllConnections();
  }
}
