/**
 * Embedding: a Node service imports the package by its name (`tsgun`, through package.json
 * "exports"), serves an app in forked workers, and drives the handle from its own admin API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { isAlive, ROOT, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

const FIXTURES = join(ROOT, 'test/fixtures/embed');
const APP = join(ROOT, 'examples/hello.js');
const run = promisify(execFile);

interface Status {
  readonly pids: number[];
  readonly events: { event: string; pid: number; code?: number | null }[];
  readonly addresses: { url: string; port: number }[];
}

const services = new Set<ChildProcess>();
afterEach(() => {
  for (const child of services) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  services.clear();
});

async function startService(): Promise<{ child: ChildProcess; admin: string; app: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [join(FIXTURES, 'service.mjs'), APP], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  services.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  if (!(await waitUntil(() => out.includes('\n') || child.exitCode !== null, 15_000))) throw new Error(`service did not start: ${err}`);
  if (child.exitCode !== null) throw new Error(`service exited: ${err}`);
  const { admin, app } = JSON.parse(out.split('\n')[0]!) as { admin: string; app: string };
  return { child, admin, app, exited };
}

async function status(admin: string): Promise<Status> {
  return JSON.parse((await request(`${admin}/status`)).body) as Status;
}

describe('embedding tsgun in a Node service', () => {
  it("import { serve } from 'tsgun': addresses, scale(n), reload(), close(), worker events", async () => {
    const service = await startService();
    const initial = await status(service.admin);
    expect(initial.addresses[0]?.port).toBeGreaterThan(0);
    expect(initial.pids).toHaveLength(2);
    expect((await request(`${service.app}/`)).body).toBe('Hello, World!');

    await request(`${service.admin}/scale?n=3`, { method: 'POST' });
    let now = initial;
    expect(await pollUntil(service.admin, (s) => (now = s).pids.length === 3)).toBe(true);
    expect(now.events.filter((e) => e.event === 'worker:ready')).toHaveLength(1);

    // Reload: three new workers replace the three old ones, which exit cleanly.
    const old = now.pids;
    await request(`${service.admin}/reload`, { method: 'POST' });
    expect(await pollUntil(service.admin, (s) => (now = s).pids.length === 3 && s.pids.every((p) => !old.includes(p)))).toBe(true);
    expect(await pollUntil(service.admin, (s) => (now = s).events.filter((e) => e.event === 'worker:exit').length === 3)).toBe(true);
    const exits = now.events.filter((e) => e.event === 'worker:exit');
    expect(exits.map((e) => e.pid).sort()).toEqual([...old].sort());
    expect(exits.every((e) => e.code === 0)).toBe(true);
    expect(now.events.filter((e) => e.event === 'worker:ready')).toHaveLength(4);
    expect((await request(`${service.app}/`)).body).toBe('Hello, World!');

    // close(): graceful, resolves with 0; then the service has nothing left and exits by itself.
    const closed = await request(`${service.admin}/close`, { method: 'POST', timeoutMs: 20_000 });
    expect(JSON.parse(closed.body)).toEqual({ code: 0 });
    expect(await service.exited).toBe(0);
    expect(now.pids.every((p) => !isAlive(p))).toBe(true);
  });

  it("require('tsgun') works from CommonJS", async () => {
    const { stdout } = await run(process.execPath, [join(FIXTURES, 'service.cjs'), APP], { cwd: ROOT, timeout: 20_000 });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ status: 200, body: 'Hello, World!', code: 0 });
  });

  it('the public types accept correct use and reject mistakes (defineConfig, serve, the handle)', async () => {
    // tsc fails if any line marked @ts-expect-error (a misspelt setting, a wrong type…) type-checks.
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', FIXTURES], { cwd: ROOT, timeout: 30_000 });
  });
});

async function pollUntil(admin: string, check: (s: Status) => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check(await status(admin))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
