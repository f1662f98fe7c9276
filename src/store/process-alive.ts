// Whether the process that wrote a lock, a temporary folder or a run row still exists. A pid only means something
// on the host that wrote it, so an owner on another host counts as alive (a lock's lease judges those instead).
//
// kill(pid, 0) alone is not enough: it says a zombie (killed, not yet reaped by its parent) exists, and it cannot
// tell a reused pid from the process that wrote the record. Where /proc is there (Linux), a process in state Z or
// X is dead, and an owner that recorded its start time is alive only while its pid has that start time.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export const HOST = hostname();

export interface Owner {
  pid: number;
  host: string;
  /** The process's start time (clock ticks after boot, /proc/<pid>/stat field 22), where /proc is there. */
  start?: number;
}

interface ProcStat {
  state: string;
  start: number;
}

/** State and start time from /proc/<pid>/stat; undefined where there is no /proc or no such process. */
function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses: read after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[19]);
  return Number.isFinite(start) ? { state: fields[0], start } : undefined;
}

/** This process's start time, recorded with its locks and marks; undefined without /proc. */
export function processStart(pid = process.pid): number | undefined {
  return procStat(pid)?.start;
}

export const MY_START = processStart();

export function processAlive(pid: number, start?: number): boolean {
  // pid 0 and negative pids address process groups, which always "exist".
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (!stat) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return start === undefined || stat.start === start;
}

/** Alive unless it is a process of this host that no longer exists (or is a zombie, or its pid was reused). */
export function ownerAlive(owner: Owner): boolean {
  return owner.host !== HOST || processAlive(owner.pid, owner.start);
}
