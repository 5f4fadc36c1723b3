/** The library API: a Node service embedding tsgun. Imports the built package, as users do. */
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { request } from '../helpers/http-client.js';
import { isAlive, waitUntil } from '../helpers/tsgun-process.js';
import type { ServerHandle } from '../../dist/src/index.js';

const { serve } = (await import('../../dist/src/index.js')) as typeof import('../../dist/src/index.js');
const SLEEP = fileURLToPath(new URL('../../examples/sleep.js', import.meta.url));
const THROWS = fileURLToPath(new URL('../fixtures/cli/throws-at-import.js', import.meta.url));

let handle: ServerHandle | undefined;
afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

describe('serve()', () => {
  it('starts workers on port 0, reports the address, serves and closes gracefully', async () => {
    handle = await serve(SLEEP, { workers: 2, bind: ['127.0.0.1:0'], logLevel: 'error' });
    const [address] = handle.addresses;
    expect(address?.port).toBeGreaterThan(0);
    const reply = await request(`${address!.url}/?ms=1`);
    expect(reply.status).toBe(200);
    const pids = handle.workerPids();
    expect(pids).toHaveLength(2);
    const inFlight = request(`${address!.url}/?ms=500`);
    // Let the request reach the app: a connection still in the kernel's backlog when the last
    // listener closes is reset by any server (full shutdown, not a reload).
    await new Promise((r) => setTimeout(r, 150));
    const closing = handle.close();
    handle = undefined;
    expect((await inFlight).status).toBe(200);
    expect(await closing).toBe(0);
    expect(await waitUntil(() => pids.every((p) => !isAlive(p)), 3000)).toBe(true);
  });

  it('rejects with the app error when the app cannot load', async () => {
    await expect(serve(THROWS, { workers: 2, bind: ['127.0.0.1:0'], logLevel: 'critical' })).rejects.toThrow(/database URL is not set/);
  });

  it('scales with scale(n)', async () => {
    handle = await serve(SLEEP, { workers: 1, bind: ['127.0.0.1:0'], logLevel: 'error' });
    handle.scale(3);
    expect(await waitUntil(() => handle!.workerPids().length === 3, 5000)).toBe(true);
    handle.scale(1);
    expect(await waitUntil(() => handle!.workerPids().length === 1, 5000)).toBe(true);
  });
});
