/**
 * No container engine runs in CI, so this tests what the image would do: the final stage of
 * deploy/docker/Dockerfile is checked for the rules that matter at runtime, and its exact
 * ENTRYPOINT + CMD run with its ENV in a directory laid out like the image's /app — as PID 1 of
 * a new PID namespace when `unshare` allows (a container's PID 1 gets no default signal
 * handling: only signals it handles do anything). The k8s manifest's timings are checked against
 * the same --graceful-timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, ROOT, waitUntil } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

interface Stage {
  readonly from: string;
  readonly env: Record<string, string>;
  readonly user: string | undefined;
  readonly workdir: string | undefined;
  readonly stopSignal: string | undefined;
  readonly entrypoint: string[];
  readonly cmd: string[];
}

/** The instructions of the Dockerfile's last stage (what the image runs). */
function finalStage(text: string): { stages: number; stage: Stage } {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages = lines.filter((l) => /^FROM\s/i.test(l)).length;
  const last = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const stage = {
    from: lines[last]!,
    env: {} as Record<string, string>,
    user: undefined as string | undefined,
    workdir: undefined as string | undefined,
    stopSignal: undefined as string | undefined,
    entrypoint: [] as string[],
    cmd: [] as string[],
  };
  for (const line of lines.slice(last + 1)) {
    const [, op = '', rest = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    switch (op.toUpperCase()) {
      case 'ENV':
        for (const [, k, v] of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[k!] = v!.replace(/^"|"$/g, '');
        break;
      case 'USER':
        stage.user = rest;
        break;
      case 'WORKDIR':
        stage.workdir = rest;
        break;
      case 'STOPSIGNAL':
        stage.stopSignal = rest;
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = JSON.parse(rest) as string[]; // exec form, or this throws
        break;
      case 'CMD':
        stage.cmd = JSON.parse(rest) as string[];
        break;
    }
  }
  return { stages, stage };
}

const DOCKERFILE = readFileSync(join(ROOT, 'deploy/docker/Dockerfile'), 'utf8');
const { stages, stage } = finalStage(DOCKERFILE);

function gracefulTimeout(args: readonly string[]): number {
  const at = args.indexOf('--graceful-timeout');
  return at < 0 ? 30 : Number(args[at + 1]);
}

const started = new Set<ChildProcess>();
const dirs: string[] = [];
afterEach(() => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  started.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const CAN_UNSHARE = spawnSync('unshare', ['--pid', '--fork', '--kill-child', 'true']).status === 0;

describe('deploy/docker/Dockerfile', () => {
  it('is multi-stage, runs as a non-root user, and execs tsgun directly (exec form, no npm/shell)', () => {
    expect(stages).toBeGreaterThanOrEqual(2);
    expect(stage.user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(stage.user);
    expect(stage.stopSignal).toBe('SIGTERM');
    expect(stage.entrypoint[0]).toBe('node');
    expect(stage.entrypoint[1]).toMatch(/tsgun\/dist\/bin\/tsgun\.js$/);
    expect(stage.env).toMatchObject({ NODE_ENV: 'production' });
    expect(Object.keys(stage.env)).toEqual(expect.arrayContaining(['PORT', 'WEB_CONCURRENCY']));
  });

  it(`its ENTRYPOINT + CMD ${CAN_UNSHARE ? 'as PID 1' : '(unshare unavailable: not as PID 1)'}: PORT and WEB_CONCURRENCY honoured; TERM refuses new connections, finishes the in-flight request and exits 0`, async () => {
    // /app as the image has it: package.json, node_modules/tsgun, dist/app.js.
    const app = mkdtempSync(join(tmpdir(), 'tsgun-image-'));
    dirs.push(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app', type: 'module', dependencies: { tsgun: '*' } }));
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules/tsgun'));
    mkdirSync(join(app, 'dist'));
    copyFileSync(join(ROOT, 'examples/sleep.js'), join(app, 'dist/app.js'));

    const port = await freePort();
    const command = [...stage.entrypoint, ...stage.cmd];
    expect(command[0]).toBe('node');
    command[0] = process.execPath;
    const argv = CAN_UNSHARE ? ['unshare', '--pid', '--fork', '--kill-child', ...command] : command;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: app,
      // What the container gets: the image's ENV, plus what `docker run -e` / the pod spec adds.
      env: { PATH: process.env['PATH'], HOME: app, ...stage.env, PORT: String(port), WEB_CONCURRENCY: '3' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.add(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.stdout!.resume();
    const ready = await waitUntil(() => /"msg":"Ready: /.test(err) || child.exitCode !== null, 15_000);
    expect(ready && child.exitCode === null, err).toBe(true);

    // $PORT → bind 0.0.0.0:$PORT; $WEB_CONCURRENCY → 3 workers.
    expect(err).toContain(`"msg":"Listening at: http://0.0.0.0:${port}"`);
    expect(err).toMatch(/"msg":"Ready: 3 worker\(s\) serving"/);
    const master = JSON.parse(err.split('\n').find((l) => l.includes('Starting tsgun'))!) as { pid: number };
    let masterPid = child.pid!;
    if (CAN_UNSHARE) {
      expect(master.pid).toBe(1); // tsgun is PID 1 in its namespace
      masterPid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
    }
    const workers = (JSON.parse(err.split('\n').find((l) => l.includes('"msg":"Ready: '))!) as { pids: number[] }).pids;

    const inFlight = request(`http://127.0.0.1:${port}/?ms=1200`);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(masterPid, 'SIGTERM'); // what `docker stop` / the kubelet sends to PID 1
    // New connections are refused at once (a load balancer moves on), not parked in a backlog.
    await new Promise((r) => setTimeout(r, 200));
    const late = await request(`http://127.0.0.1:${port}/?ms=1`, { timeoutMs: 3000 }).then(
      () => 'answered',
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    expect(late).toBe('ECONNREFUSED');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ slept: 1200 });
    expect(await exited).toBe(0);
    expect(err).toContain('"msg":"Shutting down: Master"');
    // Outside a namespace the worker pids are real ones: all gone.
    if (!CAN_UNSHARE) expect(workers.every((p) => !isAlive(p))).toBe(true);
  });
});

describe('deploy/k8s/deployment.yaml', () => {
  const manifest = readFileSync(join(ROOT, 'deploy/k8s/deployment.yaml'), 'utf8');
  const number = (re: RegExp): number => Number(re.exec(manifest)?.[1]);

  it('gives tsgun time to stop gracefully: grace period >= preStop sleep + --graceful-timeout', () => {
    const args = JSON.parse(/^\s*args:\s*(\[.*\])\s*$/m.exec(manifest)![1]!) as string[];
    expect(args).toEqual(stage.cmd); // the same command as the image's default
    const grace = number(/terminationGracePeriodSeconds:\s*(\d+)/);
    const preStop = Number(/command:\s*\["sleep",\s*"(\d+)"\]/.exec(manifest)?.[1]);
    expect(grace).toBeGreaterThanOrEqual(preStop + gracefulTimeout(args) + 1);
    expect(manifest).toMatch(/readinessProbe:/);
    expect(manifest).toMatch(/livenessProbe:/);
    expect(manifest).toMatch(/name: WEB_CONCURRENCY/);
  });
});
