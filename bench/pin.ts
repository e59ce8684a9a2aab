import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * Pins redis-server to the last CPU and this process's main thread to the first, when `taskset`
 * exists and there are 2+ CPUs. Why: unpinned, the scheduler sometimes co-locates the two processes
 * and sometimes not, and 1-in-flight latency flipped between ~12 µs and ~80 µs from run to run (2-core VM),
 * swamping the client differences being measured. Only the main thread is pinned: pinning V8's GC helper
 * threads too made scavenges stall the event loop (p99 6 ms instead of 0.9 ms at 64 in flight).
 * BENCH_PIN=0 disables it. Returns a description for the report.
 */
export function pinCpus(redisPid: number | undefined): string {
  const count = cpus().length;
  if (process.env.BENCH_PIN === '0') return 'CPUs not pinned (BENCH_PIN=0)';
  if (redisPid === undefined || count < 2) return 'CPUs not pinned (single CPU)';
  try {
    pinRedis(redisPid);
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return `redis-server pinned to CPU ${count - 1}, Node's main thread to CPU 0 (taskset)`;
  } catch {
    return 'CPUs not pinned (taskset unavailable)';
  }
}

/** Pins a redis-server (all its threads) to the last CPU, where pinCpus put the first: a second server shares its conditions. */
export function pinRedis(redisPid: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpus().length - 1), String(redisPid)], { stdio: 'ignore' });
}
