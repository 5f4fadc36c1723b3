/**
 * Local users against a root master (issue 13, items 1–3): the attacker runs as `nobody` and
 * prepares the shared temporary directory before tsgun starts. See docs/security.md.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lstatSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asNobody, canImpersonate, cleanupShared, rootDir, sharedDir, spawnAsNobody } from '../helpers/attacker.js';
import { killAll, spawnTsgun, startTsgun, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';
import { runCtl } from '../helpers/ctl.js';

const LOCAL = ['examples/hello.js', '-b', '127.0.0.1:0'];
/** How many pids after the attacker's own get a planted link: more than a test run uses in between. */
const PLANT = 400;

afterEach(async () => {
  await killAll();
  cleanupShared();
});

/** As nobody: for each of the next PLANT pids, a symlink `dir/name(pid)` → target. Returns the first pid. */
function plantLinks(dir: string, name: (pid: string) => string, target: string): number {
  const script = `
    import { symlinkSync } from 'node:fs';
    const [dir, target, prefix, suffix, n] = process.argv.slice(1);
    for (let p = process.pid + 1; p <= process.pid + Number(n); p++) symlinkSync(target, dir + '/' + prefix + p + suffix);
    console.log(process.pid + 1);`;
  const [prefix, suffix] = name('PID').split('PID') as [string, string];
  return Number(asNobody(script, [dir, target, prefix, suffix, String(PLANT)]).trim());
}

function victimFile(): string {
  const victim = join(rootDir('victim-'), 'precious');
  writeFileSync(victim, 'precious\n');
  return victim;
}

const env = (tmp: string): NodeJS.ProcessEnv => ({ TMPDIR: tmp, XDG_RUNTIME_DIR: '' });

describe.skipIf(!canImpersonate)('local attacker (as nobody) against a root master', () => {
  it('1. balance board: planted symlinks are not followed; it lives in the private 0700 directory; stale boards are swept', async () => {
    const shared = sharedDir();
    const victim = victimFile();
    const first = plantLinks(shared, (pid) => `tsgun-${pid}.board`, victim);
    const tsgun = await startTsgun([...LOCAL, '-k', 'async', '-w', '2'], { env: env(shared) });
    expect(tsgun.pid).toBeGreaterThanOrEqual(first);
    expect(tsgun.pid).toBeLessThan(first + PLANT); // the attack was in place for this master's pid
    expect((await request(tsgun.url)).status).toBe(200);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(shared, `tsgun-${tsgun.pid}.board`)).isSymbolicLink()).toBe(true); // untouched
    const privateDir = join(shared, 'tsgun-0');
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    const board = lstatSync(join(privateDir, `tsgun-${tsgun.pid}.board`));
    expect(board.isFile() && (board.mode & 0o777) === 0o600 && board.uid === 0).toBe(true);

    // SIGKILL leaves the board behind; the next master sweeps it.
    await killAll();
    expect(readdirSync(privateDir)).toContain(`tsgun-${tsgun.pid}.board`);
    const next = await startTsgun([...LOCAL, '-k', 'async'], { env: env(shared) });
    expect(readdirSync(privateDir).filter((n) => n.endsWith('.board'))).toEqual([`tsgun-${next.pid}.board`]);
    await next.stop();
    expect(readdirSync(privateDir).filter((n) => n.endsWith('.board'))).toEqual([]);
  });

  it('2. pid file in a shared directory: a planted temporary link is not followed, an untrusted pid file is replaced', async () => {
    const shared = sharedDir();
    const victim = victimFile();
    const pidfile = join(shared, 'app.pid');
    const first = plantLinks(shared, (pid) => `.app.pid.${pid}.tmp`, victim);
    // A pid file of nobody's naming pid 1 (always alive): it must not make root's tsgun refuse to start.
    asNobody(`import { writeFileSync } from 'node:fs'; writeFileSync(process.argv[1], '1\\n', { mode: 0o666 });`, [pidfile]);
    const tsgun = await startTsgun([...LOCAL, '--pid', pidfile], { env: env(shared) });
    expect(tsgun.pid).toBeGreaterThanOrEqual(first);
    expect(tsgun.pid).toBeLessThan(first + PLANT);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    const st = lstatSync(pidfile);
    expect(st.isFile() && st.uid === 0).toBe(true);
    expect(readFileSync(pidfile, 'utf8')).toBe(`${tsgun.pid}\n`);
    expect(tsgun.lines.some((l) => String(l.msg).startsWith('Untrusted pid file'))).toBe(true);
    expect(await tsgun.stop()).toEqual({ code: 0, signal: null });
    // Removed at exit; no temporary file of ours left (the planted links are nobody's).
    expect(readdirSync(shared).filter((n) => n === 'app.pid' || /^\.app\.pid\.\d+\.[0-9a-f]{12}\.tmp$/.test(n))).toEqual([]);
  });

  it('2b. a pid file that is a symlink is replaced, never written through', async () => {
    const shared = sharedDir();
    const victim = victimFile();
    const pidfile = join(shared, 'app.pid');
    asNobody(`import { symlinkSync } from 'node:fs'; symlinkSync(process.argv[1], process.argv[2]);`, [victim, pidfile]);
    const tsgun = await startTsgun([...LOCAL, '--pid', pidfile], { env: env(shared) });
    expect(lstatSync(pidfile).isFile()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    await tsgun.stop();
  });

  it('3. ctl refuses a squatted runtime directory instead of showing a fake server; start-up names --control-socket', async () => {
    const shared = sharedDir();
    // nobody creates tsgun-0 (world-writable) and serves fake status on a socket named for a live pid (its own).
    const fake = spawnAsNobody(
      `import net from 'node:net'; import { mkdirSync, chmodSync } from 'node:fs';
       const dir = process.argv[1] + '/tsgun-0'; mkdirSync(dir, { mode: 0o777 }); chmodSync(dir, 0o777);
       const reply = Buffer.from(JSON.stringify({ ok: true, result: { pid: 4242, version: 'FAKE', node: 'v0', startedAt: 0, uptimeSeconds: 1,
         binds: ['http://evil'], workerClass: 'sync', workers: { target: 1, running: 1 }, controlSocket: null, metricsUrl: null } }));
       const frame = Buffer.concat([Buffer.alloc(4), reply]); frame.writeUInt32BE(reply.length, 0);
       net.createServer((s) => { console.log('CONNECTED'); s.on('data', () => s.write(frame)); })
         .listen(dir + '/tsgun-' + process.pid + '.ctl', () => console.log('LISTENING'));`,
      [shared],
    );
    let out = '';
    fake.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    try {
      expect(await waitUntil(() => out.includes('LISTENING'), 10_000)).toBe(true);
      const ctl = await runCtl(['status'], env(shared));
      expect(ctl.stdout).not.toContain('FAKE');
      expect(ctl.code).not.toBe(0);
      expect(ctl.stderr).toMatch(/tsgun-0 must be a directory owned by uid 0 with mode 0700.*--control-socket PATH/s);
      expect(out).not.toContain('CONNECTED');

      const refused = spawnTsgun(LOCAL, { env: env(shared) });
      expect((await refused.exited).code).not.toBe(0);
      expect(refused.stderr()).toMatch(/owned by uid 65534.*--control-socket PATH/s);
    } finally {
      fake.kill('SIGKILL');
    }
  });
});
