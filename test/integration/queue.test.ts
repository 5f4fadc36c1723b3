/**
 * Queue visibility and the overload bound, on the real CLI: the kernel accept backlog in front of
 * a busy sync worker (/metrics and `ctl stats`), the queue-wait histograms (from accept, and from
 * a trusted X-Request-Start), and --max-queue-time answering 503 + Retry-After at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { killAll, startTsgun, type TsgunProcess } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';
import { ControlClient } from '../../src/ctl/client.js';
import { formatStats } from '../../src/ctl/format.js';
import type { PoolStatsView } from '../../src/control/protocol.js';

afterEach(killAll);

const BLOCKING = 'examples/sleep-blocking.js';
const LOCAL = ['-b', '127.0.0.1:0', '--metrics-bind', '127.0.0.1:0'];

async function metrics(tsgun: TsgunProcess): Promise<Map<string, number>> {
  const line = await tsgun.waitForLine((l) => String(l.msg).startsWith('Metrics at:'));
  const reply = await request(String(line['url']));
  const out = new Map<string, number>();
  for (const l of reply.body.split('\n')) {
    if (l === '' || l.startsWith('#')) continue;
    const space = l.lastIndexOf(' ');
    out.set(l.slice(0, space), Number(l.slice(space + 1)));
  }
  return out;
}

async function stats(tsgun: TsgunProcess): Promise<PoolStatsView> {
  const line = await tsgun.waitForLine((l) => String(l.msg).startsWith('Control socket at:'));
  const client = await ControlClient.connect(String(line['path']));
  try {
    return (await client.request('stats')) as PoolStatsView;
  } finally {
    client.close();
  }
}

/** Raw request on its own connection; resolves with the whole response text when the server closes. */
function raw(url: string, text: string, timeoutMs = 10_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let out = '';
    socket.setEncoding('utf8').on('data', (c: string) => (out += c));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timeout')));
  });
}

const get = (path: string, headers = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`;

describe('queue visibility', () => {
  it('shows connections waiting in the kernel accept queue while the only sync worker is blocked', { timeout: 30_000 }, async () => {
    const tsgun = await startTsgun([BLOCKING, '-k', 'sync', '-w', '1', ...LOCAL]);
    const slow = raw(tsgun.url, get('/?ms=1500'));
    await new Promise((r) => setTimeout(r, 200));
    const waiting = [1, 2, 3].map(() => raw(tsgun.url, get('/?ms=1')));
    await new Promise((r) => setTimeout(r, 300));
    const m = await metrics(tsgun);
    const backlog = [...m].find(([k]) => k.startsWith('tsgun_listen_backlog{'));
    expect(backlog?.[1]).toBe(3);
    expect([...m].find(([k]) => k.startsWith('tsgun_listen_backlog_limit{'))?.[1]).toBeGreaterThanOrEqual(128);
    const s = await stats(tsgun);
    expect(s.listenBacklog?.[0]?.queued).toBe(3);
    expect(formatStats(s)).toMatch(/accept backlog http:\/\/127\.0\.0\.1:\d+: +3 waiting/);
    for (const r of [await slow, ...(await Promise.all(waiting))]) expect(r).toMatch(/^HTTP\/1\.1 200/);
  });

  it('measures the wait since a trusted X-Request-Start', { timeout: 30_000 }, async () => {
    const tsgun = await startTsgun(['examples/hello.js', '-k', 'async', '-w', '1', ...LOCAL]);
    // As nginx sends it: t=<seconds with milliseconds>; 300 ms ago.
    const start = ((Date.now() - 300) / 1000).toFixed(3);
    expect(await raw(tsgun.url, get('/', `X-Request-Start: t=${start}\r\n`))).toMatch(/^HTTP\/1\.1 200/);
    expect(await raw(tsgun.url, get('/'))).toMatch(/^HTTP\/1\.1 200/);
    await new Promise((r) => setTimeout(r, 1500)); // the counters ride on the 1 s heartbeat
    const m = await metrics(tsgun);
    expect(m.get('tsgun_http_request_upstream_queue_seconds_count')).toBe(1);
    expect(m.get('tsgun_http_request_upstream_queue_seconds_sum')).toBeGreaterThan(0.29);
    expect(m.get('tsgun_http_request_queue_seconds_count')).toBe(2);
    expect(m.get('tsgun_http_request_queue_seconds_sum')).toBeLessThan(0.25);
    expect(m.get('tsgun_http_requests_shed_total')).toBe(0);
  });
});

describe('--max-queue-time', () => {
  it('answers 503 + Retry-After at once to a request that waited too long, and serves the others', { timeout: 30_000 }, async () => {
    const tsgun = await startTsgun([BLOCKING, '-k', 'sync', '-w', '1', '--max-queue-time', '100', ...LOCAL]);
    const old = ((Date.now() - 250) / 1000).toFixed(3);
    const t0 = performance.now();
    const shed = await raw(tsgun.url, get('/?ms=500', `X-Request-Start: t=${old}\r\n`));
    expect(performance.now() - t0).toBeLessThan(400); // not run: the app would block 500 ms
    expect(shed).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(shed).toMatch(/\r\nRetry-After: 1\r\n/i);
    const fresh = ((Date.now() - 10) / 1000).toFixed(3);
    expect(await raw(tsgun.url, get('/?ms=1', `X-Request-Start: t=${fresh}\r\n`))).toMatch(/^HTTP\/1\.1 200/);
    await new Promise((r) => setTimeout(r, 1500));
    const m = await metrics(tsgun);
    expect(m.get('tsgun_http_requests_shed_total')).toBe(1);
    expect(m.get('tsgun_http_requests_total{status_class="5xx"}')).toBe(1);
    expect(formatStats(await stats(tsgun))).toMatch(/shed \(503, --max-queue-time\): +1/);
  });

  it('bounds the wait inside a worker too (no proxy header): a pipelined request behind a slow one', { timeout: 30_000 }, async () => {
    const tsgun = await startTsgun(['examples/sleep.js', '-k', 'async', '-w', '1', '--max-queue-time', '100', ...LOCAL]);
    const pipelined = await raw(tsgun.url, `GET /?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n${get('/?ms=1')}`);
    expect(pipelined.match(/HTTP\/1\.1 (\d+)/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 503']);
    const alone = await raw(tsgun.url, get('/?ms=1'));
    expect(alone).toMatch(/^HTTP\/1\.1 200/);
  });
});
