/**
 * gunicorn-compatible access log lines. `compileAccessLogFormat` parses a Python-style
 * format (`%(h)s %(t)s "%(r)s" …`) once into literal text and atom functions, so formatting a
 * record is one pass of string concatenation.
 *
 * Atoms (gunicorn's meaning):
 *   h remote address     l '-'                u Basic-auth user or '-'    t [10/Oct/2000:13:55:36 -0700]
 *   r request line       m method             U path (no query)           q query string (no '?')
 *   H protocol           s status             B body bytes                b body bytes, '-' when 0 (CLF)
 *   f Referer            a User-Agent         T seconds                   D microseconds
 *   M milliseconds       L decimal seconds    p <pid>
 *   {name}i request header    {name}o response header    (case-insensitive; '-' when absent)
 * Unknown atoms print '-', as gunicorn's SafeAtoms do. `%%` is a literal '%'.
 * `U` is the raw path: unlike WSGI's PATH_INFO it is not percent-decoded.
 */
import type { OutgoingHttpHeader } from 'node:http';
import type { RequestRecord } from './types.js';

export const DEFAULT_ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

type Atom = (rec: RequestRecord) => string;

/** `%(name)` plus Python's optional flags/width/precision and a conversion letter, or `%%`. */
const DIRECTIVE = /%\(([^)]*)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%%/g;

export function compileAccessLogFormat(format: string): (rec: RequestRecord) => string {
  const literals: string[] = [];
  const atoms: Atom[] = [];
  let text = '';
  let last = 0;
  for (const match of format.matchAll(DIRECTIVE)) {
    text += format.slice(last, match.index);
    last = match.index + match[0].length;
    const name = match[1];
    if (name === undefined) {
      text += '%';
      continue;
    }
    literals.push(text);
    atoms.push(name === 't' ? clfTimeAtom() : atomFor(name));
    text = '';
  }
  literals.push(text + format.slice(last));

  const first = literals[0] as string;
  const count = atoms.length;
  return (rec) => {
    let out = first;
    for (let i = 0; i < count; i++) out += (atoms[i] as Atom)(rec) + (literals[i + 1] as string);
    return out;
  };
}

function atomFor(name: string): Atom {
  if (name.length > 2 && name.startsWith('{')) {
    const close = name.indexOf('}');
    if (close > 1 && close === name.length - 2) {
      const header = name.slice(1, close).toLowerCase();
      const kind = name[close + 1];
      if (kind === 'i') return (rec) => headerText(rec.req.headers[header]);
      if (kind === 'o') return (rec) => headerText(rec.res.getHeader(header));
    }
    return dash;
  }
  return ATOMS[name] ?? dash;
}

function dash(): string {
  return '-';
}

function headerText(value: OutgoingHttpHeader | undefined): string {
  if (value === undefined) return '-';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

function micros(rec: RequestRecord): number {
  return Number(rec.durationNs / 1000n);
}

function queryIndex(url: string): number {
  return url.indexOf('?');
}

const ATOMS: Readonly<Record<string, Atom>> = {
  h: (rec) => rec.remoteAddress || '-',
  l: dash,
  u: (rec) => basicAuthUser(rec.req.headers.authorization) ?? '-',
  r: (rec) => `${rec.req.method ?? '-'} ${rec.req.url ?? ''} HTTP/${rec.req.httpVersion}`,
  m: (rec) => rec.req.method ?? '-',
  U: (rec) => {
    const url = rec.req.url ?? '';
    const q = queryIndex(url);
    return q < 0 ? url : url.slice(0, q);
  },
  q: (rec) => {
    const url = rec.req.url ?? '';
    const q = queryIndex(url);
    return q < 0 ? '' : url.slice(q + 1);
  },
  H: (rec) => `HTTP/${rec.req.httpVersion}`,
  s: (rec) => String(rec.res.statusCode),
  B: (rec) => String(rec.bodyBytes),
  b: (rec) => (rec.bodyBytes === 0 ? '-' : String(rec.bodyBytes)),
  f: (rec) => headerText(rec.req.headers.referer),
  a: (rec) => headerText(rec.req.headers['user-agent']),
  T: (rec) => String(Math.floor(micros(rec) / 1e6)),
  D: (rec) => String(micros(rec)),
  M: (rec) => String(Math.floor(micros(rec) / 1e3)),
  L: (rec) => {
    const us = micros(rec);
    return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  },
  p: () => `<${process.pid}>`,
};

/** The user name of `Authorization: Basic base64(user:password)`, if that is what was sent. */
export function basicAuthUser(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 7) return undefined;
  if (authorization.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  return user === '' ? undefined : user;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `[10/Oct/2000:13:55:36 -0700]` in local time, as gunicorn (strftime) prints it. */
export function clfTime(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const offset = -d.getTimezoneOffset();
  const abs = Math.abs(offset);
  const tz = `${offset < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `[${pad2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${time} ${tz}]`;
}

/** The `t` atom: the text only changes once a second, so each compiled format keeps the last one. */
function clfTimeAtom(): Atom {
  let second = Number.NaN;
  let text = '';
  return (rec) => {
    const s = Math.floor(rec.startTime / 1000);
    if (s !== second) {
      second = s;
      text = clfTime(rec.startTime);
    }
    return text;
  };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
