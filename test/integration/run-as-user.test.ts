/**
 * Running like production (issue 14): a root-started master with `--user nobody`, `--umask`,
 * log files handed to the workers' user, and the errors a new user meets at start. The
 * privilege tests need root (CI runs as root); the error tests run as anyone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, killAll, ROOT, spawnTsgun, startTsgun, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

const APP = join(ROOT, 'examples/hello.js');
const IS_ROOT = process.getuid?.() === 0;
const NOBODY = passwdIds('nobody');

const tempDirs: string[] = [];
afterEach(async () => {
  await killAll();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A private temp dir that other users may enter (not list): nginx's or nobody's path to a socket. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-user-'));
  chmodSync(dir, 0o711);
  tempDirs.push(dir);
  return dir;
}

function passwdIds(name: string): { uid: number; gid: number } | undefined {
  const fields = spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout.split(':');
  return fields.length > 3 ? { uid: Number(fields[2]), gid: Number(fields[3]) } : undefined;
}

/** Real, effective, saved and filesystem ids of a process, from /proc/PID/status. */
function procIds(pid: number): { uid: number[]; gid: number[]; groups: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number[] =>
    (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  return { uid: field('Uid'), gid: field('Gid'), groups: field('Groups') };
}

/** GET / over a unix socket from a process running as uid:gid (as nginx's workers do). */
function curlAs(ids: { uid: number; gid: number }, socket: string): string {
  const script = [
    `require('http').get({ socketPath: ${JSON.stringify(socket)}, path: '/' }, (r) => {`,
    "  let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => console.log(r.statusCode, b));",
    "}).on('error', (e) => { console.log('error', e.code); process.exit(1); });",
  ].join('\n');
  const out = spawnSync(process.execPath, ['-e', script], { uid: ids.uid, gid: ids.gid, encoding: 'utf8', timeout: 10_000 });
  return out.stdout.trim();
}

describe.skipIf(!IS_ROOT || !NOBODY)('a root-started master with --user nobody', () => {
  it('workers run as nobody (real, effective, saved), the socket is connectable by nobody, logs are written and reopened', async () => {
    const dir = tempDir();
    const socket = join(dir, 'app.sock');
    const errorLog = join(dir, 'logs/error.log');
    const accessLog = join(dir, 'logs/access.log');
    const tsgun = await startTsgun(
      [
        APP,
        '-w',
        '2',
        '-b',
        `unix:${socket}`,
        '-b',
        '127.0.0.1:0',
        '--user',
        'nobody',
        '--error-logfile',
        errorLog,
        '--access-logfile',
        accessLog,
      ],
      { waitReady: false },
    );
    const logText = (): string => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
    expect(await waitUntil(() => logText().includes('"msg":"Ready: 2 worker(s) serving"'), 15_000)).toBe(true);
    const master = procIds(tsgun.pid);
    expect(master.uid).toEqual([0, 0, 0, 0]);
    // The ready line is in the file, not on stderr: find the worker pids through the master's children.
    const workers = readFileSync(`/proc/${tsgun.pid}/task/${tsgun.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(workers).toHaveLength(2);
    for (const pid of workers) {
      const ids = procIds(pid);
      expect(ids.uid).toEqual(Array(4).fill(NOBODY!.uid));
      expect(ids.gid).toEqual(Array(4).fill(NOBODY!.gid));
      expect(ids.groups).toEqual([NOBODY!.gid]); // root's supplementary groups are gone
    }
    // --umask 0 (the default): srwxrwxrwx, handed to the workers' user as gunicorn does.
    const st = statSync(socket);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o777, NOBODY!.uid, NOBODY!.gid]);
    expect(curlAs(NOBODY!, socket)).toBe('200 Hello, World!');
    const tcp = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(logText())?.[1];
    expect((await request(`${tcp}/`)).body).toBe('Hello, World!');

    for (const file of [errorLog, accessLog]) expect(statSync(file).uid).toBe(NOBODY!.uid);
    expect(await waitUntil(() => readFileSync(accessLog, 'utf8').includes('"GET / HTTP/1.1" 200'), 5000)).toBe(true);
    expect(readFileSync(errorLog, 'utf8')).toMatch(/"msg":"Worker ready"/);

    // logrotate: move the files away, USR1; the new files belong to nobody and the workers write to them.
    renameSync(accessLog, `${accessLog}.1`);
    renameSync(errorLog, `${errorLog}.1`);
    process.kill(tsgun.pid, 'SIGUSR1');
    expect(await waitUntil(() => existsSync(accessLog) && existsSync(errorLog), 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300)); // the workers reopen after the master's message
    expect(statSync(accessLog).uid).toBe(NOBODY!.uid);
    expect(curlAs(NOBODY!, socket)).toBe('200 Hello, World!');
    expect(await waitUntil(() => readFileSync(accessLog, 'utf8').includes('"GET / HTTP/1.1" 200'), 5000)).toBe(true);
    expect((await tsgun.stop()).code).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('--umask 007 with --group: only that group may connect', async () => {
    const dir = tempDir();
    const socket = join(dir, 'app.sock');
    const tsgun = await startTsgun([APP, '-b', `unix:${socket}`, '--user', 'nobody', '--group', 'nogroup', '--umask', '007']);
    expect(statSync(socket).mode & 0o777).toBe(0o770);
    expect(curlAs(NOBODY!, socket)).toBe('200 Hello, World!');
    const www = passwdIds('www-data');
    if (www && www.gid !== NOBODY!.gid) expect(curlAs(www, socket)).toBe('error EACCES');
    expect((await tsgun.stop()).code).toBe(0);
  });

  it("--initgroups gives the workers the user's supplementary groups; without it only --group; a numeric --user works", async () => {
    // A system user that is a member of some group (e.g. postgres in ssl-cert), else nobody.
    const member =
      spawnSync('getent', ['group'], { encoding: 'utf8' })
        .stdout.split('\n')
        .flatMap((l) => (l.split(':')[3] ?? '').split(',').filter(Boolean))
        .find((name) => passwdIds(name) !== undefined) ?? 'nobody';
    const ids = passwdIds(member)!;
    const expected = spawnSync('id', ['-G', member], { encoding: 'utf8' }).stdout.trim().split(/\s+/).map(Number);
    const groupsOf = async (extra: string[]): Promise<number[]> => {
      const tsgun = await startTsgun([APP, '-b', '127.0.0.1:0', '--user', String(ids.uid), ...extra]);
      const [worker] = readFileSync(`/proc/${tsgun.pid}/task/${tsgun.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      const { uid, groups } = procIds(worker!);
      expect(uid[0]).toBe(ids.uid);
      expect((await tsgun.stop()).code).toBe(0);
      return groups.sort((a, b) => a - b);
    };
    expect(await groupsOf(['--initgroups'])).toEqual(expected.sort((a, b) => a - b));
    expect(await groupsOf([])).toEqual([ids.gid]);
  });

  it('a non-root master asked to switch users: one clear line, exit 2, nothing forked', async () => {
    const dir = tempDir();
    const args = [APP, '-b', '127.0.0.1:0', '--user', 'root', '--no-control-socket'];
    const tsgun = spawnTsgun(args, { uid: NOBODY!.uid, gid: NOBODY!.gid, cwd: dir });
    expect((await tsgun.exited).code).toBe(2);
    expect(tsgun.stderr()).toContain(`tsgun: error: Cannot run workers as another user: the master runs as uid ${NOBODY!.uid}, not root`);
    expect(tsgun.lines.some((l) => String(l.msg).startsWith('Booting worker'))).toBe(false);
  });
});

describe('start-up errors a new user meets', () => {
  it('an unknown --user or --group: exit 2 naming it', () => {
    for (const [flag, what] of [
      ['--user', 'user'],
      ['--group', 'group'],
    ] as const) {
      const args = [BIN, APP, '-b', '127.0.0.1:0', flag, 'no-such-account-h14'];
      const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 15_000 });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`tsgun: error: Unknown user or group: ${flag} no-such-account-h14: no such ${what}`);
    }
  });

  it('a missing app file fails in the master with exit 3 and the path, before any worker is forked', () => {
    const missing = join(tmpdir(), 'tsgun-h14-no-such-dir', 'app.js');
    const run = spawnSync(process.execPath, [BIN, missing, '-b', '127.0.0.1:0'], { encoding: 'utf8', timeout: 15_000 });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain(`tsgun: error: Application failed to load: cannot find module ${missing}`);
    expect(run.stderr).not.toContain('Booting worker');
  });

  it('an app that throws while loading: "Application failed to load" said once', () => {
    const dir = tempDir();
    const app = join(dir, 'broken.mjs');
    writeFileSync(app, 'throw new Error("database is down");\n');
    const run = spawnSync(process.execPath, [BIN, app, '-b', '127.0.0.1:0'], { encoding: 'utf8', timeout: 15_000 });
    expect(run.status).toBe(3);
    const line = run.stderr.split('\n').find((l) => l.startsWith('tsgun: error:'));
    expect(line).toBe(`tsgun: error: Application failed to load: cannot import ${app}: database is down`);
    expect(run.stderr).not.toContain('Application failed to load: Application failed to load');
  });
});
