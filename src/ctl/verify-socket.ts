/**
 * Before `tsgun ctl` connects: is the socket really our server's? Anyone who can write to its
 * directory could have put their own server there and fed ctl fake status (or collected the
 * commands meant for the master). Accepted: a socket owned by us (or root), in a directory
 * owned by us (or root) that no one else can write to, or that is sticky (like /tmp: others
 * may add names but not replace ours). The default directory must be exactly what the master
 * creates: ours, mode 0700.
 */
import { lstatSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { TsgunError } from '../errors.js';
import { currentUid, fallbackRuntimeDir, runtimeDir, verifyPrivateDir } from '../control/private-dir.js';

type Env = Readonly<Record<string, string | undefined>>;

const HINT = 'refusing to connect; remove it, or give the socket of your server with --control-socket PATH';

function trustedOwner(st: Stats): boolean {
  return st.uid === currentUid() || st.uid === 0;
}

function refuse(message: string): never {
  throw new TsgunError('TSGUN_ERR_CTL_CONNECT', `${message}: ${HINT}`);
}

export function verifyControlSocket(path: string, env: Env): void {
  const dir = dirname(path);
  if (dir === fallbackRuntimeDir()) verifyPrivateDir(dir, { strict: true, code: 'TSGUN_ERR_CTL_CONNECT', hint: HINT });
  else if (dir === runtimeDir(env)) verifyPrivateDir(dir, { strict: false, code: 'TSGUN_ERR_CTL_CONNECT', hint: HINT });
  let dirStat: Stats;
  try {
    dirStat = lstatSync(dir);
  } catch (err) {
    throw new TsgunError('TSGUN_ERR_CTL_CONNECT', `${dir}: ${(err as Error).message}`, { cause: err });
  }
  const othersWrite = (dirStat.mode & 0o022) !== 0;
  const sticky = (dirStat.mode & 0o1000) !== 0;
  if (!dirStat.isDirectory() || !trustedOwner(dirStat) || (othersWrite && !sticky)) {
    refuse(`${dir} (owner uid ${dirStat.uid}, mode ${(dirStat.mode & 0o7777).toString(8)}) can be written by another user`);
  }
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there: connect() reports it in its own words
  }
  if (!st.isSocket()) refuse(`${path} is not a socket`);
  if (!trustedOwner(st)) refuse(`${path} belongs to uid ${st.uid}, not to uid ${currentUid()} or root`);
}
