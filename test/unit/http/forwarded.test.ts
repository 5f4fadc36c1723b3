import { describe, expect, it } from 'vitest';
import { AddressList, peerAddress, UNIX_PEER } from '../../../src/http/address-list.js';
import { ForwardedRules, hopAddress, parseForwarded } from '../../../src/http/forwarded.js';
import { ClientError } from '../../../src/http/client-error.js';

const SECURE = [
  ['X-FORWARDED-PROTOCOL', 'ssl'],
  ['X-FORWARDED-PROTO', 'https'],
  ['X-FORWARDED-SSL', 'on'],
] as const;
const rules = new ForwardedRules(new AddressList(['127.0.0.1', '10.0.0.0/8', '::1']), SECURE);

function read(raw: string[]): unknown {
  const r = rules.read(raw, '127.0.0.1');
  return r instanceof ClientError ? `${r.status} ${r.reason}` : r;
}

describe('AddressList', () => {
  it('matches addresses, networks, IPv4-mapped IPv6, * and Unix peers', () => {
    const list = new AddressList(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
    expect(list.has('127.0.0.1')).toBe(true);
    expect(list.has('::ffff:127.0.0.1')).toBe(true);
    expect(list.has('10.200.3.4')).toBe(true);
    expect(list.has('11.0.0.1')).toBe(false);
    expect(list.has('2001:db8:1::5')).toBe(true);
    expect(list.has('2001:db9::5')).toBe(false);
    expect(list.has('')).toBe(false);
    expect(list.has(UNIX_PEER)).toBe(true);
    expect(new AddressList([]).has('127.0.0.1')).toBe(false);
    expect(new AddressList(['*']).has('203.0.113.1')).toBe(true);
  });

  it('peerAddress: IP, Unix peer, or unknown', () => {
    expect(peerAddress({ remoteAddress: '1.2.3.4', localAddress: '5.6.7.8' })).toBe('1.2.3.4');
    expect(peerAddress({})).toBe(UNIX_PEER);
    expect(peerAddress({ localAddress: '127.0.0.1' })).toBe('');
    // A destroyed TCP socket has lost both addresses: unknown, not a (trusted) Unix peer.
    expect(peerAddress({ destroyed: true })).toBe('');
    expect(peerAddress({ remoteAddress: '1.2.3.4', destroyed: true })).toBe('1.2.3.4');
  });
});

describe('ForwardedRules.read (trusted peer)', () => {
  it('walks X-Forwarded-For from the right, skipping trusted proxies', () => {
    expect(read(['X-Forwarded-For', '203.0.113.1, 198.51.100.2'])).toEqual({ clientAddress: '198.51.100.2', scheme: null, host: null });
    expect(read(['X-Forwarded-For', '203.0.113.1, 10.1.1.1', 'x-forwarded-for', '127.0.0.1'])).toMatchObject({
      clientAddress: '203.0.113.1',
    });
    // Everyone trusted: the farthest hop.
    expect(read(['X-Forwarded-For', '10.0.0.2, 10.0.0.3'])).toMatchObject({ clientAddress: '10.0.0.2' });
    // A hop that is not an address ends the walk at the last known one.
    expect(read(['X-Forwarded-For', '203.0.113.1, unknown, 10.0.0.3'])).toMatchObject({ clientAddress: '10.0.0.3' });
    expect(read(['X-Forwarded-For', '198.51.100.9:4711'])).toMatchObject({ clientAddress: '198.51.100.9' });
  });

  it('reads the scheme from the secure-scheme headers, refusing contradictions', () => {
    expect(read(['X-Forwarded-Proto', 'https'])).toMatchObject({ scheme: 'https', clientAddress: '127.0.0.1' });
    expect(read(['X-Forwarded-Proto', 'HTTPS, http'])).toMatchObject({ scheme: 'https' });
    expect(read(['X-Forwarded-Proto', 'http'])).toMatchObject({ scheme: 'http' });
    expect(read(['X-Forwarded-Protocol', 'ssl', 'X-Forwarded-Ssl', 'on'])).toMatchObject({ scheme: 'https' });
    expect(read(['X-Forwarded-Proto', 'https', 'X-Forwarded-Ssl', 'off'])).toBe('400 conflicting-scheme-headers');
    expect(read(['X-Forwarded-Proto', 'http', 'Forwarded', 'proto=https'])).toBe('400 conflicting-scheme-headers');
  });

  it('reads RFC 7239 Forwarded when there is no X-Forwarded-For', () => {
    expect(read(['Forwarded', 'for=198.51.100.3;proto=https;host=a.test, for=10.0.0.1'])).toEqual({
      clientAddress: '198.51.100.3',
      scheme: 'https',
      host: 'a.test',
    });
    expect(read(['Forwarded', 'for="[2001:db8::9]:80"'])).toMatchObject({ clientAddress: '2001:db8::9' });
    expect(read(['Forwarded', 'for=198.51.100.3', 'X-Forwarded-For', '203.0.113.4'])).toMatchObject({ clientAddress: '203.0.113.4' });
    expect(read(['Forwarded', 'garbage;;'])).toBeNull();
  });

  it('reads the host from X-Forwarded-Host (first value)', () => {
    expect(read(['X-Forwarded-Host', 'public.test:8443, inner.test'])).toMatchObject({ host: 'public.test:8443' });
  });

  it('returns null when the peer sent none of them', () => {
    expect(read(['Host', 'x', 'X-Other', 'y'])).toBeNull();
  });
});

describe('ForwardedRules.strip (untrusted peer)', () => {
  it('removes every forwarding and scheme header, whatever its case, and keeps the rest', () => {
    const raw = [
      'Host',
      'x',
      'x-forwarded-for',
      '1.2.3.4',
      'X-FORWARDED-PROTO',
      'https',
      'Forwarded',
      'for=1.2.3.4',
      'X-Forwarded-Host',
      'h',
      'X-Forwarded-Ssl',
      'on',
      'X-Forwarded-Protocol',
      'ssl',
      'X-Keep',
      'k',
    ];
    rules.strip(raw);
    expect(raw).toEqual(['Host', 'x', 'X-Keep', 'k']);
  });

  it('starts where find() saw the first forwarding header, and find() says -1 when there is none', () => {
    expect(rules.find(['Host', 'x', 'X-Keep', 'k', 'X-Forwarded-Hostx', 'h'])).toBe(-1);
    const raw = ['Host', 'x', 'X-Keep', 'k', 'x-forwarded-for', '1.2.3.4', 'Accept', '*/*', 'Forwarded', 'for=5.6.7.8'];
    const first = rules.find(raw);
    expect(first).toBe(4);
    rules.strip(raw, first);
    expect(raw).toEqual(['Host', 'x', 'X-Keep', 'k', 'Accept', '*/*']);
    const trusted = ['Host', 'x', 'X-Forwarded-For', '203.0.113.7'];
    expect(rules.read(trusted, '127.0.0.1', rules.find(trusted))).toMatchObject({ clientAddress: '203.0.113.7' });
  });
});

describe('parseForwarded / hopAddress', () => {
  it('parses elements, pairs and quoted values', () => {
    expect(parseForwarded('for=a;by=b, for="c d";proto=http')?.map((m) => Object.fromEntries(m))).toEqual([
      { for: 'a', by: 'b' },
      { for: 'c d', proto: 'http' },
    ]);
    expect(parseForwarded('for="unterminated')).toBeNull();
    expect(parseForwarded('=x')).toBeNull();
  });

  it('extracts addresses from hops', () => {
    expect(hopAddress(' 1.2.3.4 ')).toBe('1.2.3.4');
    expect(hopAddress('[::1]:80')).toBe('::1');
    expect(hopAddress('::1')).toBe('::1');
    expect(hopAddress('_hidden')).toBeNull();
    expect(hopAddress('1.2.3.4:99999')).toBeNull();
  });
});
