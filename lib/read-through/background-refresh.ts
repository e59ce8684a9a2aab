import { headerOf, startsWithBytes } from '../entry/entry-format.js';
import type { FailureReporter } from '../telemetry/failure-reporter.js';
import type { LoadTrigger } from '../telemetry/cache-metrics.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { FailedLoads } from './failed-loads.js';
import type { LoadAndStore } from './load-and-store.js';
import { NOTHING_PREFETCHED, type Call } from './read-through-call.js';
import type { StampedeLock } from './stampede-lock.js';

export interface BackgroundRefreshDeps {
  store: CacheStore;
  lock: StampedeLock;
  loads: LoadAndStore;
  failedLoads: FailedLoads;
  failures: FailureReporter;
}

/**
 * Replaces an entry in the background while callers keep getting it: refresh-ahead before its logical expiry, or a
 * revalidation inside staleWhileRevalidate. One per key: in this process by a set of keys, across instances by the
 * key's Redis lock (an instance that does not get it just keeps serving). The holder reads the entry again under the
 * lock and gives up if it changed (another instance refreshed it just before), and writes only over the entry it
 * read, unchanged: a set, an invalidation or a tag invalidation during the load wins.
 */
export class BackgroundRefresh {
  private readonly running = new Set<string>();

  constructor(private readonly deps: BackgroundRefreshDeps) {}

  /** Starts a refresh of `seen` (the entry just read under the call's key) unless one runs or the key is throttled. */
  start<T>(call: Call<T>, seen: Buffer, trigger: LoadTrigger): void {
    const { fullKey } = call;
    if (this.running.has(fullKey) || this.deps.failedLoads.blocks(fullKey)) return;
    this.running.add(fullKey);
    // A call of its own: the foreground call's tag basis belongs to the value it served.
    void this.refresh({ ...call, basis: undefined }, seen, trigger).finally(() => this.running.delete(fullKey));
  }

  /** How many refreshes run in this process (for tests and shutdown). */
  get size(): number {
    return this.running.size;
  }

  private async refresh<T>(call: Call<T>, seen: Buffer, trigger: LoadTrigger): Promise<void> {
    const { lock, store, loads, failures, failedLoads } = this.deps;
    const startedAt = performance.now();
    let token: string | undefined;
    try {
      token = await lock.acquire(call.lockKey);
      if (token === undefined) return; // another instance refreshes it, or its loader failed lately
      const current = await store.get(call.fullKey);
      if (current == null || !startsWithBytes(current, headerOf(seen))) {
        lock.release(call.lockKey, token).catch(() => undefined);
        return; // replaced since (or gone): nothing to do
      }
    } catch (error) {
      failures.failedOpen('getOrSet', call.key, error, startedAt);
      if (token !== undefined) lock.release(call.lockKey, token).catch(() => undefined);
      return;
    }
    let failed = false;
    try {
      await loads.run(call, NOTHING_PREFETCHED, Number.POSITIVE_INFINITY, trigger, { replacing: seen });
    } catch (error) {
      failed = true;
      failedLoads.record(call as Call<unknown>, token, error);
    } finally {
      // Released once the write landed: an instance taking the lock next reads the new entry and gives up.
      if (!failed) lock.release(call.lockKey, token).catch(() => undefined);
    }
  }
}

