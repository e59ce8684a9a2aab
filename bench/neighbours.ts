import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/stat and /proc/<pid>/stat count CPU time in 1/100 s on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

interface Snapshot {
  atMs: number;
  /** CPU seconds every process has used (user, nice, system, irq, softirq), and stolen by the hypervisor. */
  busySeconds: number;
  stolenSeconds: number;
  /** CPU seconds this process (all its threads) and its redis-server have used. */
  ownSeconds: number;
}

/**
 * How busy the rest of the machine was while a section ran: the CPU time of every process (/proc/stat) minus
 * this process's and its redis-server's, per second of wall time. On a shared box a neighbour's build or test
 * run costs the bench 20-60 % in some phases; printed with each section so a noisy run can be recognised.
 * Returns `stop()`, which describes the interval, or undefined where /proc is not available.
 */
export function startCpuMeter(redisPid: number | undefined): (() => string) | undefined {
  const first = snapshot(redisPid);
  if (first === undefined) return undefined;
  return () => {
    const last = snapshot(redisPid);
    if (last === undefined) return 'other processes: unknown';
    const seconds = (last.atMs - first.atMs) / 1000;
    const others = Math.max(0, last.busySeconds - first.busySeconds - (last.ownSeconds - first.ownSeconds)) / seconds;
    const stolen = (last.stolenSeconds - first.stolenSeconds) / seconds;
    return `other processes used ${others.toFixed(2)} CPUs on average during it (hypervisor steal ${stolen.toFixed(2)})`;
  };
}

function snapshot(redisPid: number | undefined): Snapshot | undefined {
  try {
    const fields = /^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1].split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    const { user: ownUser, system: ownSystem } = process.cpuUsage();
    return {
      atMs: performance.now(),
      busySeconds: (user + nice + system + irq + softirq) / TICKS_PER_SECOND,
      stolenSeconds: (steal ?? 0) / TICKS_PER_SECOND,
      ownSeconds: (ownUser + ownSystem) / 1e6 + (redisPid === undefined ? 0 : processSeconds(redisPid)),
    };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised name). */
function processSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
