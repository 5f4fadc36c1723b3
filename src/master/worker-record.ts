/** What the master knows about one worker process. */
import type { RequestInProgress, RetireReason } from '../ipc/messages.js';
import type { ForkedWorker } from './process-ports.js';

export type WorkerState = 'booting' | 'ready' | 'stopping' | 'exited';

export type StopReason = 'shutdown' | 'reload' | 'scale-down' | 'timeout' | 'max-requests' | 'memory' | 'halt' | 'killed';

export interface BootFailure {
  readonly kind: string;
  readonly message: string;
  readonly stack?: string | undefined;
}

export class WorkerRecord {
  readonly worker: ForkedWorker;
  readonly age: number;
  /** Reload generation this worker belongs to. */
  readonly generation: number;
  readonly startedAt: number;
  state: WorkerState = 'booting';
  readyAt: number | undefined;
  lastHeartbeat: number;
  busy: RequestInProgress | undefined;
  requests = 0;
  /** Slot on the balance board (-1: none). */
  slot = -1;
  rss = 0;
  /** Asked to be replaced (max-requests, memory): serves until its replacement is ready. */
  retiring: RetireReason | undefined;
  stopReason: StopReason | undefined;
  /** When a stopping worker gets SIGKILL. */
  killAt: number | undefined;
  bootFailure: BootFailure | undefined;
  /** fork() failed (EAGAIN, EMFILE, ENOMEM…): there never was a process; the record is reaped at once. */
  forkError: string | undefined;
  /** Killed for not becoming ready within --timeout: reaped as a boot failure. */
  bootTimedOut = false;
  exitCode: number | null = null;
  exitSignal: string | null = null;

  constructor(worker: ForkedWorker, age: number, generation: number, now = Date.now()) {
    this.worker = worker;
    this.age = age;
    this.generation = generation;
    this.startedAt = now;
    this.lastHeartbeat = now;
  }

  get pid(): number {
    return this.worker.process.pid ?? 0;
  }

  get alive(): boolean {
    return this.state !== 'exited';
  }
}
