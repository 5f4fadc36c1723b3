import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ACCESS_LOG_FORMAT, basicAuthUser, clfTime, compileAccessLogFormat } from '../../../src/http/access-log.js';
import type { RequestRecord } from '../../../src/http/types.js';

function record(
  opts: {
    url?: string;
    method?: string;
    headers?: string[];
    status?: number;
    bodyBytes?: number;
    durationNs?: bigint;
    version?: string;
  } = {},
): RequestRecord {
  const req = new IncomingMessage(new Socket());
  req.method = opts.method ?? 'GET';
  req.url = opts.url ?? '/path?x=1';
  req.httpVersion = opts.version ?? '1.1';
  const raw = opts.headers ?? [];
  (req as unknown as { _addHeaderLines(h: string[], n: number): void })._addHeaderLines(raw, raw.length);
  const res = new ServerResponse(req);
  res.statusCode = opts.status ?? 200;
  res.setHeader('Content-Type', 'text/html');
  res.setHeader('Set-Cookie', ['a=1', 'b=2']);
  return {
    req,
    res,
    remoteAddress: '10.0.0.7',
    startTime: new Date(2000, 9, 10, 13, 55, 36).getTime(),
    durationNs: opts.durationNs ?? 1_234_567_890n,
    bodyBytes: opts.bodyBytes ?? 2326,
    completed: true,
  };
}

const TZ = process.env.TZ;
beforeEach(() => {
  process.env.TZ = 'UTC';
});
afterEach(() => {
  if (TZ === undefined) delete process.env.TZ;
  else process.env.TZ = TZ;
  vi.restoreAllMocks();
});

describe('access log', () => {
  it('formats the default (combined) format like gunicorn', () => {
    const format = compileAccessLogFormat(DEFAULT_ACCESS_LOG_FORMAT);
    const line = format(
      record({
        headers: [
          'Referer',
          'http://ref/',
          'User-Agent',
          'curl/8.0',
          'Authorization',
          `Basic ${Buffer.from('alice:secret').toString('base64')}`,
        ],
      }),
    );
    expect(line).toBe(
      `10.0.0.7 - alice ${clfTime(new Date(2000, 9, 10, 13, 55, 36).getTime())} "GET /path?x=1 HTTP/1.1" 200 2326 "http://ref/" "curl/8.0"`,
    );
  });

  it('prints - for absent fields and empty bodies', () => {
    const format = compileAccessLogFormat(DEFAULT_ACCESS_LOG_FORMAT);
    const line = format(record({ bodyBytes: 0, status: 304 }));
    expect(line).toMatch(/^10\.0\.0\.7 - - \[.+\] "GET \/path\?x=1 HTTP\/1\.1" 304 - "-" "-"$/);
  });

  it('formats a custom format with every atom', () => {
    const format = compileAccessLogFormat(
      '%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(T)s|%(D)s|%(M)s|%(L)s|%(p)s|%({x-request-id}i)s|%({Content-Type}o)s|%({set-cookie}o)s|%({missing}i)s|%(nope)s|100%%|%(l)s',
    );
    const line = format(
      record({
        method: 'POST',
        url: '/a/b?c=d&e',
        headers: ['X-Request-ID', 'abc123'],
        status: 201,
        bodyBytes: 7,
        durationNs: 2_000_345_678n,
        version: '1.0',
      }),
    );
    expect(line).toBe(`POST|/a/b|c=d&e|HTTP/1.0|201|7|7|2|2000345|2000|2.000345|<${process.pid}>|abc123|text/html|a=1, b=2|-|-|100%|-`);
  });

  it('handles a URL without a query and an empty format', () => {
    expect(compileAccessLogFormat('%(U)s [%(q)s] %(r)s')(record({ url: '/plain' }))).toBe('/plain [] GET /plain HTTP/1.1');
    expect(compileAccessLogFormat('')(record())).toBe('');
    expect(compileAccessLogFormat('no atoms')(record())).toBe('no atoms');
  });

  it('prints the time as [dd/Mon/yyyy:HH:MM:SS ±zzzz]', () => {
    expect(clfTime(Date.UTC(2024, 0, 2, 3, 4, 5))).toMatch(/^\[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]$/);
    const d = new Date(2024, 6, 9, 8, 7, 6);
    expect(clfTime(d.getTime())).toMatch(/^\[09\/Jul\/2024:08:07:06 [+-]\d{4}\]$/);
  });

  it('reads the Basic-auth user', () => {
    expect(basicAuthUser(`Basic ${Buffer.from('bob:pw:with:colons').toString('base64')}`)).toBe('bob');
    expect(basicAuthUser(`basic ${Buffer.from('carol').toString('base64')}`)).toBe('carol');
    expect(basicAuthUser('Bearer abc')).toBeUndefined();
    expect(basicAuthUser(undefined)).toBeUndefined();
    expect(basicAuthUser(`Basic ${Buffer.from(':pw').toString('base64')}`)).toBeUndefined();
  });
});
