/**
 * systemd notify (issue 14): a real unix datagram socket stands in for systemd's NOTIFY_SOCKET
 * (a python3 receiver printing each datagram as one JSON line), and the real units are checked
 * with `systemd-analyze verify` where it is installed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, ROOT, startTsgun, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

const APP = join(ROOT, 'examples/hello.js');
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
const HAS_ANALYZE = spawnSync('systemd-analyze', ['--version']).status === 0;
const ADDON = join(ROOT, 'build/Release/tsgun_native.node');
// CI also runs the suite with TSGUN_NATIVE=0 (inherited by the servers spawned here): no notify then.
const NATIVE_ON =
  process.env['TSGUN_NATIVE'] !== '0' && spawnSync(process.execPath, ['-e', `require(${JSON.stringify(ADDON)})`]).status === 0;

/** Binds a SOCK_DGRAM socket at argv[1], says "bound", then prints each datagram as a JSON string. */
const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    print(json.dumps(s.recv(8192).decode()), flush=True)
`;

const receivers = new Set<ChildProcess>();
const tempDirs: string[] = [];
afterEach(async () => {
  for (const r of receivers) r.kill('SIGKILL');
  receivers.clear();
  await killAll();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-notify-'));
  tempDirs.push(dir);
  return dir;
}

async function notifySocket(): Promise<{ path: string; messages: string[] }> {
  const path = join(tempDir(), 'notify.sock');
  const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  receivers.add(child);
  const messages: string[] = [];
  let bound = false;
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (line === 'bound') bound = true;
      else messages.push(JSON.parse(line) as string);
    }
  });
  if (!(await waitUntil(() => bound, 5000))) throw new Error('the datagram receiver did not start');
  return { path, messages };
}

/** The state lines only (READY, RELOADING, STOPPING), in the order received. */
function states(messages: readonly string[]): string[] {
  return messages.flatMap((m) => m.split('\n').filter((l) => /^(READY|RELOADING|STOPPING)=/.test(l)));
}

describe.skipIf(!HAS_PYTHON || !NATIVE_ON)('systemd notify on a real datagram socket', () => {
  it('READY=1 when ready, RELOADING=1 … READY=1 around HUP, STOPPING=1 on TERM, with STATUS and MAINPID', async () => {
    const notify = await notifySocket();
    const tsgun = await startTsgun([APP, '-w', '2', '-b', '127.0.0.1:0'], { env: { NOTIFY_SOCKET: notify.path } });
    expect(await waitUntil(() => states(notify.messages).length === 1, 5000)).toBe(true);
    const ready = notify.messages.find((m) => m.startsWith('READY=1'))!;
    expect(ready).toContain(`MAINPID=${tsgun.pid}`);
    expect(ready).toContain('STATUS=2 of 2 workers ready, generation 0');

    process.kill(tsgun.pid, 'SIGHUP');
    await tsgun.waitForLine((l) => String(l.msg).startsWith('Reload complete'));
    expect(await waitUntil(() => states(notify.messages).length === 3, 5000)).toBe(true);
    const reloading = notify.messages.find((m) => m.startsWith('RELOADING=1'))!;
    expect(reloading).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=Reloading: starting generation 1$/);
    expect(notify.messages.filter((m) => m.startsWith('READY=1')).at(-1)).toContain('STATUS=2 of 2 workers ready, generation 1');
    expect((await request(`${tsgun.url}/`)).body).toBe('Hello, World!');

    expect((await tsgun.stop('SIGTERM')).code).toBe(0);
    expect(await waitUntil(() => states(notify.messages).length === 4, 5000)).toBe(true);
    expect(states(notify.messages)).toEqual(['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1']);
  });

  it('WATCHDOG=1 at half of WATCHDOG_USEC; the app never sees NOTIFY_SOCKET', async () => {
    const notify = await notifySocket();
    const dir = tempDir();
    const app = join(dir, 'env.mjs');
    const env = (name: string): string => `String(process.env.${name} ?? "unset")`;
    writeFileSync(app, `export default (req, res) => res.end(${env('NOTIFY_SOCKET')} + " " + ${env('WATCHDOG_USEC')});\n`);
    const tsgun = await startTsgun([app, '-b', '127.0.0.1:0'], { env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '400000' } });
    const start = notify.messages.filter((m) => m === 'WATCHDOG=1').length;
    await new Promise((r) => setTimeout(r, 1100));
    // 200 ms apart: about 5 in 1.1 s; a loose bound, timers on a shared machine drift.
    expect(notify.messages.filter((m) => m === 'WATCHDOG=1').length - start).toBeGreaterThanOrEqual(3);
    expect((await request(`${tsgun.url}/`)).body).toBe('unset unset');
    expect((await tsgun.stop()).code).toBe(0);
  });
});

describe.skipIf(!HAS_PYTHON)('systemd notify without the native helper', () => {
  it('without the native helper (TSGUN_NATIVE=0): serves, says once that notify is unavailable, sends nothing', async () => {
    const notify = await notifySocket();
    const tsgun = await startTsgun([APP, '-b', '127.0.0.1:0'], { env: { NOTIFY_SOCKET: notify.path, TSGUN_NATIVE: '0' } });
    expect((await request(`${tsgun.url}/`)).status).toBe(200);
    const warnings = tsgun.lines.filter((l) => String(l.msg).includes('systemd notify is unavailable'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!['reason']).toBe('disabled by TSGUN_NATIVE=0');
    expect((await tsgun.stop()).code).toBe(0);
    expect(notify.messages).toEqual([]);
  });
});

describe.skipIf(!HAS_ANALYZE)('deploy/systemd units', () => {
  it('pass systemd-analyze verify, and the service is Type=notify', () => {
    const dir = tempDir();
    const units = join(dir, 'units');
    mkdirSync(units);
    chmodSync(dir, 0o755);
    for (const name of ['tsgun.service', 'tsgun.socket']) copyFileSync(join(ROOT, 'deploy/systemd', name), join(units, name));
    const run = spawnSync('systemd-analyze', ['verify', join(units, 'tsgun.service'), join(units, 'tsgun.socket')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    // Paths the unit names on a real server (/srv/app, /usr/bin/node) may be missing here; nothing else may be reported.
    const missingOnThisMachine = /is not executable|No such file or directory|Command .* is not/;
    const problems = run.stderr.split('\n').filter((l) => l.trim() !== '' && !missingOnThisMachine.test(l));
    expect(problems).toEqual([]);
    expect(run.status).toBe(0);
    const text = readFileSync(join(units, 'tsgun.service'), 'utf8');
    expect(text).toMatch(/^Type=notify$/m);
  });
});
