/** /metrics from the master: counts against the requests sent, across worker restarts. */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import autocannon from 'autocannon';
import { killAll, spawnTsgun, startTsgun, type TsgunProcess } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';
import { ControlClient } from '../../src/ctl/client.js';
import type { WorkerSnapshot } from '../../src/control/protocol.js';

afterEach(killAll);

const LOCAL = ['-b', '127.0.0.1:0', '--metrics-bind', '127.0.0.1:0'];

async function metricsUrl(tsgun: TsgunProcess): Promise<string> {
  const line = await tsgun.waitForLine((l) => String(l.msg).startsWith('Metrics at:'));
  return String(line['url']);
}

/** Sample values by their full series text, e.g. `tsgun_http_requests_total{status_class="2xx"}`. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

async function scrape(url: string): Promise<Map<string, number>> {
  const reply = await request(url);
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(reply.body);
}

/** Scrape until `done` holds (counters arrive with the 1 s heartbeat). */
async function scrapeUntil(url: string, done: (m: Map<string, number>) => boolean, timeoutMs = 6000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let m = await scrape(url);
  while (!done(m) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    m = await scrape(url);
  }
  return m;
}

function sumOf(m: Map<string, number>, prefix: string): number {
  let n = 0;
  for (const [k, v] of m) if (k.startsWith(prefix)) n += v;
  return n;
}

async function hit(url: string, amount: number): Promise<void> {
  const result = await autocannon({ url, connections: 4, amount });
  expect(result.errors).toBe(0);
  expect(result.non2xx + result['2xx']).toBe(amount);
}

async function control(tsgun: TsgunProcess, command: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const line = await tsgun.waitForLine((l) => String(l.msg).startsWith('Control socket at:'));
  const client = await ControlClient.connect(String(line['path']));
  try {
    return await client.request(command, args);
  } finally {
    client.close();
  }
}

async function waitForWorkers(tsgun: TsgunProcess, ok: (ws: WorkerSnapshot[]) => boolean, timeoutMs = 15_000): Promise<WorkerSnapshot[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ws = (await control(tsgun, 'workers')) as WorkerSnapshot[];
    if (ok(ws)) return ws;
    if (Date.now() > deadline) throw new Error(`workers never settled: ${JSON.stringify(ws)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('metrics', () => {
  it('counts every request by status class, with durations, in-flight and per-worker gauges', async () => {
    const tsgun = await startTsgun(['test/fixtures/cli/status-app.js', '-k', 'async', '-w', '2', ...LOCAL]);
    const url = await metricsUrl(tsgun);
    await hit(`${tsgun.url}/`, 300);
    await hit(`${tsgun.url}/status/404`, 40);
    await hit(`${tsgun.url}/status/503`, 20);
    await hit(`${tsgun.url}/status/302`, 10);
    const m = await scrapeUntil(url, (s) => sumOf(s, 'tsgun_http_requests_total') >= 370);
    expect(m.get('tsgun_http_requests_total{status_class="2xx"}')).toBe(300);
    expect(m.get('tsgun_http_requests_total{status_class="3xx"}')).toBe(10);
    expect(m.get('tsgun_http_requests_total{status_class="4xx"}')).toBe(40);
    expect(m.get('tsgun_http_requests_total{status_class="5xx"}')).toBe(20);
    expect(m.has('tsgun_http_requests_total{status_class="1xx"}')).toBe(false);
    expect(m.get('tsgun_http_request_duration_seconds_count{status_class="2xx"}')).toBe(300);
    expect(m.get('tsgun_http_request_duration_seconds_bucket{status_class="2xx",le="+Inf"}')).toBe(300);
    // Buckets are cumulative and the sum is a plausible total of loopback request times.
    const le = (b: string): number => m.get(`tsgun_http_request_duration_seconds_bucket{status_class="2xx",le="${b}"}`) ?? -1;
    expect(le('0.001')).toBeLessThanOrEqual(le('0.01'));
    expect(le('0.01')).toBeLessThanOrEqual(le('10'));
    expect(m.get('tsgun_http_request_duration_seconds_sum{status_class="2xx"}')).toBeGreaterThan(0);
    expect(m.get('tsgun_http_request_duration_seconds_sum{status_class="2xx"}')).toBeLessThan(300);
    expect(m.get('tsgun_http_request_queue_seconds_count')).toBe(370);
    expect(m.get('tsgun_http_requests_in_flight')).toBe(0);
    expect(m.get('tsgun_http_requests_aborted_total')).toBe(0);
    expect(m.get('tsgun_workers')).toBe(2);
    expect(m.get('tsgun_workers_target')).toBe(2);

    const ready = await tsgun.waitForLine((l) => String(l.msg).startsWith('Ready:'));
    for (const [i, pid] of (ready['pids'] as number[]).entries()) {
      expect(m.get(`tsgun_worker_resident_memory_bytes{worker="${i + 1}",pid="${pid}"}`)).toBeGreaterThan(10 * 1024 * 1024);
      const busy = m.get(`tsgun_worker_busy_ratio{worker="${i + 1}",pid="${pid}"}`);
      expect(busy).toBeGreaterThanOrEqual(0);
      expect(busy).toBeLessThanOrEqual(1);
      expect(m.get(`tsgun_worker_heartbeat_age_seconds{worker="${i + 1}",pid="${pid}"}`)).toBeLessThan(3);
    }

    // Only GET/HEAD /metrics; the app's own port is untouched by it.
    expect((await request(url.replace('/metrics', '/other'))).status).toBe(404);
    expect((await request(url, { method: 'POST' })).status).toBe(404);
    expect((await request(url, { method: 'HEAD' })).status).toBe(200);
    expect((await request(`${tsgun.url}/metrics`)).body).toBe('status 200\n');
  });

  it("counts parser rejections by reason, apart from the app's requests", async () => {
    const tsgun = await startTsgun(['test/fixtures/cli/status-app.js', '-k', 'async', '-w', '1', ...LOCAL]);
    const url = await metricsUrl(tsgun);
    const port = Number(new URL(tsgun.url).port);
    const raw = (bytes: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => s.end(bytes));
        let got = '';
        s.setEncoding('utf8')
          .on('data', (c: string) => (got += c))
          .on('close', () => resolve(got))
          .on('error', reject);
      });
    expect(await raw('GET / HTTP/1.1\r\nHo st: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`GET /${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toMatch(/^HTTP\/1\.1 414 /);
    const m = await scrapeUntil(url, (s) => sumOf(s, 'tsgun_http_parser_rejections_total') >= 2);
    const rejections = [...m].filter(([k]) => k.startsWith('tsgun_http_parser_rejections_total'));
    expect(rejections).toHaveLength(2);
    expect(rejections.map(([k]) => k.match(/status="(\d+)"/)?.[1]).sort()).toEqual(['400', '414']);
    for (const [k, v] of rejections) {
      expect(k).toMatch(/reason="[a-z0-9-]+"/);
      expect(v).toBe(1);
    }
    expect(sumOf(m, 'tsgun_http_requests_total')).toBe(0);
  });

  it('keeps pool counters across kills, crashes and reloads, and counts restarts by reason', async () => {
    const tsgun = await startTsgun(['test/fixtures/cli/status-app.js', '-k', 'async', '-w', '2', ...LOCAL]);
    const url = await metricsUrl(tsgun);
    await hit(`${tsgun.url}/`, 200);
    await scrapeUntil(url, (s) => s.get('tsgun_http_requests_total{status_class="2xx"}') === 200);
    const before = (await control(tsgun, 'workers')) as WorkerSnapshot[];

    // A graceful kill: the worker's final heartbeat carries everything it counted.
    await control(tsgun, 'kill', { pid: before[0]!.pid });
    await waitForWorkers(tsgun, (ws) => ws.length === 2 && ws.every((w) => w.state === 'ready' && w.pid !== before[0]!.pid));
    let m = await scrape(url);
    expect(m.get('tsgun_http_requests_total{status_class="2xx"}')).toBe(200);
    expect(m.get('tsgun_worker_restarts_total{reason="killed"}')).toBe(1);

    // A crash (SIGKILL) keeps what the last heartbeat reported: all of it, the traffic was before.
    process.kill(before[1]!.pid, 'SIGKILL');
    await waitForWorkers(tsgun, (ws) => ws.length === 2 && ws.every((w) => w.state === 'ready' && w.pid !== before[1]!.pid));
    m = await scrape(url);
    expect(m.get('tsgun_http_requests_total{status_class="2xx"}')).toBe(200);
    expect(m.get('tsgun_worker_restarts_total{reason="crash"}')).toBe(1);

    process.kill(tsgun.pid, 'SIGHUP');
    await tsgun.waitForLine((l) => String(l.msg).startsWith('Reload complete'));
    await hit(`${tsgun.url}/status/500`, 30);
    m = await scrapeUntil(
      url,
      (s) => s.get('tsgun_worker_restarts_total{reason="reload"}') === 2 && s.get('tsgun_http_requests_total{status_class="5xx"}') === 30,
    );
    expect(m.get('tsgun_worker_restarts_total{reason="reload"}')).toBe(2);
    expect(m.get('tsgun_http_requests_total{status_class="2xx"}')).toBe(200);
    expect(m.get('tsgun_http_requests_total{status_class="5xx"}')).toBe(30);
    expect(m.get('tsgun_http_request_duration_seconds_count{status_class="2xx"}')).toBe(200);
    expect(m.get('tsgun_worker_exits_total{reason="reload"}')).toBe(2);
    expect(m.get('tsgun_workers')).toBe(2);
  });

  it('is off by default, and a non-TCP --metrics-bind is refused', async () => {
    const plain = await startTsgun(['examples/hello.js', '-b', '127.0.0.1:0']);
    expect(plain.lines.some((l) => String(l.msg).startsWith('Metrics at:'))).toBe(false);
    const bad = spawnTsgun(['examples/hello.js', '-b', '127.0.0.1:0', '--metrics-bind', 'unix:/tmp/x.sock']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toMatch(/--metrics-bind: "unix:\/tmp\/x.sock" is not a TCP address/);
  });
});
