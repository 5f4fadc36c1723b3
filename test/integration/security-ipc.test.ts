/**
 * App code in a worker against the master (issue 13, item 5): forged and malformed tsgun
 * messages are dropped and logged; the master keeps serving, reaping and stopping.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, startTsgun, waitUntil, isAlive } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

afterEach(() => killAll());

describe('hostile worker → master messages', () => {
  it('are dropped and logged; the master survives them, reaps the worker and stops cleanly', async () => {
    const tsgun = await startTsgun(['test/fixtures/security/hostile-ipc.js', '-b', '127.0.0.1:0', '--no-control-socket']);
    expect((await request(`${tsgun.url}/flood`)).body).toBe('flooded');
    await tsgun.waitForLine((l) => l.msg === 'Dropped an invalid message from a worker');
    expect((await request(tsgun.url)).status).toBe(200);
    const dropped = tsgun.lines.filter((l) => l.msg === 'Dropped an invalid message from a worker');
    expect(dropped.length).toBeLessThanOrEqual(4); // rate-limited: 650 invalid messages, a few lines
    expect(dropped.map((l) => l['reason'])).toContain('index is not a non-negative integer');

    // A malformed heartbeat as the worker's last word: the master folds the previous one into its totals.
    const first = (await request(tsgun.url)).body;
    await request(`${tsgun.url}/bad-last-beat`).catch(() => undefined);
    await tsgun.waitForLine((l) => String(l.msg).includes('was sent SIGKILL'));
    expect(await waitUntil(() => tsgun.lines.filter((l) => l.msg === 'Worker ready').length >= 2, 10_000)).toBe(true);
    const second = (await request(tsgun.url)).body;
    expect(second).toMatch(/^ok \d+$/);
    expect(second).not.toBe(first);
    expect(isAlive(tsgun.pid)).toBe(true);
    expect(await tsgun.stop()).toEqual({ code: 0, signal: null });
  });
});
