import { readFileSync } from 'node:fs';

/** Whether a process runs: a zombie (ended, not yet reaped by its parent) does not. */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
