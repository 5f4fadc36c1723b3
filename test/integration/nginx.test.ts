/**
 * Real nginx (the Debian package) in front of tsgun, configured from deploy/nginx/tsgun.conf with
 * only addresses and paths swapped for temporary ones. nginx runs in the foreground from a temp
 * prefix, on loopback ports, and is killed with its workers after each test.
 *
 * Both run as they do in production: nginx without a `user` directive (started as root, its
 * workers run as nobody, as every distribution ships it), tsgun started as root with
 * `--user nobody`, so the unix socket must be connectable by another user (issue 14).
 */
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { randomBytes, createHash } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, ROOT, startTsgun, waitUntil, type TsgunProcess } from '../helpers/tsgun-process.js';

const NGINX =
  ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((path) => spawnSync(path, ['-v']).status === 0) ??
  (spawnSync('sh', ['-c', 'command -v nginx']).stdout.toString().trim() || undefined);
const APP = join(ROOT, 'test/fixtures/nginx/app.js');
const CERT_DIR = join(ROOT, 'test/fixtures/nginx');
/** A client address nginx will see (all of 127/8 is loopback): distinct from nginx's own 127.0.0.1. */
const CLIENT_IP = '127.0.0.7';
/** As root (CI), tsgun's workers drop to nobody, as a production master started by root does. */
const AS_USER = process.getuid?.() === 0 ? ['--user', 'nobody'] : [];

if (!NGINX) console.warn('nginx.test.ts: nginx is not installed, skipping (apt-get install nginx; .ci/run installs it)');

// ── nginx in a temp prefix ────────────────────────────────────────────────────────────────

interface Nginx {
  readonly dir: string;
  /** The nginx master's pid. */
  readonly pid: number;
  readonly httpUrl: string;
  readonly httpsUrl: string;
  errorLog(): string;
  accessLog(): string;
}

const nginxes = new Set<ChildProcess>();
const tempDirs: string[] = [];

afterEach(async () => {
  for (const child of nginxes) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid!, 'SIGKILL'); // the master and its workers: one process group
    } catch {
      // Already gone.
    }
    if (child.exitCode === null && child.signalCode === null) await exited;
  }
  nginxes.clear();
  await killAll();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-nginx-'));
  // nginx's workers (nobody) must reach the socket and their temp dirs in here: enter, not list.
  chmodSync(dir, 0o711);
  tempDirs.push(dir);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Replaces one exact piece of the shipped config; fails loudly if the config no longer has it. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`deploy/nginx/tsgun.conf: expected exactly one ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

interface Upstreams {
  /** tsgun's unix socket (the `tsgun` upstream). */
  readonly socket?: string;
  /** TCP instances for the `tsgun_pool` upstream; proxy_pass switches to it. */
  readonly pool?: readonly [string, string];
}

async function startNginx(dir: string, upstreams: Upstreams): Promise<Nginx> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  let site = readFileSync(join(ROOT, 'deploy/nginx/tsgun.conf'), 'utf8');
  site = replaceOnce(site, 'server unix:/run/tsgun/tsgun.sock', `server unix:${upstreams.socket ?? join(dir, 'unused.sock')}`);
  site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  site = replaceOnce(site, '# listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`);
  site = replaceOnce(site, '# ssl_certificate     /etc/ssl/certs/example.com.pem;', `ssl_certificate ${CERT_DIR}/localhost.crt;`);
  site = replaceOnce(site, '# ssl_certificate_key /etc/ssl/private/example.com.key;', `ssl_certificate_key ${CERT_DIR}/localhost.key;`);
  site = replaceOnce(site, '10.0.0.11:8000', upstreams.pool?.[0] ?? '127.0.0.1:9');
  site = replaceOnce(site, '10.0.0.12:8000', upstreams.pool?.[1] ?? '127.0.0.1:9');
  if (upstreams.pool) site = replaceOnce(site, 'proxy_pass http://tsgun;', 'proxy_pass http://tsgun_pool;');
  writeFileSync(join(dir, 'tsgun.conf'), site);
  // The main context tsgun.conf is meant to be included from; no `user` directive: nginx's
  // default (nobody when started as root), as distributions run it.
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
error_log ${dir}/error.log info;
pid ${dir}/nginx.pid;
events { worker_connections 512; }
http {
  access_log ${dir}/access.log combined;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/tsgun.conf;
}
`,
  );
  const child = spawn(NGINX!, ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`, '-g', 'daemon off;'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  nginxes.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const read = (name: string) => () => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const errorLog = read('error.log');
  const up = await waitUntil(() => child.exitCode !== null || /start worker process/.test(errorLog()), 10_000);
  if (!up || child.exitCode !== null) throw new Error(`nginx did not start: ${stderr}\n${errorLog()}`);
  await connectable(httpPort);
  return {
    dir,
    pid: child.pid!,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpsUrl: `https://localhost:${httpsPort}`,
    errorLog,
    accessLog: read('access.log'),
  };
}

async function connectable(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never accepted a connection`);
}

// ── a client ──────────────────────────────────────────────────────────────────────────────

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** ms between the first and last body chunk */
  readonly spreadMs: number;
}

interface Send {
  readonly method?: string;
  readonly body?: Buffer;
  readonly agent?: http.Agent | false;
  readonly headers?: http.OutgoingHttpHeaders;
}

function send(url: string, options: Send = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const req = (secure ? https : http).request(
      url,
      {
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        headers: options.headers,
        localAddress: CLIENT_IP,
        ...(secure ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        const times: number[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          times.push(performance.now());
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            spreadMs: (times.at(-1) ?? 0) - (times[0] ?? 0),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

interface LoadResult {
  readonly statuses: Map<number, number>;
  readonly errors: string[];
  readonly instances: Map<string, number>;
  readonly total: number;
}

/** `concurrency` keep-alive clients sending GET / back to back until `signal` says stop. */
async function load(url: string, concurrency: number, until: Promise<unknown>): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  const instances = new Map<string, number>();
  const errors: string[] = [];
  let stop = false;
  void until.then(() => (stop = true));
  let total = 0;
  const client = async (): Promise<void> => {
    while (!stop) {
      try {
        const reply = await send(`${url}/`, { agent });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const instance = String(reply.headers['x-instance']);
        instances.set(instance, (instances.get(instance) ?? 0) + 1);
      } catch (err) {
        errors.push((err as Error).message);
      }
      total++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  agent.destroy();
  return { statuses, errors, instances, total };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fiveHundreds(result: LoadResult): number {
  return [...result.statuses].filter(([status]) => status >= 500).reduce((n, [, count]) => n + count, 0);
}

// ── the tests ─────────────────────────────────────────────────────────────────────────────

describe.skipIf(!NGINX)(`nginx (${NGINX ?? 'not installed'}) in front of tsgun`, () => {
  it('on a unix socket: forwarded client and scheme, 20 MB upload, streaming, zero 5xx across a HUP reload', async () => {
    const dir = tempDir();
    const socket = join(dir, 'tsgun.sock');
    const tsgun = await startTsgun([APP, '-w', '2', '-b', `unix:${socket}`, '--access-logfile', '-', ...AS_USER]);
    const nginx = await startNginx(dir, { socket });
    if (AS_USER.length > 0) {
      // Nobody on either side is root but the two masters.
      expect(uidsOf(childrenOf(nginx.pid))).toEqual([NOBODY_UID]);
      expect(uidsOf(childrenOf(tsgun.pid))).toEqual([NOBODY_UID, NOBODY_UID]);
    }

    const hello = await send(`${nginx.httpUrl}/`);
    expect([hello.status, hello.body]).toEqual([200, 'ok']);

    // Through TLS from 127.0.0.7: the app sees that client and https, and the Host it asked for.
    const whoami = JSON.parse((await send(`${nginx.httpsUrl}/whoami`)).body) as Record<string, unknown>;
    expect(whoami).toMatchObject({ ip: CLIENT_IP, protocol: 'https', host: new URL(nginx.httpsUrl).host, forwardedFor: CLIENT_IP });
    // tsgun's own view (issue 4: forwarded headers from a trusted unix-socket peer): the access log's %(h)s.
    expect(await waitUntil(() => tsgun.stdout().includes('GET /whoami'), 2000)).toBe(true);
    expect(
      tsgun
        .stdout()
        .split('\n')
        .find((l) => l.includes('GET /whoami')),
    ).toMatch(new RegExp(`^${CLIENT_IP.replaceAll('.', '\\.')} `));

    const body = randomBytes(20 * 1024 * 1024);
    const upload = await send(`${nginx.httpUrl}/upload`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    expect(upload.status).toBe(200);
    expect(JSON.parse(upload.body)).toEqual({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });

    const streamed = await send(`${nginx.httpUrl}/stream`);
    expect(streamed.body).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(streamed.spreadMs).toBeGreaterThan(250); // passed on line by line, not buffered whole

    // A reload in the middle of a load run: old workers finish, new ones take over, nothing fails.
    const reloaded = waitForReload(tsgun);
    const result = load(
      nginx.httpUrl,
      8,
      sleep(500)
        .then(() => {
          process.kill(tsgun.pid, 'SIGHUP');
          return reloaded;
        })
        .then(() => sleep(500)),
    );
    const { statuses, errors, total } = await result;
    expect(errors).toEqual([]);
    expect(fiveHundreds(await result)).toBe(0);
    expect(statuses.get(200)).toBe(total);
    expect(total).toBeGreaterThan(100);
    expect(nginx.errorLog()).not.toMatch(/\[(error|crit|alert|emerg)\]/);
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('untrusted peer: with --forwarded-allow-ips not naming nginx, the app sees nginx, not the client', async () => {
    const dir = tempDir();
    const tsgun = await startTsgun([APP, '-b', '127.0.0.1:0', '--forwarded-allow-ips', '192.0.2.1', ...AS_USER]);
    const nginx = await startNginx(dir, { pool: [new URL(tsgun.url).host, new URL(tsgun.url).host] });
    const whoami = JSON.parse((await send(`${nginx.httpsUrl}/whoami`)).body) as Record<string, unknown>;
    // tsgun drops X-Forwarded-* from a peer it does not trust (issue 4), so even an app that trusts
    // every proxy (Express `trust proxy` = true) sees the socket peer and plain http.
    expect(whoami).toMatchObject({ ip: '127.0.0.1', protocol: 'http', forwardedFor: null });
    expect((await tsgun.stop()).code).toBe(0);
  });

  it('two tsgun instances behind one upstream: both serve; stopping one with TERM under load costs no errors', async () => {
    const dir = tempDir();
    const a = await startTsgun([APP, '-w', '2', '-b', '127.0.0.1:0', ...AS_USER], { env: { INSTANCE: 'a' } });
    const b = await startTsgun([APP, '-w', '2', '-b', '127.0.0.1:0', ...AS_USER], { env: { INSTANCE: 'b' } });
    const nginx = await startNginx(dir, { pool: [new URL(a.url).host, new URL(b.url).host] });

    const before = await load(nginx.httpUrl, 8, sleep(1000));
    expect(before.errors).toEqual([]);
    expect(before.instances.get('a')).toBeGreaterThan(0);
    expect(before.instances.get('b')).toBeGreaterThan(0);

    let aExit: Promise<Awaited<ReturnType<TsgunProcess['stop']>>> | undefined;
    const during = await load(
      nginx.httpUrl,
      8,
      sleep(300).then(async () => {
        aExit = a.stop('SIGTERM');
        await aExit;
        await sleep(500);
      }),
    );
    expect(during.errors).toEqual([]);
    expect(fiveHundreds(during)).toBe(0);
    expect(during.statuses.get(200)).toBe(during.total);
    expect((await aExit!).code).toBe(0);

    const after = await load(nginx.httpUrl, 4, sleep(300));
    expect(after.errors).toEqual([]);
    expect([...after.instances.keys()]).toEqual(['b']);
    expect((await b.stop()).code).toBe(0);
  });
});

const NOBODY_UID = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Real uid of each process, from /proc/PID/status. */
function uidsOf(pids: readonly number[]): number[] {
  return pids.map((pid) => Number(/^Uid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]));
}

function waitForReload(tsgun: TsgunProcess): Promise<void> {
  // Reload is done when the old generation's workers have exited and the new ones serve.
  const seen = tsgun.lines.length;
  return waitUntil(
    () => tsgun.lines.slice(seen).filter((l) => l['reason'] === 'reload' && String(l.msg).startsWith('Worker exiting')).length >= 2,
    15_000,
  ).then((done) => {
    if (!done) throw new Error(`reload did not finish:\n${tsgun.stderr()}`);
  });
}
