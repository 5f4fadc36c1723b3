/** Entry point of a dirty worker process (forked by the dirty arbiter). */
import { WORKER_EXIT } from '../errors.js';
import { WORKER_BOOT_ENV, decodeArbiterBoot } from './protocol.js';
import { DirtyWorker, type DirtyWorkerBoot } from './worker.js';

function readBoot(): DirtyWorkerBoot | undefined {
  const raw = process.env[WORKER_BOOT_ENV];
  delete process.env[WORKER_BOOT_ENV];
  if (!raw || !process.send) return undefined;
  const value = JSON.parse(raw) as { id?: unknown };
  if (typeof value.id !== 'number') return undefined;
  return { ...decodeArbiterBoot(value), id: value.id };
}

const boot = readBoot();
if (!boot) {
  process.stderr.write('tsgun: this file is started by the tsgun dirty arbiter, not run directly\n');
  process.exit(WORKER_EXIT.BOOT_ERROR);
}
void new DirtyWorker(boot).run();
