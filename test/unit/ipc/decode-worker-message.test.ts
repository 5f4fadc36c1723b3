/**
 * The strict worker → master decoder: valid messages pass unchanged, hostile ones are
 * refused with a reason, and a seeded fuzz of mutated messages never makes it throw nor lets
 * a value through that would break the master's metrics (TSGUN_FUZZ_SEED replays a run).
 */
import { describe, expect, it } from 'vitest';
import { decodeWorkerMessage } from '../../../src/ipc/decode-worker-message.js';
import { PoolMetrics } from '../../../src/master/metrics-pool.js';
import { describePool } from '../../../src/master/control-views.js';
import { DURATION_BUCKETS, QUEUE_BUCKETS } from '../../../src/ipc/stats-snapshot.js';

const SEED = Number(process.env['TSGUN_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

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

const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const stats = {
  rss: 50_000_000,
  inFlight: 1,
  busyMs: 12.5,
  duration: { '2xx': { counts: [...zeros(DURATION_BUCKETS.length), 3], sum: 0.5 } },
  aborted: 0,
  queue: { counts: zeros(QUEUE_BUCKETS.length + 1), sum: 0 },
  rejections: { '431 too-many-headers': 2 },
  faults: { logDropped: 4, sendTimeouts: 1 },
};
const VALID = [
  { tsgun: 'want-listeners' },
  { tsgun: 'want-listener', index: 0 },
  { tsgun: 'ready' },
  { tsgun: 'retire', reason: 'memory' },
  { tsgun: 'boot-error', kind: 'app-load', message: 'boom', stack: 'Error: boom\n  at x' },
  { tsgun: 'heartbeat', requests: 3, connections: 2, busy: { method: 'GET', url: '/', since: 1_700_000_000_000 }, stats },
  { tsgun: 'heartbeat', requests: 0, connections: 0 },
  // Fields other branches added to the snapshot (queue wait, shed requests, upgraded sockets) pass too.
  {
    tsgun: 'heartbeat',
    requests: 1,
    connections: 1,
    stats: { ...stats, upstreamQueue: { counts: zeros(QUEUE_BUCKETS.length + 1), sum: 0 }, shed: 2, upgraded: 5 },
  },
] as const;

describe('decodeWorkerMessage', () => {
  it('passes valid messages unchanged and leaves untagged (application) messages alone', () => {
    for (const m of VALID) expect(decodeWorkerMessage(structuredClone(m))).toEqual({ kind: 'message', message: m });
    expect(decodeWorkerMessage({ hello: 'app' })).toEqual({ kind: 'foreign' });
    expect(decodeWorkerMessage('text')).toEqual({ kind: 'foreign' });
  });

  it('refuses the attacks found in review, with a reason, without throwing', () => {
    const hostile: unknown[] = [
      { tsgun: 'want-listener', index: 'constructor' },
      { tsgun: 'want-listener', index: 1.5 },
      { tsgun: 'want-listener', index: 99_999 },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { duration: 5 } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, rejections: JSON.parse('{"__proto__": 1}') } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, rejections: { constructor: 1 } } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, duration: { constructor: stats.duration['2xx'] } } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, queue: { counts: [1], sum: 0 } } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, rss: Infinity } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, faults: { other: 1 } } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, upgraded: 'many' } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, shed: -1 } },
      { tsgun: 'heartbeat', requests: 1, connections: 1, stats: { ...stats, upstreamQueue: { counts: [1], sum: 0 } } },
      { tsgun: 'heartbeat', requests: Number.MAX_SAFE_INTEGER * 2, connections: 1 },
      { tsgun: 'heartbeat', requests: 1, connections: 1, busy: { method: 'GET', url: '/', since: NaN } },
      { tsgun: 'retire', reason: 'toString' },
      { tsgun: 'boot-error', kind: 'app-load' },
      { tsgun: 'nope' },
      { tsgun: 1 },
      Object.create({ tsgun: 'ready' }) as unknown, // inherited tag: foreign, not ours
      new Proxy(
        { tsgun: 'ready' },
        {
          getPrototypeOf: () => {
            throw new Error('trap');
          },
        },
      ),
    ];
    for (const m of hostile) {
      const d = decodeWorkerMessage(m);
      expect(d.kind, JSON.stringify(m)).not.toBe('message');
    }
    expect(decodeWorkerMessage({ tsgun: 'want-listener', index: 'constructor' })).toEqual({
      kind: 'invalid',
      reason: 'index is not a non-negative integer',
    });
  });

  it(`fuzz (seed ${SEED}): never throws, and what it accepts the master can always use`, () => {
    const rand = prng(SEED);
    const junk = (): unknown => {
      const pick = [
        () => -1,
        () => 1e300,
        () => NaN,
        () => 'x',
        () => null,
        () => ({}),
        () => [],
        () => true,
        () => Math.floor(rand() * 10),
        () => '__proto__',
        () => 'constructor',
        () => ({ counts: [1, 2] }),
        () => undefined,
        () => 0.5,
      ];
      return pick[Math.floor(rand() * pick.length)]!();
    };
    const mutate = (v: unknown, depth: number): unknown => {
      if (rand() < 0.08) return junk();
      if (Array.isArray(v)) return v.map((x) => mutate(x, depth + 1));
      if (typeof v === 'object' && v !== null) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) if (rand() > 0.03) out[k] = mutate(x, depth + 1);
        if (rand() < 0.05) out[rand() < 0.5 ? 'constructor' : 'extra'] = junk();
        return out;
      }
      return v;
    };
    const pool = new PoolMetrics();
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = mutate(VALID[Math.floor(rand() * VALID.length)], 0);
      const d = decodeWorkerMessage(input);
      if (d.kind !== 'message' || d.message.tsgun !== 'heartbeat') continue;
      accepted++;
      pool.heartbeat(1000 + (i % 7), d.message);
      if (i % 5 === 0) pool.exited(1000 + (i % 7), 'crash');
    }
    const view = describePool(pool, [], 1, 1);
    expect(accepted).toBeGreaterThan(100);
    expect(Number.isFinite(view.requests) && Number.isFinite(view.aborted)).toBe(true);
    for (const n of Object.values(view.rejections)) expect(Number.isFinite(n)).toBe(true);
    expect(Object.getPrototypeOf(view.rejections)).toBe(Object.prototype);
  });
});
