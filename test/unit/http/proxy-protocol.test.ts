import { describe, expect, it } from 'vitest';
import { formatIpv6, parseProxyHeader } from '../../../src/http/proxy-protocol.js';

const SIG = Buffer.from('\r\n\r\n\0\r\nQUIT\n', 'latin1');
function v2(verCmd: number, famProto: number, block: number[]): Buffer {
  return Buffer.concat([SIG, Buffer.from([verCmd, famProto, block.length >> 8, block.length & 0xff, ...block])]);
}

describe('parseProxyHeader v1', () => {
  it('reads TCP4, TCP6 and UNKNOWN, and says how long the header is', () => {
    const line = 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n';
    expect(parseProxyHeader(Buffer.from(`${line}GET /`))).toEqual({
      kind: 'done',
      length: line.length,
      source: { address: '192.0.2.1', port: 56324, family: 'IPv4' },
    });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::1 ::1 1 2\r\n'))).toMatchObject({
      source: { address: '2001:db8::1', family: 'IPv6', port: 1 },
    });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({ kind: 'done', length: 15, source: null });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ::1 1 2\r\n'))).toMatchObject({ kind: 'done', source: null });
  });

  it('asks for more until the line is complete, whatever the split', () => {
    const line = Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n');
    for (let i = 0; i < line.length; i++) expect(parseProxyHeader(line.subarray(0, i)).kind, `first ${i} bytes`).toBe('more');
    expect(parseProxyHeader(line).kind).toBe('done');
  });

  it('refuses malformed lines', () => {
    for (const bad of [
      'PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n',
      'PROXY TCP4 192.0.2.300 198.51.100.2 1 2\r\n',
      'PROXY TCP4 192.0.2.1 198.51.100.2 65536 2\r\n',
      'PROXY TCP4 192.0.2.1 198.51.100.2 01 2\r\n',
      'PROXY TCP5 192.0.2.1 198.51.100.2 1 2\r\n',
      'PROXY TCP6 192.0.2.1 198.51.100.2 1 2\r\n',
      'PROXY TCP4  192.0.2.1 198.51.100.2 1 2\r\n',
      'PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n',
      'PROXY TCP4 192.0.2.1 198.51.100.2 1 2\r\r\n',
      'PROXZ TCP4',
      'GET / HTTP/1.1\r\n',
      `PROXY UNKNOWN ${'x'.repeat(100)}\r\n`,
    ]) {
      expect(parseProxyHeader(Buffer.from(bad)).kind, JSON.stringify(bad)).toBe('invalid');
    }
    // No LF within the 107 bytes a v1 line may have.
    expect(parseProxyHeader(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(200)}`)).kind).toBe('invalid');
  });
});

describe('parseProxyHeader v2', () => {
  it('reads PROXY TCP4 / TCP6, and LOCAL / UNSPEC / UNIX as "keep the socket address"', () => {
    const tcp4 = v2(0x21, 0x11, [192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x01, 0xbb]);
    expect(parseProxyHeader(Buffer.concat([tcp4, Buffer.from('GET')]))).toEqual({
      kind: 'done',
      length: 28,
      source: { address: '192.0.2.1', port: 56324, family: 'IPv4' },
    });
    const src6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const tcp6 = v2(0x21, 0x21, [...src6, ...new Array<number>(16).fill(0), 0, 80, 1, 0xbb]);
    expect(parseProxyHeader(tcp6)).toMatchObject({
      kind: 'done',
      length: 52,
      source: { address: '2001:db8::1', port: 80, family: 'IPv6' },
    });
    // TLVs after the addresses are skipped.
    const withTlv = v2(0x21, 0x11, [192, 0, 2, 1, 198, 51, 100, 2, 0, 1, 0, 2, 0x04, 0, 1, 0x55]);
    expect(parseProxyHeader(withTlv)).toMatchObject({ kind: 'done', length: 32, source: { address: '192.0.2.1' } });
    expect(parseProxyHeader(v2(0x20, 0x00, []))).toEqual({ kind: 'done', length: 16, source: null });
    expect(parseProxyHeader(v2(0x21, 0x00, []))).toEqual({ kind: 'done', length: 16, source: null });
    expect(parseProxyHeader(v2(0x21, 0x31, new Array<number>(216).fill(0)))).toMatchObject({ kind: 'done', source: null });
  });

  it('asks for more until the header is complete', () => {
    const tcp4 = v2(0x21, 0x11, [192, 0, 2, 1, 198, 51, 100, 2, 0, 1, 0, 2]);
    for (let i = 0; i < tcp4.length; i++) expect(parseProxyHeader(tcp4.subarray(0, i)).kind, `first ${i} bytes`).toBe('more');
  });

  it('refuses bad signatures, versions, commands, families, short blocks and huge lengths', () => {
    expect(parseProxyHeader(Buffer.from('\r\n\r\n\0\r\nQUIX\n')).kind).toBe('invalid');
    expect(parseProxyHeader(v2(0x11, 0x11, new Array<number>(12).fill(0))).kind).toBe('invalid');
    expect(parseProxyHeader(v2(0x22, 0x11, new Array<number>(12).fill(0))).kind).toBe('invalid');
    expect(parseProxyHeader(v2(0x21, 0x41, new Array<number>(12).fill(0))).kind).toBe('invalid');
    expect(parseProxyHeader(v2(0x21, 0x12, new Array<number>(12).fill(0))).kind).toBe('invalid'); // UDP
    expect(parseProxyHeader(v2(0x21, 0x11, [1, 2, 3, 4])).kind).toBe('invalid');
    expect(parseProxyHeader(v2(0x21, 0x21, new Array<number>(20).fill(0))).kind).toBe('invalid');
    const huge = Buffer.concat([SIG, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
    expect(parseProxyHeader(huge).kind).toBe('invalid');
    expect(parseProxyHeader(Buffer.from([0x16, 0x03, 0x01])).kind).toBe('invalid'); // a TLS hello
  });

  it('formats IPv6 addresses as RFC 5952 text', () => {
    const hex = (s: string): Buffer => Buffer.from(s.replaceAll(':', ''), 'hex');
    expect(formatIpv6(hex('2001:0db8:0000:0000:0000:0000:0000:0001'), 0)).toBe('2001:db8::1');
    expect(formatIpv6(hex('0000:0000:0000:0000:0000:0000:0000:0001'), 0)).toBe('::1');
    expect(formatIpv6(hex('0000:0000:0000:0000:0000:0000:0000:0000'), 0)).toBe('::');
    expect(formatIpv6(hex('2001:0db8:0000:0001:0000:0000:0000:0001'), 0)).toBe('2001:db8:0:1::1');
    expect(formatIpv6(hex('2001:0db8:0001:0001:0001:0001:0001:0001'), 0)).toBe('2001:db8:1:1:1:1:1:1');
  });
});
