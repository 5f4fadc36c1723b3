import net from 'node:net';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERNALS, assertNodeInternals, changedInternals } from '../../src/internals-guard.js';

const netModule = net as unknown as Record<string, unknown>;
const responseProto = http.ServerResponse.prototype as unknown as Record<string, unknown>;
const saved = { createServerHandle: netModule['_createServerHandle'], storeHeader: responseProto['_storeHeader'] };

afterEach(() => {
  netModule['_createServerHandle'] = saved.createServerHandle;
  responseProto['_storeHeader'] = saved.storeHeader;
});

describe(`Node internals guard on ${process.version}`, () => {
  it('finds every member tsgun reaches into in the shape it expects', () => {
    expect(INTERNALS.length).toBeGreaterThanOrEqual(9);
    expect(changedInternals()).toEqual([]);
    expect(() => assertNodeInternals()).not.toThrow();
  });

  it('names each member whose shape changed, and the error carries its code', () => {
    netModule['_createServerHandle'] = undefined;
    responseProto['_storeHeader'] = 'not a function';
    expect(changedInternals()).toEqual([
      'net._createServerHandle() (master/listeners.ts)',
      'ServerResponse#_storeHeader() (http/response.ts)',
    ]);
    expect(() => assertNodeInternals()).toThrow(
      expect.objectContaining({ code: 'TSGUN_ERR_NODE_INTERNALS', message: expect.stringContaining('net._createServerHandle()') }),
    );
  });
});
