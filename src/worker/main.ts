/** Entry point of a worker process (node:cluster `exec`). */
import { WORKER_BOOT_ENV, type WorkerBoot } from '../ipc/messages.js';
import { WORKER_EXIT, errorMessage } from '../errors.js';
import { WorkerProcess } from './worker.js';
import { dropPrivileges } from './drop-privileges.js';

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
/** --user/--group: false (and the master told why) when the switch failed. */
function switchIdentity(identity: WorkerBoot['identity']): boolean {
  if (!identity) return true;
  try {
    dropPrivileges(identity);
    return true;
  } catch (err) {
    const message = `cannot switch to uid ${identity.uid} gid ${identity.gid}: ${errorMessage(err)}`;
    process.stderr.write(`tsgun worker: ${message}\n`);
    process.send?.({ tsgun: 'boot-error', kind: 'internal', message }, undefined, {}, () => process.exit(WORKER_EXIT.BOOT_ERROR));
    return false;
  }
}

if (switchIdentity(boot.identity)) void new WorkerProcess(boot).run();
