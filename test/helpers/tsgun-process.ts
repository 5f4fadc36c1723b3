/**
 * Spawn the real `tsgun` CLI (the compiled bin) and read its pino log lines. Every process is
 * started in its own process group and killed with the whole group by `killAll()`, so no
 * worker survives a failed test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${ROOT}dist/bin/tsgun.js`;

export interface LogLine {
  readonly msg?: string;
  readonly level?: number;
  readonly [key: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface TsgunProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly lines: LogLine[];
  stdout(): string;
  stderr(): string;
  /** URL of the first listener, e.g. http://127.0.0.1:41234 (when the bind was TCP). */
  readonly url: string;
  readonly exited: Promise<Exit>;
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Send a signal and wait for the master to exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

const running = new Set<ChildProcess>();

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Wait for the "Ready" line (default true). */
  readonly waitReady?: boolean;
  readonly timeoutMs?: number;
  /** Another Node binary (e.g. /work/tools/node/24/…/bin/node); default: the one running the tests. */
  readonly node?: string;
  /** Start the master as this user/group (the test runs as root). */
  readonly uid?: number;
  readonly gid?: number;
  /** A command prefix, e.g. setpriv to run tsgun as another user (test/helpers/attacker.ts). */
  readonly wrap?: readonly string[];
}

export function spawnTsgun(args: readonly string[], options: StartOptions = {}): TsgunProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // Tests read JSON logs; keep the environment from changing the defaults under us.
  delete env['WEB_CONCURRENCY'];
  delete env['PORT'];
  delete env['TSGUN_CMD_ARGS'];
  if (options.env) Object.assign(env, options.env);
  const [command, ...prefix] = [...(options.wrap ?? []), options.node ?? process.execPath];
  const child = spawn(command as string, [...prefix, BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env,
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let out = '';
  let err = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const text = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        lines.push({ msg: text });
      }
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const wake of waiters) wake();
    });
  });
  let url = '';
  const proc: TsgunProcess = {
    child,
    pid: child.pid!,
    lines,
    stdout: () => out,
    stderr: () => err,
    get url() {
      return url;
    },
    exited,
    waitForLine(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        let exitedAlready = false;
        void exited.then(() => (exitedAlready = true));
        const check = (): void => {
          const found = lines.find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          } else if (exitedAlready || child.exitCode !== null) {
            cleanup();
            reject(new Error(`tsgun exited before the expected log line; stderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line; stderr:\n${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => killGroup(child), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  void proc
    .waitForLine((l) => typeof l['url'] === 'string' && String(l.msg).startsWith('Listening at'), options.timeoutMs ?? 15_000)
    .then((l) => (url = String(l['url'])))
    .catch(() => undefined);
  return proc;
}

/** Spawn and wait until every worker is ready. */
export async function startTsgun(args: readonly string[], options: StartOptions = {}): Promise<TsgunProcess> {
  const proc = spawnTsgun(args, options);
  if (options.waitReady !== false) {
    await proc.waitForLine((l) => String(l.msg).startsWith('Ready:'), options.timeoutMs ?? 15_000);
  }
  return proc;
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Group already gone.
  }
}

/** Kill every process group still running (use in afterEach). */
export async function killAll(): Promise<void> {
  const pending = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          killGroup(child);
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        killGroup(child);
      }),
  );
  await Promise.all(pending);
}

/** True if a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}
