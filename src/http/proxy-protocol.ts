/**
 * The PROXY protocol header (HAProxy's spec, versions 1 and 2) a load balancer sends before the
 * client's bytes to say who the client is. `parseProxyHeader` reads it from the start of a
 * connection's input; the connection then makes the named client the socket's address.
 * Pure: bytes in, verdict out.
 */
import { isIP } from 'node:net';

export interface ProxySource {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

export type ProxyHeaderResult =
  /** Not enough bytes yet to decide. */
  | { readonly kind: 'more' }
  /** Not a valid PROXY header: refuse the connection. */
  | { readonly kind: 'invalid' }
  /** `length` bytes were the header; `source` is null for LOCAL / UNKNOWN (keep the socket's address). */
  | { readonly kind: 'done'; readonly length: number; readonly source: ProxySource | null };

const MORE = { kind: 'more' } as const;
const INVALID = { kind: 'invalid' } as const;

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** v1's longest line, CRLF included (spec §2.1). */
const V1_MAX = 107;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** Address block plus TLVs we accept in a v2 header: bounded so it cannot make us buffer much. */
const V2_MAX_LENGTH = 4096;

export function parseProxyHeader(buf: Buffer): ProxyHeaderResult {
  if (buf.length === 0) return MORE;
  if (buf[0] === 0x50) return parseV1(buf); // 'P'
  if (buf[0] === 0x0d) return parseV2(buf);
  return INVALID;
}

function startsWithPartial(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV1(buf: Buffer): ProxyHeaderResult {
  if (!startsWithPartial(buf, V1_PREFIX)) return INVALID;
  const limit = Math.min(buf.length, V1_MAX);
  let lf = -1;
  for (let i = 0; i < limit; i++) {
    if (buf[i] === 0x0a) {
      lf = i;
      break;
    }
  }
  if (lf < 0) return buf.length >= V1_MAX ? INVALID : MORE;
  if (lf < 1 || buf[lf - 1] !== 0x0d) return INVALID;
  const line = buf.toString('latin1', V1_PREFIX.length, lf - 1);
  const length = lf + 1;
  if (line === 'UNKNOWN' || line.startsWith('UNKNOWN ')) return { kind: 'done', length, source: null };
  const parts = line.split(' ');
  if (parts.length !== 5) return INVALID;
  const [proto, src, dst, sport, dport] = parts as [string, string, string, string, string];
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  if (family === 0 || isIP(src) !== family || isIP(dst) !== family) return INVALID;
  const port = parsePort(sport);
  if (port < 0 || parsePort(dport) < 0) return INVALID;
  return { kind: 'done', length, source: { address: src, port, family: family === 4 ? 'IPv4' : 'IPv6' } };
}

/** A decimal port without sign or leading zeros, 0-65535; -1 otherwise. */
function parsePort(text: string): number {
  if (!/^(?:0|[1-9]\d{0,4})$/.test(text)) return -1;
  const n = Number(text);
  return n <= 65535 ? n : -1;
}

function parseV2(buf: Buffer): ProxyHeaderResult {
  if (!startsWithPartial(buf, V2_SIGNATURE)) return INVALID;
  if (buf.length < 16) return MORE;
  const verCmd = buf[12] as number;
  const famProto = buf[13] as number;
  const len = buf.readUInt16BE(14);
  if (verCmd >> 4 !== 2) return INVALID;
  const command = verCmd & 0x0f;
  if (command > 1) return INVALID;
  if (len > V2_MAX_LENGTH) return INVALID;
  const length = 16 + len;
  if (buf.length < length) return MORE;
  const af = famProto >> 4;
  const proto = famProto & 0x0f;
  if (af > 3 || proto > 2) return INVALID;
  // LOCAL: the proxy's own connection (health checks): keep the socket's address.
  if (command === 0) return { kind: 'done', length, source: null };
  if (af === 1 || af === 2) {
    if (proto !== 1) return INVALID; // only TCP streams carry HTTP
    const need = af === 1 ? 12 : 36;
    if (len < need) return INVALID;
    if (af === 1) {
      const address = `${buf[16]}.${buf[17]}.${buf[18]}.${buf[19]}`;
      return { kind: 'done', length, source: { address, port: buf.readUInt16BE(24), family: 'IPv4' } };
    }
    return { kind: 'done', length, source: { address: formatIpv6(buf, 16), port: buf.readUInt16BE(48), family: 'IPv6' } };
  }
  // UNSPEC or a Unix-socket client: no address to report.
  return { kind: 'done', length, source: null };
}

/** RFC 5952 text of the 16-byte IPv6 address at `buf[at]`. */
export function formatIpv6(buf: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(at + i * 2));
  // Longest run of two or more zero groups becomes '::'.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}
