import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, MAX_REQUEST_FRAME, type Decoded } from '../../../src/control/frame-codec.js';

function frame(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

describe('control frame codec', () => {
  it('encodes a 4-byte big-endian length and UTF-8 JSON', () => {
    const f = encodeFrame({ command: 'status', note: 'é' });
    const body = '{"command":"status","note":"é"}';
    expect(f.readUInt32BE(0)).toBe(Buffer.byteLength(body));
    expect(f.subarray(4).toString('utf8')).toBe(body);
  });

  it('decodes frames split at every byte boundary and several frames in one chunk', () => {
    const bytes = Buffer.concat([encodeFrame({ a: 1 }), encodeFrame({ b: [2, 3] }), encodeFrame('x')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new FrameDecoder(MAX_REQUEST_FRAME);
      const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(out).toEqual<Decoded[]>([
        { kind: 'frame', value: { a: 1 } },
        { kind: 'frame', value: { b: [2, 3] } },
        { kind: 'frame', value: 'x' },
      ]);
      expect(d.pending).toBe(0);
    }
  });

  it('decodes byte by byte', () => {
    const d = new FrameDecoder(MAX_REQUEST_FRAME);
    const out: Decoded[] = [];
    for (const b of encodeFrame({ command: 'workers' })) out.push(...d.push(Buffer.from([b])));
    expect(out).toEqual([{ kind: 'frame', value: { command: 'workers' } }]);
  });

  it('reports bad JSON and bad UTF-8 as malformed and keeps decoding the frames after them', () => {
    const d = new FrameDecoder(MAX_REQUEST_FRAME);
    const out = d.push(Buffer.concat([frame(Buffer.from('{nope')), frame(Buffer.from([0xc3, 0x28])), encodeFrame({ ok: 1 })]));
    expect(out.map((o) => o.kind)).toEqual(['malformed', 'malformed', 'frame']);
    expect(out[0]).toMatchObject({ reason: expect.stringContaining('not valid JSON') });
    expect(out[1]).toMatchObject({ reason: expect.stringContaining('UTF-8') });
    expect(out[2]).toEqual({ kind: 'frame', value: { ok: 1 } });
  });

  it('treats an empty body as malformed, not as a frame', () => {
    expect(new FrameDecoder(16).push(frame(Buffer.alloc(0)))).toEqual([{ kind: 'malformed', reason: expect.any(String) }]);
  });

  it('refuses a length above the limit from the header alone, then decodes nothing more', () => {
    const d = new FrameDecoder(1024);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(0xffffffff, 0);
    expect(d.push(head)).toEqual([{ kind: 'oversized', length: 0xffffffff }]);
    expect(d.push(encodeFrame({ a: 1 }))).toEqual([]);
    expect(d.pending).toBe(0);
  });

  it('accepts a frame of exactly the limit and refuses one byte more', () => {
    const body = (n: number): Buffer => Buffer.from(JSON.stringify('x'.repeat(n - 2)));
    expect(new FrameDecoder(100).push(frame(body(100)))[0]?.kind).toBe('frame');
    expect(new FrameDecoder(100).push(frame(body(101)))[0]?.kind).toBe('oversized');
  });
});
