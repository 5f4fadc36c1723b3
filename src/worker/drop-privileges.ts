/**
 * The worker's first act when --user/--group is set: supplementary groups, then the group, then
 * the user (the order setuid(2) requires: after it, nothing else may change). Before any log
 * file, config file or app is opened, so none of them ever runs or is read as root.
 */
import type { WorkerIdentity } from '../ipc/messages.js';

/** process.initgroups exists on every Node tsgun supports (POSIX), but @types/node dropped it. */
type InitGroups = (user: string | number, extraGroup: string | number) => void;

export function dropPrivileges(id: WorkerIdentity): void {
  const initgroups = (process as { initgroups?: InitGroups }).initgroups;
  if (id.initgroups && id.user !== undefined && initgroups) initgroups(id.user, id.gid);
  else process.setgroups?.([id.gid]);
  process.setgid?.(id.gid);
  process.setuid?.(id.uid);
  // setuid(2) from root drops the saved uid too; check rather than trust.
  if (process.getuid?.() !== id.uid || process.geteuid?.() !== id.uid || process.getgid?.() !== id.gid) {
    throw new Error(`still uid ${process.getuid?.()} gid ${process.getgid?.()} after switching to ${id.uid}:${id.gid}`);
  }
}
