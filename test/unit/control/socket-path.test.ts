import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { besidePidfile, controlSocketPath, findRunningSockets, runtimeDir, sweepDeadSockets } from '../../../src/control/socket-path.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsgun-sockpath-'));
  dirs.push(d);
  return d;
}

/** A socket file left by a process that died with SIGKILL; returns its pid. */
function deadSocket(dir: string): number {
  const script =
    "const p=require('path').join(process.argv[1],'tsgun-'+process.pid+'.ctl');require('net').createServer().listen(p,()=>{console.log(process.pid);process.kill(process.pid,'SIGKILL')})";
  const run = spawnSync(process.execPath, ['-e', script, dir], { encoding: 'utf8', timeout: 10_000 });
  return Number(run.stdout.trim());
}

describe('control socket path', () => {
  it('prefers --control-socket, then the pid file, then the runtime directory', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
    expect(controlSocketPath({ controlSocket: '/x/c.ctl', pidfile: '/run/app.pid' }, 7, env)).toBe('/x/c.ctl');
    expect(controlSocketPath({ controlSocket: null, pidfile: '/run/app.pid' }, 7, env)).toBe('/run/app.ctl');
    expect(controlSocketPath({ controlSocket: null, pidfile: null }, 7, env)).toBe('/run/user/1000/tsgun-7.ctl');
    expect(besidePidfile('/run/app')).toBe('/run/app.ctl');
    expect(besidePidfile('rel/dir/x.pid')).toBe('rel/dir/x.ctl');
    expect(runtimeDir({ XDG_RUNTIME_DIR: '' })).toBe(join(tmpdir(), `tsgun-${process.getuid?.() ?? 0}`));
  });

  it('sweeps sockets of dead masters, keeps live ones and other files, and discovers only the live', async () => {
    const dir = tempDir();
    const dead = deadSocket(dir);
    expect(existsSync(join(dir, `tsgun-${dead}.ctl`))).toBe(true);
    const live = join(dir, `tsgun-${process.pid}.ctl`);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(live, r));
    writeFileSync(join(dir, 'tsgun-1.ctl.txt'), 'not a socket');
    try {
      expect(findRunningSockets({ XDG_RUNTIME_DIR: dir })).toEqual([live]);
      sweepDeadSockets(dir);
      expect(readdirSync(dir).sort()).toEqual(['tsgun-1.ctl.txt', `tsgun-${process.pid}.ctl`].sort());
    } finally {
      server.close();
    }
  });
});
