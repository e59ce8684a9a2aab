import { CacheError } from '../kernel/cache-error.js';
import type { StoredEntries } from './stored-entries.js';
import { hasExtensions } from '../entry/entry-format.js';
import type { TagGuard, TagPrefetch } from '../invalidation/tags/tag-guard.js';
import type { FailureReporter } from '../telemetry/failure-reporter.js';
import type { CacheMetrics, StaleReason } from '../telemetry/cache-metrics.js';
import type { FailedLoads } from './failed-loads.js';
import type { LoadAndStore } from './load-and-store.js';
import type { Call } from './read-through-call.js';
import { within } from '../kernel/soft-timeout.js';
import type { StampedeLock } from './stampede-lock.js';

export interface StaleIfErrorDeps {
  entries: StoredEntries;
  metrics: CacheMetrics;
  failures: FailureReporter;
  lock: StampedeLock;
  tags: TagGuard;
  loads: LoadAndStore;
  failedLoads: FailedLoads;
}

/**
 * A lookup that found an entry past its logical TTL but inside staleIfError: the caller waits for the loader and gets
 * its value; when the loader throws or passes loaderTimeout, the caller gets the stale value instead (a timed-out load
 * goes on and stores its value when it ends). One load per key at a time across instances (the key's lock: an
 * instance that does not get it serves the stale value meanwhile); after a failure, none for the throttle window.
 */
export class StaleIfError {
  constructor(private readonly deps: StaleIfErrorDeps) {}

  async loadOrServeStale<T>(call: Call<T>, found: Buffer, prefetch: TagPrefetch, budgetLeftMs: number): Promise<T> {
    const { entries, metrics, lock, failures, failedLoads } = this.deps;
    const { key, fullKey, lockKey, policy } = call;
    metrics.miss(policy.label, key); // the caller needs the loader: a miss, whatever is served in the end
    const stale = entries.peek<T>(key, fullKey, found);
    if (stale === undefined) return this.deps.loads.run(call, prefetch, budgetLeftMs, 'miss', { missed: found }); // undecodable: nothing to fall back on
    const serveStale = (reason: StaleReason): T => {
      metrics.staleServed(policy.label, key, reason);
      if (hasExtensions(found)) call.basis = this.deps.tags.stampsFor(found) ?? 'unverifiable';
      call.stored = found;
      return stale;
    };
    if (failedLoads.blocks(fullKey)) return serveStale('loader_error');
    const startedAt = performance.now();
    let token: string | undefined;
    try {
      token = await lock.acquire(lockKey);
      if (token === undefined) return serveStale((await lock.isFailedMarker(lockKey)) ? 'loader_error' : 'revalidating');
    } catch (error) {
      failures.failedOpen('getOrSet', key, error, startedAt); // Redis failed: load without the lock
    }
    return this.attempt(call, found, prefetch, token, serveStale);
  }

  private async attempt<T>(
    call: Call<T>,
    found: Buffer,
    prefetch: TagPrefetch,
    token: string | undefined,
    serveStale: (reason: StaleReason) => T,
  ): Promise<T> {
    const { lock, failedLoads, loads } = this.deps;
    // The write is awaited before the lock goes: an instance taking it next finds the new entry.
    const loading = loads.run(call, prefetch, Number.POSITIVE_INFINITY, 'stale', { replacing: found }).then(
      (value) => {
        if (token !== undefined) lock.release(call.lockKey, token).catch(() => undefined);
        return value;
      },
      (error: unknown) => {
        if (!(error instanceof CacheError)) failedLoads.record(call as Call<unknown>, token !== undefined, error);
        else if (token !== undefined) lock.release(call.lockKey, token).catch(() => undefined);
        throw error;
      },
    );
    const outcome = await within(loading, call.policy.stale.loaderTimeoutMs);
    if ('value' in outcome) return outcome.value;
    if ('timedOut' in outcome) {
      loading.catch(() => undefined); // it goes on; a failure is recorded above
      return serveStale('loader_timeout');
    }
    if (outcome.error instanceof CacheError) throw outcome.error; // tags the value named break the rules: a bug, not an outage
    return serveStale('loader_error');
  }
}
