// CPU time from Linux's /proc/self/stat, for the bench and the test timings: a shared machine slows a process's wall
// time far more than its CPU time.
import { readFileSync } from 'node:fs';

// proc(5) reports times in USER_HZ ticks, 100 a second on Linux whatever the kernel's own HZ.
const USER_HZ = 100;

/**
 * User + system CPU seconds of this process (`self`) and of its children it has reaped (`children`), or undefined
 * where /proc/self/stat is not (not Linux).
 */
export const procCpuSeconds = (): { self: number; children: number } | undefined => {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3; utime, stime, cutime, cstime 14–17.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const [utime, stime, cutime, cstime] = fields.slice(11, 15);
    const self = (utime! + stime!) / USER_HZ;
    const children = (cutime! + cstime!) / USER_HZ;
    return Number.isFinite(self) && Number.isFinite(children) ? { self, children } : undefined;
  } catch {
    return undefined;
  }
};
