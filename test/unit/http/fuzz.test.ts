/**
 * Fuzz: random mutations of valid requests, random bytes, each split at random points, sent
 * to an in-process engine over real loopback sockets, one input per connection. Every 4th
 * connection starts with a valid request whose answer is checked exactly, and 5% of the inputs
 * are unmutated valid requests, also checked exactly; whatever the engine
 * answers must be well-formed HTTP with an expected status, and the engine must stay alive
 * (final probes answered correctly, no app error, nothing thrown).
 *
 * Seeded and reproducible: the seed is printed; TSGUN_FUZZ_SEED=<n> replays a run,
 * TSGUN_FUZZ_INPUTS=<n> changes the volume (default 100 000).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestHandler } from '../../../src/http/types.js';
import { OneAtATimeGate, parseResponses, startServer, type TestServer } from './helpers.js';

const SEED = Number(process.env['TSGUN_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const INPUTS = Number(process.env['TSGUN_FUZZ_INPUTS'] ?? 100_000);
/** Connections in flight at once. */
const CONCURRENCY = 48;

/** mulberry32: small, fast, good enough to drive mutations reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The app: `ok METHOD URL BODYLENGTH`, after reading the whole body. */
const app: RequestHandler = (req, res) => {
  let n = 0;
  req.on('data', (c: Buffer) => (n += c.length));
  req.on('error', () => {});
  req.on('end', () => {
    const body = `ok ${req.method} ${req.url} ${n}`;
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  });
};

interface Template {
  readonly raw: string;
  /** Statuses and bodies of its responses when sent unmutated. */
  readonly expect: readonly [number, string | null][];
}

const H = 'Host: fuzz.test\r\n';
const TEMPLATES: readonly Template[] = [
  { raw: `GET /a?b=c HTTP/1.1\r\n${H}User-Agent: fuzz\r\nAccept: */*\r\n\r\n`, expect: [[200, 'ok GET /a?b=c 0']] },
  { raw: `POST /p HTTP/1.1\r\n${H}Content-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world`, expect: [[200, 'ok POST /p 11']] },
  {
    raw: `PUT /c HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n`,
    expect: [[200, 'ok PUT /c 11']],
  },
  { raw: `HEAD /h HTTP/1.1\r\n${H}\r\n`, expect: [[200, null]] },
  { raw: `GET /ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`, expect: [[200, 'ok GET /ten 0']] },
  {
    raw: `POST /e HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 2\r\n\r\nok`,
    expect: [
      [100, null],
      [200, 'ok POST /e 2'],
    ],
  },
  {
    raw: `GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\n`,
    expect: [
      [200, 'ok GET /1 0'],
      [200, 'ok GET /2 0'],
    ],
  },
  { raw: `OPTIONS * HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`, expect: [[200, 'ok OPTIONS * 0']] },
  {
    raw: `DELETE http://fuzz.test/x HTTP/1.1\r\n${H}X-Forwarded-For: 10.0.0.1\r\nX_Under: 1\r\n\r\n`,
    expect: [[200, 'ok DELETE http://fuzz.test/x 0']],
  },
];

/** Fragments that tend to matter to a parser. */
const TOKENS = [
  '\r\n',
  '\n',
  '\r',
  ' ',
  '\t',
  ':',
  ';',
  ',',
  '"',
  '\0',
  '\x7f',
  '\xff',
  '0',
  'f',
  '9',
  '-1',
  'chunked',
  'Content-Length: 5\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Host: x\r\n',
  '\r\n\r\n',
  'HTTP/1.1',
  'HTTP/1.0',
  '0\r\n\r\n',
  'Expect: 100-continue\r\n',
  'ffffffffffffffff',
  '%00',
  '  ',
  'GET / HTTP/1.1\r\n',
];

/** Statuses the engine or the app may answer a fuzzed input with. */
const ALLOWED = new Set([100, 200, 400, 408, 413, 414, 417, 431, 501, 505]);

function mutate(rand: () => number, source: string): string {
  let s = source;
  const ops = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(rand() * (s.length + 1));
    const op = rand();
    if (op < 0.2)
      s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 256)) + s.slice(at + 1); // replace a byte
    else if (op < 0.35)
      s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 256)) + s.slice(at); // insert a byte
    else if (op < 0.5)
      s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 8)); // delete a few
    else if (op < 0.75)
      s = s.slice(0, at) + (TOKENS[Math.floor(rand() * TOKENS.length)] as string) + s.slice(at); // insert a token
    else if (op < 0.85) {
      const len = Math.floor(rand() * 40);
      s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at); // duplicate a run
    } else if (op < 0.92)
      s = s.slice(0, at); // truncate
    else s = s.replaceAll('\r\n', rand() < 0.5 ? '\n' : '\r'); // line endings
  }
  return s;
}

function randomBytes(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 200);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

interface Input {
  readonly bytes: Buffer;
  /** Where to cut it into separate writes. */
  readonly splits: readonly number[];
  /** Set when the input is an unmutated template: its exact expected answers. */
  readonly exact: Template | null;
}

function makeInput(rand: () => number): Input {
  const r = rand();
  const template = TEMPLATES[Math.floor(rand() * TEMPLATES.length)] as Template;
  let text: string;
  let exact: Template | null = null;
  if (r < 0.05) {
    text = template.raw;
    exact = template;
  } else if (r < 0.15) text = randomBytes(rand);
  else text = mutate(rand, template.raw);
  const bytes = Buffer.from(text, 'latin1');
  const splits: number[] = [];
  const nSplits = Math.floor(rand() * 4);
  for (let i = 0; i < nSplits; i++) splits.push(Math.floor(rand() * bytes.length));
  splits.sort((a, b) => a - b);
  return { bytes, splits, exact };
}

let server: TestServer;
const gate = new OneAtATimeGate();

beforeAll(async () => {
  // Tight limits and timeouts so the fuzz reaches them; a sync-like gate with body buffering.
  server = await startServer(
    app,
    {
      limits: { requestLine: 256, requestFields: 20, requestFieldSize: 256, requestBody: 4096 },
      keepAliveMs: 1000,
      headersTimeoutMs: 1000,
      bodyTimeoutMs: 1000,
      bufferBodyBytes: 1024,
    },
    gate,
  );
});

afterAll(async () => {
  await server.close();
});

/** Send the valid prefix then the input (split), half-close, and collect everything until the server closes. */
function exchange(index: number, input: Input): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `input ${index} (seed ${SEED}): no close within 10 s; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))}; input ${JSON.stringify(input.bytes.toString('latin1'))}`,
        ),
      );
    }, 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {}); // resets are a legitimate answer to garbage
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('connect', () => {
      if (withPrefix(index)) socket.write(`GET /pre-${index} HTTP/1.1\r\n${H}\r\n`);
      let at = 0;
      const pieces: Buffer[] = [];
      for (const cut of input.splits) {
        pieces.push(input.bytes.subarray(at, cut));
        at = cut;
      }
      pieces.push(input.bytes.subarray(at));
      // One piece per event-loop turn, so the engine reads them as separate chunks.
      const next = (): void => {
        if (socket.destroyed) return;
        const piece = pieces.shift();
        if (piece === undefined) {
          socket.end();
          return;
        }
        if (piece.length > 0) socket.write(piece);
        setImmediate(next);
      };
      next();
    });
  });
}

/**
 * Every 4th connection (and the final probes) starts with a valid request checked exactly: it
 * proves the engine answers a valid request correctly right before each kind of garbage, at a
 * quarter of the cost of doing it on every connection.
 */
function withPrefix(index: number): boolean {
  return index < 0 || index % 4 === 0;
}

function check(index: number, input: Input, text: string): void {
  const where = `input ${index} (seed ${SEED}) ${JSON.stringify(input.bytes.toString('latin1'))}`;
  let rest = text;
  if (withPrefix(index)) {
    const [first] = parseResponses(text);
    if (first === undefined || first.status !== 200 || first.body !== `ok GET /pre-${index} 0`) {
      throw new Error(`${where}: the valid request before it was not answered correctly: ${JSON.stringify(text.slice(0, 300))}`);
    }
    rest = text.slice(first.raw.length);
  }
  if (rest !== '' && !rest.startsWith('HTTP/1.1 '))
    throw new Error(`${where}: garbage after the first response: ${JSON.stringify(rest.slice(0, 200))}`);
  for (const m of rest.matchAll(/HTTP\/1\.1 (\d{3}) /g)) {
    if (!ALLOWED.has(Number(m[1]))) throw new Error(`${where}: unexpected status ${m[1]}`);
  }
  if (input.exact !== null) {
    const isHead = input.exact.raw.startsWith('HEAD');
    const got = parseResponses(rest, isHead).map((r) => [r.status, r.status === 100 || isHead ? null : r.body]);
    expect(got, where).toEqual(input.exact.expect);
  }
}

describe('HttpEngine fuzz', () => {
  it(`survives ${INPUTS} fuzzed inputs and answers every valid request correctly`, { timeout: 180_000 }, async () => {
    console.log(`fuzz: seed ${SEED} (replay with TSGUN_FUZZ_SEED=${SEED}), ${INPUTS} inputs`);
    const rand = prng(SEED);
    const started = performance.now();
    let nextIndex = 0;
    let exactCount = 0;
    const worker = async (): Promise<void> => {
      while (nextIndex < INPUTS) {
        const index = nextIndex++;
        const input = makeInput(rand);
        if (input.exact !== null) exactCount++;
        check(index, input, await exchange(index, input));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    // Still alive: plain requests on fresh connections.
    for (let i = 0; i < 3; i++) {
      const text = await exchange(-1 - i, { bytes: Buffer.alloc(0), splits: [], exact: null });
      expect(parseResponses(text)[0]?.body).toBe(`ok GET /pre-${-1 - i} 0`);
    }
    const refusals = Object.values(server.engine.clientErrorCounts()).reduce((a, b) => a + b, 0);
    console.log(
      `fuzz: ${INPUTS} inputs (${exactCount} unmutated, checked exactly) in ${seconds.toFixed(1)} s; ` +
        `${refusals} refused by the engine: ${JSON.stringify(server.engine.clientErrorCounts())}`,
    );
    expect(server.appErrors).toEqual([]);
    expect(gate.entered).toBe(gate.left);
    expect(server.engine.activeRequests).toBe(0);
  });
});
