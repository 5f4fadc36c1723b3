/** Run `tsgun ctl …` as a real process, and talk raw frames to a control socket. */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { BIN, ROOT } from './tsgun-process.js';
import { FrameDecoder, MAX_REPLY_FRAME, encodeFrame } from '../../src/control/frame-codec.js';

export interface CtlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCtl(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 15_000): Promise<CtlRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'ctl', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `tsgun ctl … --json`, parsed; throws with stderr when it fails. */
export async function ctlJson<T>(socket: string, args: readonly string[]): Promise<T> {
  const run = await runCtl([...args, '--json', '--control-socket', socket]);
  if (run.code !== 0) throw new Error(`ctl ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A raw connection: write any bytes, read decoded reply frames, see when the server closes. */
export class RawControl {
  readonly socket: net.Socket;
  readonly #decoder = new FrameDecoder(MAX_REPLY_FRAME);
  readonly #replies: unknown[] = [];
  readonly #waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const d of this.#decoder.push(chunk)) this.#replies.push(d.kind === 'frame' ? d.value : d);
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  static connect(path: string): Promise<RawControl> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path);
      s.once('connect', () => resolve(new RawControl(s)));
      s.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(value: unknown): void {
    this.write(encodeFrame(value));
  }

  /** The next reply frame (or undefined if the server closed first). */
  async next(timeoutMs = 5000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (this.#replies.length === 0) {
      if (this.closed) return undefined;
      if (Date.now() > deadline) throw new Error('no control reply in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.#replies.shift();
  }

  close(): void {
    this.socket.destroy();
  }
}
