/**
 * Fork, kill and clock fakes for the master's loop (gunicorn's tests/test_arbiter.py mocks
 * os.fork and os.kill the same way): a fake worker records what the master sends and exits
 * only when a test or its own rules say so.
 */
import { EventEmitter } from 'node:events';
import type { MasterPorts, ForkedWorker } from '../../../src/master/process-ports.js';

export class FakeWorker extends EventEmitter implements ForkedWorker {
  readonly id: number;
  readonly process: { readonly pid: number };
  readonly env: Readonly<Record<string, string>>;
  readonly sent: object[] = [];
  readonly signals: NodeJS.Signals[] = [];
  connected = true;
  exited = false;
  /** Exit (code 0) on a stop message, as a healthy worker does. */
  obeysStop = true;

  constructor(id: number, pid: number, env: Readonly<Record<string, string>>) {
    super();
    this.id = id;
    this.process = { pid };
    this.env = env;
  }

  isConnected(): boolean {
    return this.connected && !this.exited;
  }

  send(message: object): boolean {
    this.sent.push(message);
    if (this.obeysStop && (message as { tsgun?: string }).tsgun === 'stop') setImmediate(() => this.exit(0, null));
    return true;
  }

  /** The worker tells the master something, as over IPC. */
  say(message: object): void {
    this.emit('message', message);
  }

  exit(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
  }

  stopMessages(): object[] {
    return this.sent.filter((m) => (m as { tsgun?: string }).tsgun === 'stop');
  }
}

export interface FakePorts extends MasterPorts {
  readonly forked: FakeWorker[];
  /** Advance the fake clock. */
  advance(ms: number): void;
  /** Signals that end a fake worker when sent to it (SIGKILL always does). */
  fatal: Set<NodeJS.Signals>;
}

export function fakePorts(): FakePorts {
  let clock = 1_700_000_000_000;
  let nextId = 1;
  const forked: FakeWorker[] = [];
  const ports: FakePorts = {
    forked,
    fatal: new Set<NodeJS.Signals>(['SIGKILL', 'SIGTERM', 'SIGQUIT']),
    fork(env) {
      const id = nextId++;
      const w = new FakeWorker(id, 90_000 + id, env);
      forked.push(w);
      return w;
    },
    kill(pid, signal) {
      const w = forked.find((f) => f.process.pid === pid);
      if (!w || w.exited) throw Object.assign(new Error('ESRCH'), { code: 'ESRCH' });
      w.signals.push(signal);
      if (ports.fatal.has(signal)) setImmediate(() => w.exit(null, signal));
    },
    now: () => clock,
    advance(ms) {
      clock += ms;
    },
  };
  return ports;
}

/** Poll until `check` holds (the loop runs on its own turns), at most `ms` of real time. */
export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
