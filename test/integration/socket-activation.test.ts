/**
 * systemd socket activation: tsgun serves on listening sockets it inherits (fd 3 onwards) with
 * `LISTEN_FDS`/`LISTEN_PID`, or named with `--bind fd://N`. The socket is created here (or by
 * the real `systemd-socket-activate` when installed) and handed over at fd 3, as systemd does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, killAll, ROOT, startTsgun, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

const APP = join(ROOT, 'examples/hello.js');

interface Activated {
  readonly child: ChildProcess;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

const started = new Set<ChildProcess>();
const tempDirs: string[] = [];
afterEach(async () => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  started.clear();
  await killAll();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A listening socket made here, as systemd makes it; its fd goes to the child as fd 3. */
async function listeningSocket(path?: string): Promise<{ server: net.Server; fd: number; port: number | undefined }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => (path ? server.listen(path, resolve) : server.listen(0, '127.0.0.1', resolve)));
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  const address = server.address();
  return { server, fd, port: typeof address === 'object' && address ? address.port : undefined };
}

function launch(command: string, args: readonly string[], env: NodeJS.ProcessEnv, fd?: number): Activated {
  const child = spawn(command, args, {
    env: { PATH: process.env['PATH'], ...env },
    detached: true,
    stdio: fd === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'ignore', 'pipe', fd],
  });
  started.add(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => err, exited };
}

async function waitReady(proc: Activated): Promise<void> {
  const ok = await waitUntil(() => /"msg":"Ready:/.test(proc.stderr()) || proc.child.exitCode !== null, 15_000);
  if (!ok || proc.child.exitCode !== null) throw new Error(`tsgun did not become ready:\n${proc.stderr()}`);
}

async function terminate(proc: Activated): Promise<number | null> {
  process.kill(proc.child.pid!, 'SIGTERM');
  return proc.exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('socket activation', () => {
  it('LISTEN_FDS=1 with LISTEN_PID = our pid: serves on the inherited socket, ignores --bind', async () => {
    const { server, fd, port } = await listeningSocket();
    const dir = mkdtempSync(join(tmpdir(), 'tsgun-sa-'));
    tempDirs.push(dir);
    const configured = join(dir, 'configured.sock');
    // systemd sets LISTEN_PID to the pid it execs; a shell that execs node keeps its pid.
    const proc = launch(
      'sh',
      ['-c', 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', 'sh', process.execPath, BIN, APP, '-w', '2', '-b', `unix:${configured}`],
      { LISTEN_FDS: '1' },
      fd,
    );
    // From here only tsgun holds the socket: this process must not accept on it.
    server.close();
    await waitReady(proc);
    expect(proc.stderr()).toContain(`"binds":["http://127.0.0.1:${port}"]`);
    const replies = await Promise.all([1, 2, 3, 4].map(() => request(`http://127.0.0.1:${port}/`)));
    expect(replies.map((r) => r.body)).toEqual(Array(4).fill('Hello, World!'));
    expect(existsSync(configured)).toBe(false);
    expect(await terminate(proc)).toBe(0);
  });

  it('a LISTEN_PID for another process is ignored (the variables were not for us)', async () => {
    const { server, fd } = await listeningSocket();
    const proc = launch(process.execPath, [BIN, APP, '-b', '127.0.0.1:0'], { LISTEN_FDS: '1', LISTEN_PID: '1' }, fd);
    server.close();
    await waitReady(proc);
    const listening = /"msg":"Listening at: (http:\/\/127\.0\.0\.1:\d+)"/.exec(proc.stderr());
    expect(listening).not.toBeNull();
    expect(proc.stderr()).not.toContain('fd://3');
    expect((await request(`${listening![1]}/`)).body).toBe('Hello, World!');
    expect(await terminate(proc)).toBe(0);
  });

  it('--bind fd://3 serves an inherited unix socket without LISTEN_FDS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgun-sa-'));
    tempDirs.push(dir);
    const path = join(dir, 'app.sock');
    const { server, fd } = await listeningSocket(join(dir, 'bound.sock'));
    // libuv unlinks a unix socket's path when its server closes; the socket lives on under a new name.
    renameSync(join(dir, 'bound.sock'), path);
    const proc = launch(process.execPath, [BIN, APP, '-w', '2', '-b', 'fd://3'], {}, fd);
    server.close();
    await waitReady(proc);
    expect((await request('http://localhost/', { socketPath: path })).body).toBe('Hello, World!');
    expect(await terminate(proc)).toBe(0);
    // tsgun did not create the socket, so it must not remove it (systemd owns it).
    expect(existsSync(path)).toBe(true);
  });

  const activator = spawnSync('sh', ['-c', 'command -v systemd-socket-activate']).stdout.toString().trim();
  it.skipIf(activator === '')('real systemd-socket-activate: started by the first connection, which it then serves', async () => {
    const port = await freePort();
    const proc = launch(activator, ['-l', `127.0.0.1:${port}`, '-E', 'TSGUN_WORKERS=2', process.execPath, BIN, APP], {});
    expect(await waitUntil(() => proc.stderr().includes(`Listening on 127.0.0.1:${port}`), 5000)).toBe(true);
    expect(proc.stderr()).not.toContain('Starting tsgun'); // nothing runs until a client comes
    const first = await request(`http://127.0.0.1:${port}/`, { timeoutMs: 15_000 });
    expect(first.body).toBe('Hello, World!');
    await waitReady(proc); // the -E setting reached tsgun: two workers
    expect(proc.stderr()).toMatch(/"workers":2,"pids"/);
    expect(await terminate(proc)).toBe(0);
  });

  const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).stdout.toString().trim();
  it.skipIf(analyze === '')('deploy/systemd units pass `systemd-analyze verify` (no unknown keys or bad values)', () => {
    const result = spawnSync(analyze, ['verify', join(ROOT, 'deploy/systemd/tsgun.socket'), join(ROOT, 'deploy/systemd/tsgun.service')], {
      encoding: 'utf8',
    });
    // Only complaints about the files themselves: the machine may lack /usr/bin/node or the user.
    const problems = result.stderr
      .split('\n')
      .filter((l) => /tsgun\.(socket|service):\d+:|Unknown (key|section)|Failed to parse|ignoring/i.test(l));
    expect(problems).toEqual([]);
  });

  it('refuses fd://N that is not an open socket (exit 1, names the bind)', async () => {
    const tsgun = await startTsgun([APP, '-b', 'fd://9'], { waitReady: false });
    const exit = await tsgun.exited;
    expect(exit.code).toBe(1);
    expect(tsgun.stderr()).toMatch(/fd:\/\/9/);
  });
});
