// Whether the process that wrote a lock, a temporary folder or a run row still exists. A pid only means something
// on the host that wrote it, so an owner on another host (a shared artifact store) always counts as alive.

import { hostname } from 'node:os';

export const HOST = hostname();

export interface Owner {
  pid: number;
  host: string;
}

export function processAlive(pid: number): boolean {
  // pid 0 and negative pids address process groups, which always "exist".
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive unless it is a process of this host that no longer exists. */
export function ownerAlive(owner: Owner): boolean {
  return owner.host !== HOST || processAlive(owner.pid);
}
