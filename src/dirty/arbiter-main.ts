/** Entry point of the dirty arbiter process (forked by the master; see pool.ts). */
import { EXIT } from '../errors.js';
import { ARBITER_BOOT_ENV, decodeArbiterBoot, type ArbiterBoot } from './protocol.js';
import { DirtyArbiter } from './arbiter.js';

function readBoot(): ArbiterBoot | undefined {
  const raw = process.env[ARBITER_BOOT_ENV];
  delete process.env[ARBITER_BOOT_ENV];
  if (!raw || !process.send) return undefined;
  return decodeArbiterBoot(JSON.parse(raw));
}

const boot = readBoot();
if (!boot) {
  process.stderr.write('tsgun: this file is started by the tsgun master, not run directly\n');
  process.exit(EXIT.USAGE);
}
void new DirtyArbiter(boot).run();
