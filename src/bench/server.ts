/**
 * Start a server under test (tsgun, a baseline script, gunicorn) in its own process group, wait
 * until it serves, and stop it with its whole group. Every started server is tracked so a
 * Ctrl-C or an error path can stop them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { childPids } from './proc.js';
import type { Parties } from './load.js';

export interface ServerSpec {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Variables removed from the inherited environment. */
  readonly unsetEnv?: readonly string[];
  readonly cwd?: string;
  readonly port: number;
  /** Path polled with GET until it answers 2xx. */
  readonly readyPath: string;
  /** Child processes to wait for (workers); 0 when the launched process serves itself. */
  readonly workers: number;
  /** Text on stdout/stderr that says every worker is ready (e.g. tsgun's "Ready:" log line). */
  readonly readyText?: string;
}

const running = new Set<RunningServer>();

export class RunningServer {
  readonly spec: ServerSpec;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #output = '';
  #alive = true;

  constructor(spec: ServerSpec) {
    this.spec = spec;
    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
    for (const name of spec.unsetEnv ?? []) delete env[name];
    this.#child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: string): void => {
      // Enough tail to explain a failed start; the logs themselves are not kept.
      this.#output = (this.#output + chunk).slice(-8000);
    };
    this.#child.stdout?.setEncoding('utf8').on('data', keep);
    this.#child.stderr?.setEncoding('utf8').on('data', keep);
    this.#exited = new Promise((resolvePromise) => {
      this.#child.once('exit', () => {
        this.#alive = false;
        running.delete(this);
        resolvePromise();
      });
      this.#child.once('error', () => {
        this.#alive = false;
        running.delete(this);
        resolvePromise();
      });
    });
    running.add(this);
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  get output(): string {
    return this.#output;
  }

  /** The master and its workers; a process with no workers is its own single worker. */
  get parties(): Parties {
    const pid = this.pid;
    return this.spec.workers > 0 ? { master: pid, workers: () => childPids(pid) } : { master: undefined, workers: () => [pid] };
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.#alive) throw new Error(`${this.spec.label} exited during start:\n${this.#output.slice(-2000)}`);
      const textOk = this.spec.readyText === undefined || this.#output.includes(this.spec.readyText);
      const workersOk = this.spec.workers === 0 || childPids(this.pid).length >= this.spec.workers;
      if (textOk && workersOk && (await answers(this.spec.port, this.spec.readyPath))) return;
      await sleep(100);
    }
    throw new Error(`${this.spec.label} not ready after ${timeoutMs} ms:\n${this.#output.slice(-2000)}`);
  }

  /** INT (quick stop: nothing is in flight between runs) to the whole group, KILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.#alive) return;
    signalGroup(this.pid, 'SIGINT');
    const timer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
    // Workers that outlived their master (they should not) go with the group.
    signalGroup(this.pid, 'SIGKILL');
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function answers(port: number, path: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolvePromise((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolvePromise(false));
    req.end();
  });
}

export async function startServer(spec: ServerSpec, timeoutMs = 20_000): Promise<RunningServer> {
  const server = new RunningServer(spec);
  try {
    await server.waitReady(timeoutMs);
  } catch (err) {
    await server.stop(1000);
    throw err;
  }
  return server;
}

/** Stops every server still running (error paths, Ctrl-C). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop(2000)));
}

/** On SIGINT/SIGTERM: stop every server, then exit 130. */
export function stopServersOnSignal(): void {
  const handler = (): void => {
    process.stderr.write('\ninterrupted: stopping servers\n');
    void stopAllServers().finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** A free loopback TCP port (bound and released; another process could take it, rarely). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}
