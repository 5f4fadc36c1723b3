/**
 * Remote clients that never read their response (issue 13, item 8): without a send timeout,
 * three of them against --worker-connections 3 stop the worker serving anyone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, startTsgun, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';
import { ctlJson } from '../helpers/ctl.js';
import type { PoolStatsView } from '../../src/control/protocol.js';

const dirs: string[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await killAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Sends GET /big and never reads a byte of the answer. */
function nonReader(url: string): net.Socket {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  sockets.push(socket);
  socket.pause();
  socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
  socket.on('error', () => undefined);
  return socket;
}

describe('clients that never read the response', () => {
  it('are cut after --send-timeout and counted; the worker serves others again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'send-'));
    dirs.push(dir);
    const ctl = join(dir, 'ctl.sock');
    const tsgun = await startTsgun([
      'test/fixtures/security/big-body.js',
      '-b',
      '127.0.0.1:0',
      '-k',
      'async',
      '-w',
      '1',
      '--worker-connections',
      '3',
      '--send-timeout',
      '2',
      '--keep-alive',
      '60',
      '--control-socket',
      ctl,
    ]);
    const stuck = [nonReader(tsgun.url), nonReader(tsgun.url), nonReader(tsgun.url)];
    await new Promise((r) => setTimeout(r, 500)); // all three accepted and their bodies buffered
    const started = Date.now();
    const reply = await request(tsgun.url, { timeoutMs: 8000 });
    expect(reply.body).toBe('small');
    expect(Date.now() - started).toBeGreaterThan(1000); // it had to wait for the timeout: the slots were full
    // (The paused clients cannot see the close: they would have to read the queued bytes first.)
    expect(await waitUntil(() => tsgun.lines.filter((l) => String(l.msg).startsWith('Client read nothing')).length === 3, 5000)).toBe(true);
    expect(stuck.length).toBe(3);
    let stats: PoolStatsView | undefined;
    for (
      const deadline = Date.now() + 5000;
      Date.now() < deadline && stats?.faults.sendTimeouts !== 3;
      await new Promise((r) => setTimeout(r, 300))
    ) {
      stats = await ctlJson<PoolStatsView>(ctl, ['stats']); // the count rides on the next heartbeat
    }
    expect(stats?.faults.sendTimeouts).toBe(3);
  });
});
