import { describe, expect, it } from 'vitest';
import { serialize } from 'node:v8';
import {
  FrameReader,
  ProtocolError,
  decodeCall,
  decodeFromWorker,
  decodeReply,
  decodeToArbiter,
  encodeFrame,
} from '../../../src/dirty/protocol.js';

describe('dirty protocol', () => {
  it('reads frames split anywhere and several per chunk', () => {
    const a = encodeFrame({ t: 'call', id: 1, task: 'tasks.js:T', method: 'run' }, serialize([1, 'x']));
    const b = encodeFrame({ t: 'call', id: 2, task: 'tasks.js:T', method: 'other' });
    const bytes = Buffer.concat([a, b]);
    const reader = new FrameReader(decodeCall);
    const frames = [
      ...reader.push(bytes.subarray(0, 3)),
      ...reader.push(bytes.subarray(3, a.length + 5)),
      ...reader.push(bytes.subarray(a.length + 5)),
    ];
    expect(frames.map((f) => f.header.id)).toEqual([1, 2]);
    expect(frames[0]?.payload.equals(Buffer.from(serialize([1, 'x'])))).toBe(true);
  });

  it('refuses what a strict decoder must', () => {
    const oversized = Buffer.alloc(8);
    oversized.writeUInt32BE(0xffffffff, 0);
    expect(() => new FrameReader(decodeCall).push(oversized)).toThrow(ProtocolError);
    const notJson = Buffer.from([0, 0, 0, 4, 0, 2, 0x7b, 0x7b]);
    expect(() => new FrameReader(decodeCall).push(notJson)).toThrow(/not UTF-8 JSON/);
    expect(() => decodeCall({ t: 'call', id: 1, task: 't', method: 'a b' })).toThrow(/identifier/);
    expect(() => decodeCall({ t: 'call', id: -1, task: 't', method: 'a' })).toThrow(/id/);
    expect(() => decodeCall({ t: 'call', id: 1, task: 't', method: 'a', extra: 1 })).toThrow(/unexpected field/);
    expect(() => decodeReply({ t: 'err', id: 1, code: 'NOT_A_CODE', message: 'x' })).toThrow(/TSGUN_ERR_/);
    expect(() => decodeFromWorker({ t: 'done', id: 1, ok: true, value: 'not bytes' })).toThrow(/bytes/);
    expect(() => decodeToArbiter({ t: 'stop', graceful: 'yes' })).toThrow(/boolean/);
    expect(() => decodeToArbiter({ t: 'rm -rf' })).toThrow(/unknown/);
    expect(decodeReply({ t: 'err', id: 3, code: 'TSGUN_ERR_DIRTY_TIMEOUT', message: 'slow' })).toMatchObject({
      code: 'TSGUN_ERR_DIRTY_TIMEOUT',
    });
  });
});
