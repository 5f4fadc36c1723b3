/**
 * The HTTP conformance table (test/fixtures/http/conformance-cases.js) against the real CLI:
 * every case is sent as raw bytes on a fresh connection to a spawned tsgun, and the answer
 * (status, Connection: close, the app's view of the request) is checked. Each refusal is
 * followed by a normal request on a new connection: the worker must still serve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, parseResponses, sleep, type RawResponse } from '../unit/http/helpers.js';
import { killAll, startTsgun, type TsgunProcess } from '../helpers/tsgun-process.js';
// @ts-expect-error: a plain JS module (also run by measure-node-http.mjs under bare node); typed by use here
import { CASES as RAW_CASES, SERVERS as RAW_SERVERS } from '../fixtures/http/conformance-cases.js';

interface Expectation {
  readonly status?: number;
  readonly statuses?: readonly number[];
  readonly close?: boolean;
  readonly interim?: number;
  readonly head?: boolean;
  readonly check?: (json: Record<string, unknown> & { headers: Record<string, string> }, res: RawResponse) => boolean;
}
interface Case {
  readonly group: string;
  readonly name: string;
  readonly server: string;
  readonly raw: string;
  readonly expect: Expectation;
}
const CASES = RAW_CASES as readonly Case[];
const SERVERS = RAW_SERVERS as Readonly<Record<string, readonly string[]>>;

const APP = 'test/fixtures/http/echo-app.js';
const servers = new Map<string, TsgunProcess>();
const ports = new Map<string, number>();
const tally = { cases: 0, accepted: 0, refused: 0 };

beforeAll(async () => {
  const started = await Promise.all(
    Object.entries(SERVERS).map(async ([key, flags]) => {
      const proc = await startTsgun([APP, '-b', '127.0.0.1:0', '--access-logfile', '-', '--log-level', 'debug', ...flags]);
      return [key, proc] as const;
    }),
  );
  for (const [key, proc] of started) {
    servers.set(key, proc);
    ports.set(key, Number(new URL(proc.url).port));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([...servers.values()].map((p) => p.stop('SIGTERM', 5000)));
  await killAll();
  console.log(`http conformance: ${tally.cases} cases, ${tally.accepted} accepted, ${tally.refused} refused`);
});

function responseCount(e: Expectation): number {
  return (e.statuses?.length ?? 1) + (e.interim !== undefined ? 1 : 0);
}

async function run(c: Case): Promise<void> {
  const port = ports.get(c.server) as number;
  const client = await RawClient.connect(port);
  try {
    client.write(Buffer.from(c.raw, 'latin1'));
    const e = c.expect;
    const head = e.head === true;
    if (e.close === true) {
      expect(await client.waitClose(5000), 'server closes the connection').toBe(true);
    } else {
      await client.until((t) => parseResponses(t, head).length >= responseCount(e), 5000);
    }
    const responses = parseResponses(client.text, head);
    expect(responses.length, `responses to ${JSON.stringify(c.raw.slice(0, 80))}: ${JSON.stringify(client.text.slice(0, 200))}`).toBe(
      responseCount(e),
    );
    let finals = responses;
    if (e.interim !== undefined) {
      expect(responses[0]?.status).toBe(e.interim);
      finals = responses.slice(1);
    }
    const statuses = e.statuses ?? [e.status];
    expect(finals.map((r) => r.status)).toEqual(statuses);
    const last = finals.at(-1) as RawResponse;
    if ((last.status ?? 0) >= 400) {
      tally.refused++;
      // A refusal: short text body, Connection: close.
      expect(last.headers.connection).toBe('close');
      expect(last.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(last.body).toMatch(new RegExp(`^${last.status} [A-Za-z -]+\\n$`));
      // ... and the worker serves the next connection.
      const next = await RawClient.connect(port);
      try {
        const probe = c.server === 'proxy' ? `PROXY UNKNOWN\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n` : 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
        next.write(probe);
        const [res] = await next.responses(1, { timeoutMs: 5000 });
        expect(res?.status).toBe(200);
      } finally {
        next.destroy();
      }
    } else {
      tally.accepted++;
      // Never both framings on a response.
      for (const r of finals) expect(r.headers['content-length'] !== undefined && r.headers['transfer-encoding'] !== undefined).toBe(false);
    }
    if (e.close === false) {
      await sleep(100);
      expect(client.closed, 'connection kept open').toBe(false);
    }
    if (e.check !== undefined) {
      type Json = Parameters<NonNullable<Expectation['check']>>[0];
      // The app answers UTF-8 JSON; the raw client reads latin1.
      const isJson = last.headers['content-type'] === 'application/json' && last.body !== '';
      const json = isJson ? (JSON.parse(Buffer.from(last.body, 'latin1').toString('utf8')) as Json) : ({ headers: {} } as unknown as Json);
      expect(e.check(json, last), `check on ${last.body.slice(0, 400)}`).toBe(true);
    }
    tally.cases++;
  } finally {
    client.destroy();
  }
}

describe('HTTP conformance table (real CLI)', () => {
  for (const c of CASES) {
    const want = c.expect.statuses?.join(',') ?? String(c.expect.status);
    it(`${c.group}: ${c.name} → ${want}${c.expect.close === true ? ' + close' : ''}`, () => run(c));
  }
});

describe('HTTP engine on the real CLI: beyond the table', () => {
  it('measures a request line sent one byte per TCP segment: 414 as soon as it passes the limit', async () => {
    const client = await RawClient.connect(ports.get('limits') as number);
    try {
      const sent = await client.writeSlowly(`GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\n\r\n`, () => client.length > 0);
      const [res] = await client.responses(1);
      expect(res?.status).toBe(414);
      expect(await client.waitClose()).toBe(true);
      expect(sent).toBeGreaterThan(64);
      expect(sent).toBeLessThan(200);
    } finally {
      client.destroy();
    }
  });

  it('a 64-byte request line in 1-byte segments, CR and LF apart, is served', async () => {
    const client = await RawClient.connect(ports.get('limits') as number);
    try {
      await client.writeSlowly(`GET /${'b'.repeat(64 - 14)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const [res] = await client.responses(1);
      expect(res?.status).toBe(200);
    } finally {
      client.destroy();
    }
  });

  it('the access log shows the client a trusted proxy or a PROXY header named', async () => {
    const fwd = await RawClient.connect(ports.get('default') as number);
    const viaProxy = await RawClient.connect(ports.get('proxy') as number);
    try {
      fwd.write('GET /logged-xff HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.77\r\n\r\n');
      viaProxy.write('PROXY TCP4 198.51.100.88 127.0.0.1 4000 80\r\nGET /logged-proxy HTTP/1.1\r\nHost: x\r\n\r\n');
      await fwd.responses(1);
      await viaProxy.responses(1);
      const d = servers.get('default') as TsgunProcess;
      const p = servers.get('proxy') as TsgunProcess;
      await expect.poll(() => d.stdout(), { timeout: 5000 }).toMatch(/^198\.51\.100\.77 - - \[.*\] "GET \/logged-xff HTTP\/1\.1" 200/m);
      await expect.poll(() => p.stdout(), { timeout: 5000 }).toMatch(/^198\.51\.100\.88 - - \[.*\] "GET \/logged-proxy HTTP\/1\.1" 200/m);
    } finally {
      fwd.destroy();
      viaProxy.destroy();
    }
  });

  it('logs each refusal once at debug, without a stack trace', async () => {
    const proc = servers.get('refuse') as TsgunProcess;
    const client = await RawClient.connect(ports.get('refuse') as number);
    try {
      client.write('GET /once HTTP/1.1\r\nHost: x\r\nX_Once: 1\r\n\r\n');
      expect(await client.waitClose()).toBe(true);
      const line = await proc.waitForLine((l) => l['reason'] === 'underscore-in-header-name');
      expect(line.level).toBe(20);
      expect(JSON.stringify(line)).not.toMatch(/stack|\n\s+at /);
    } finally {
      client.destroy();
    }
  });
});
