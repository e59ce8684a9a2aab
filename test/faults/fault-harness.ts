import { expect } from '@jest/globals';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { register } from 'prom-client';
import { CacheError, type CacheManager } from '@datapunk/nestjs-cache';

/** The operationTimeout the fault tests run with. */
export const BUDGET_MS = 200;
/** A call waits on Redis at most BUDGET_MS in all (a read-through: lookup and write-back); the rest is scheduling slack on a busy CI machine. */
export const MAX_CACHE_WAIT_MS = BUDGET_MS + 200;

/** The value of one labelled series in prom-client's default registry (0 when absent). */
export async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((sample) => Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

export interface LoadResult {
  calls: number;
  wrongValues: number;
  thrown: number;
  /** The slowest call, in ms, minus the loader's own time when the loader ran. */
  slowestCacheWaitMs: number;
}

/**
 * Runs read-through calls from `inFlight` concurrent workers for `durationMs` (bounded by `maxCalls`),
 * checking every value and timing every call apart from the loader's own time.
 */
export async function readThroughLoad(
  cache: CacheManager,
  options: { inFlight: number; durationMs: number; maxCalls: number; keys: number },
): Promise<LoadResult> {
  const result: LoadResult = { calls: 0, wrongValues: 0, thrown: 0, slowestCacheWaitMs: 0 };
  const deadline = performance.now() + options.durationMs;
  const worker = async (id: number): Promise<void> => {
    for (let i = 0; performance.now() < deadline && result.calls < options.maxCalls; i++) {
      const key = `load:${(id * 7 + i) % options.keys}`;
      let loaderMs = 0;
      const startedAt = performance.now();
      try {
        const value = await cache.getOrSet(key, async () => {
          const loadStart = performance.now();
          await new Promise((resolve) => setTimeout(resolve, 2));
          loaderMs += performance.now() - loadStart;
          return { key };
        });
        if (value.key !== key) result.wrongValues++;
      } catch {
        result.thrown++;
      }
      result.calls++;
      result.slowestCacheWaitMs = Math.max(result.slowestCacheWaitMs, performance.now() - startedAt - loaderMs);
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, (_, id) => worker(id)));
  return result;
}

/** Polls until `probe` resolves true, returning how long it took (ms); throws after `timeoutMs`. */
export async function timeUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const startedAt = performance.now();
  while (performance.now() - startedAt < timeoutMs) {
    if (await probe().catch(() => false)) return performance.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not recovered within ${timeoutMs} ms`);
}

export interface DirectResult {
  calls: number;
  /** Calls whose get returned what their set wrote. */
  values: number;
  /** When the first call that got its value back finished (performance.now()), if any did. */
  firstValueAt?: number;
  /**
   * Calls whose get returned something else: Redis replicates asynchronously, so a write acknowledged by a
   * master that dies before passing it on is gone after the failover (Redis's documented trade-off).
   */
  staleReads: number;
  cacheErrors: number;
  /** Anything thrown that is not a CacheError: a defect. */
  otherErrors: unknown[];
  slowestMs: number;
}

/**
 * Direct set-then-get calls from one worker for `durationMs` (bounded by `maxCalls`): each must
 * resolve or reject with a CacheError.
 */
export async function directLoad(cache: CacheManager, options: { durationMs: number; maxCalls: number }): Promise<DirectResult> {
  const result: DirectResult = { calls: 0, values: 0, staleReads: 0, cacheErrors: 0, otherErrors: [], slowestMs: 0 };
  const deadline = performance.now() + options.durationMs;
  for (let i = 0; performance.now() < deadline && result.calls < options.maxCalls; i++) {
    const key = `direct:${i % 50}`;
    const startedAt = performance.now();
    try {
      await cache.set(key, i);
      const read = await cache.get<number>(key);
      if (read === i) {
        result.values++;
        result.firstValueAt ??= performance.now();
      } else result.staleReads++;
    } catch (error) {
      if (error instanceof CacheError) result.cacheErrors++;
      else result.otherErrors.push(error);
    }
    result.calls++;
    result.slowestMs = Math.max(result.slowestMs, performance.now() - startedAt);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return result;
}

export interface FailoverResult {
  readThrough: LoadResult;
  direct: DirectResult;
  /** From the kill to the servers agreeing on a new master. */
  failoverMs: number;
}

/**
 * 64 read-through callers and one direct caller for 5 s; 1 s in, `kill` crashes the master and
 * `waitForFailover` waits for a replica to take over. Asserts what every failover must give callers:
 * correct values within the budget on read-through, a value or a CacheError on direct calls, and
 * the errors counted in metrics.
 */
export async function loadThroughFailover(
  cache: CacheManager,
  failover: { kill: () => Promise<void>; waitForFailover: () => Promise<void> },
  limits: { namespace: string; maxCacheWaitMs: number },
): Promise<FailoverResult> {
  let killedAt = 0;
  const failedOver = new Promise((resolve) => setTimeout(resolve, 1000))
    .then(() => failover.kill())
    .then(() => (killedAt = performance.now()))
    .then(() => failover.waitForFailover())
    .then(() => performance.now() - killedAt);
  // Time this process was not run (a busy machine: CI neighbours, a parallel suite) is not time the cache made it wait.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const [readThrough, direct] = await Promise.all([
    readThroughLoad(cache, { inFlight: 64, durationMs: 5000, maxCalls: 2_000_000, keys: 300 }),
    directLoad(cache, { durationMs: 5000, maxCalls: 2000 }),
  ]);
  loopDelay.disable();
  const failoverMs = await failedOver;
  const stalledMs = loopDelay.max / 1e6;

  expect(readThrough.thrown).toBe(0);
  expect(readThrough.wrongValues).toBe(0);
  expect(readThrough.slowestCacheWaitMs).toBeLessThan(limits.maxCacheWaitMs + stalledMs);
  expect(direct.otherErrors).toEqual([]);
  expect(direct.firstValueAt).toBeLessThan(killedAt); // direct calls worked before the outage (after it: the caller's recovery check)
  expect(direct.staleReads).toBeLessThanOrEqual(3); // at most the writes in flight when the master died
  expect(direct.slowestMs).toBeLessThan(2 * limits.maxCacheWaitMs + stalledMs); // a set and a get
  expect(await metricValue('cache_errors_total', { namespace: limits.namespace })).toBeGreaterThan(0); // the outage fell inside the load
  return { readThrough, direct, failoverMs };
}

/** The `faults: …` line a failover test prints for the table in docs/operations/failure-and-scaling.md. */
export function failoverReport(what: string, { readThrough, direct, failoverMs }: FailoverResult, recoveryMs: number): string {
  return (
    `faults: ${what}: ${readThrough.calls} read-through calls, slowest cache wait ${readThrough.slowestCacheWaitMs.toFixed(0)} ms; ` +
    `${direct.calls} direct calls (${direct.cacheErrors} CacheError, ${direct.staleReads} stale); failed over in ${failoverMs.toFixed(0)} ms, ` +
    `the cache served again ${recoveryMs.toFixed(0)} ms later`
  );
}
