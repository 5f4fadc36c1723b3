/** Entry point of a worker process (node:cluster `exec`). */
import { WORKER_BOOT_ENV, type WorkerBoot } from '../ipc/messages.js';
import { WORKER_EXIT } from '../errors.js';
import { WorkerProcess } from './worker.js';

function readBoot(): WorkerBoot | undefined {
  const raw = process.env[WORKER_BOOT_ENV];
  if (!raw) return undefined;
  // The user's app must not see tsgun's plumbing in its environment.
  delete process.env[WORKER_BOOT_ENV];
  return JSON.parse(raw) as WorkerBoot;
}

const boot = readBoot();
if (!boot) {
  process.stderr.write('tsgun: this file is started by the tsgun master, not run directly\n');
  process.exit(WORKER_EXIT.BOOT_ERROR);
}
void new WorkerProcess(boot).run();
