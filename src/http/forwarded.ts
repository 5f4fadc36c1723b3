/**
 * What a trusted front-end proxy says about the client: X-Forwarded-For / -Proto / -Host,
 * `Forwarded` (RFC 7239) and gunicorn's secure-scheme headers. From peers in
 * `--forwarded-allow-ips` they are read into `ForwardedFacts` (attached to the request under
 * `FORWARDED`, read by src/app/request-origin.ts and the access log); from any other peer they
 * are removed from the request before the app sees it, so an app or framework told to trust
 * them (Express `trust proxy`, Koa `proxy`) cannot be fooled by a client talking to tsgun directly.
 *
 * Values follow what Express computes with `trust proxy` set to the same addresses:
 * - client address: X-Forwarded-For (else the `for=` of `Forwarded`) walked from the right,
 *   skipping trusted proxies; the first untrusted hop is the client (proxy-addr's rule);
 * - scheme: the secure-scheme headers (gunicorn's rule: a listed header with its listed value
 *   means https, with another value http; two that disagree → 400), else `proto=` of the first
 *   `Forwarded` element; both present and disagreeing → 400;
 * - host: the first X-Forwarded-Host value, else `host=` of the first `Forwarded` element.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { AddressList } from './address-list.js';
import type { ClientError } from './client-error.js';
import { ERR, trimOws } from './validate.js';

export interface ForwardedFacts {
  /** The client's address as the trusted proxies report it (the peer's own when they say nothing). */
  readonly clientAddress: string;
  /** From the scheme headers; null when none was sent. */
  readonly scheme: 'http' | 'https' | null;
  /** From X-Forwarded-Host / `Forwarded: host=`; null when none was sent. Not validated. */
  readonly host: string | null;
}

/** Where the facts live on a request: a symbol, so frameworks' prototype swaps keep it. */
export const FORWARDED: unique symbol = Symbol('tsgun.forwarded');

type WithFacts = IncomingMessage & { [FORWARDED]?: ForwardedFacts };

export function forwardedFacts(req: IncomingMessage): ForwardedFacts | undefined {
  return (req as WithFacts)[FORWARDED];
}

export function attachForwardedFacts(req: IncomingMessage, facts: ForwardedFacts): void {
  (req as WithFacts)[FORWARDED] = facts;
}

const XFF = 'x-forwarded-for';
const XFP = 'x-forwarded-proto';
const XFH = 'x-forwarded-host';
const FWD = 'forwarded';

export class ForwardedRules {
  readonly #trusted: AddressList;
  /** Lowercased secure-scheme header name → lowercased value meaning https. */
  readonly #secure: ReadonlyMap<string, string>;
  /** Lengths of every header name this class looks at: most names are skipped on length alone. */
  readonly #lengths: ReadonlySet<number>;

  constructor(trusted: AddressList, secureSchemeHeaders: readonly (readonly [string, string])[]) {
    this.#trusted = trusted;
    this.#secure = new Map(secureSchemeHeaders.map(([name, value]) => [name.toLowerCase(), value.trim().toLowerCase()]));
    this.#lengths = new Set([XFF, XFP, XFH, FWD, ...this.#secure.keys()].map((n) => n.length));
  }

  /** Does this peer speak for its clients? */
  trusts(peer: string): boolean {
    return this.#trusted.has(peer);
  }

  #interesting(name: string): string | null {
    if (!this.#lengths.has(name.length)) return null;
    const lower = name.toLowerCase();
    return lower === XFF || lower === XFP || lower === XFH || lower === FWD || this.#secure.has(lower) ? lower : null;
  }

  /**
   * Index in `raw` of the first forwarding header, -1 when there is none: then neither `read`
   * nor `strip` has anything to do, and the peer's trust need not be decided at all.
   */
  find(raw: readonly string[]): number {
    for (let i = 0; i < raw.length; i += 2) if (this.#interesting(raw[i] as string) !== null) return i;
    return -1;
  }

  /** Untrusted peer: remove every forwarding header from `raw` (in place), those before `from` excepted (`find` saw none there). */
  strip(raw: string[], from = 0): void {
    let out = from;
    for (let i = from; i < raw.length; i += 2) {
      if (this.#interesting(raw[i] as string) !== null) continue;
      raw[out++] = raw[i] as string;
      raw[out++] = raw[i + 1] as string;
    }
    raw.length = out;
  }

  /**
   * Trusted peer: the facts its headers give, null when it sent none, or a ClientError when
   * its scheme headers contradict each other. Headers before `from` are not looked at.
   */
  read(raw: readonly string[], peer: string, from = 0): ForwardedFacts | ClientError | null {
    let xff: string | null = null;
    let xfh: string | null = null;
    let fwd: string | null = null;
    let scheme: 'http' | 'https' | null = null;
    for (let i = from; i < raw.length; i += 2) {
      const name = this.#interesting(raw[i] as string);
      if (name === null) continue;
      const value = raw[i + 1] as string;
      const https = this.#secure.get(name);
      if (https !== undefined) {
        const s = firstElement(value).toLowerCase() === https ? 'https' : 'http';
        if (scheme !== null && scheme !== s) return ERR.conflictingScheme;
        scheme = s;
      }
      // Repeated fields are one comma list (RFC 9110 §5.3).
      if (name === XFF) xff = xff === null ? value : `${xff},${value}`;
      else if (name === XFH) xfh = xfh === null ? value : `${xfh},${value}`;
      else if (name === FWD) fwd = fwd === null ? value : `${fwd},${value}`;
    }
    const elements = fwd === null ? null : parseForwarded(fwd);
    const first = elements?.[0];
    const fwdProto = first?.get('proto')?.toLowerCase();
    if (fwdProto === 'http' || fwdProto === 'https') {
      if (scheme !== null && scheme !== fwdProto) return ERR.conflictingScheme;
      scheme = fwdProto;
    }
    let hops: string[] | null = null;
    if (xff !== null) hops = xff.split(',');
    else if (elements != null) hops = elements.map((e) => e.get('for') ?? '');
    const host = xfh !== null ? firstElement(xfh) : (first?.get('host') ?? null);
    if (hops === null && scheme === null && host === null) return null;
    return { clientAddress: hops === null ? peer : this.#client(hops, peer), scheme, host: host === '' ? null : host };
  }

  /** proxy-addr's walk: from the nearest hop outwards, the first address that is not a trusted proxy. */
  #client(hops: readonly string[], peer: string): string {
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const address = hopAddress(hops[i] as string);
      // A hop that is not an address (`unknown`, `_hidden`, garbage): the last known one stands.
      if (address === null) return client;
      client = address;
      if (!this.#trusted.has(address)) return client;
    }
    return client;
  }
}

function firstElement(value: string): string {
  const comma = value.indexOf(',');
  return trimOws(comma < 0 ? value : value.slice(0, comma));
}

/** An X-Forwarded-For / `for=` hop → its IP (ports and IPv6 brackets removed), or null. */
export function hopAddress(text: string): string | null {
  let s = trimOws(text);
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return null;
    s = s.slice(1, close);
    return isIP(s) === 6 ? s : null;
  }
  if (isIP(s) !== 0) return s;
  const colon = s.lastIndexOf(':');
  const port = s.slice(colon + 1);
  if (colon > 0 && s.indexOf(':') === colon && /^\d{1,5}$/.test(port) && Number(port) <= 65535) {
    const v4 = s.slice(0, colon);
    if (isIP(v4) === 4) return v4;
  }
  return null;
}

/**
 * RFC 7239 `Forwarded`: elements separated by `,`, pairs by `;`, values tokens or quoted
 * strings. Keys are lowercased. Returns null when the value does not parse (it is then ignored).
 */
export function parseForwarded(value: string): Map<string, string>[] | null {
  const out: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let i = 0;
  const n = value.length;
  for (;;) {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    const keyStart = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(value[i] as string)) i++;
    if (i === keyStart || value[i] !== '=') {
      if (i === keyStart && i < n && value[i] === ',' && current.size === 0) {
        i++; // empty list element
        continue;
      }
      if (i === n && i === keyStart && current.size === 0) break;
      return null;
    }
    const key = value.slice(keyStart, i).toLowerCase();
    i++;
    let v: string;
    if (value[i] === '"') {
      let j = i + 1;
      v = '';
      while (j < n && value[j] !== '"') {
        if (value[j] === '\\') j++;
        v += value[j] ?? '';
        j++;
      }
      if (j >= n) return null;
      i = j + 1;
    } else {
      const start = i;
      while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z:[\]]/.test(value[i] as string)) i++;
      v = value.slice(start, i);
    }
    if (!current.has(key)) current.set(key, v);
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    if (i === n) {
      out.push(current);
      break;
    }
    if (value[i] === ';') {
      i++;
      continue;
    }
    if (value[i] === ',') {
      out.push(current);
      current = new Map();
      i++;
      continue;
    }
    return null;
  }
  return out;
}
