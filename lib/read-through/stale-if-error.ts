import { CacheError } from '../kernel/cache-error.js';
import type { StoredEntries } from './stored-entries.js';
import { hasExtensions, headerOf, startsWithBytes } from '../entry/entry-format.js';
import { isPastLogicalExpiry } from '../entry/logical-ttl.js';
import type { Invalidator } from '../invalidation/invalidator.js';
import type { KeyValueStore } from '../stores/cache-store.interface.js';
import type { TagGuard, TagPrefetch } from '../invalidation/tags/tag-guard.js';
import type { FailureReporter } from '../telemetry/failure-reporter.js';
import type { CacheMetrics, StaleReason } from '../telemetry/cache-metrics.js';
import type { FailedLoads } from './failed-loads.js';
import type { LoadAndStore } from './load-and-store.js';
import type { Call } from './read-through-call.js';
import { within } from '../kernel/soft-timeout.js';
import type { StampedeLock } from './stampede-lock.js';
import { adoptEntry } from './adopt-entry.js';

export interface StaleIfErrorDeps {
  store: KeyValueStore;
  invalidator: Invalidator;
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
 * The holder reads the key again under the lock: another instance may have replaced the entry and released the lock
 * since the lookup, and its value is served rather than loaded again (or, with the loader failing, the older one).
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
      const replaced = await this.replacedMeanwhile(call, found);
      if (replaced !== undefined) {
        lock.release(lockKey, token).catch(() => undefined); // it expires anyway
        return replaced;
      }
    } catch (error) {
      failures.failedOpen('getOrSet', key, error, startedAt); // Redis failed: load without the lock
    }
    return this.attempt(call, found, prefetch, token, serveStale);
  }

  /**
   * The value of an entry another instance stored over `found` since the lookup, when it may be served (before its
   * logical expiry, its tags holding, no invalidation of the key pending); undefined otherwise, `found` included.
   */
  private async replacedMeanwhile<T>(call: Call<T>, found: Buffer): Promise<T | undefined> {
    const current = await this.deps.store.get(call.fullKey);
    if (current == null || startsWithBytes(current, headerOf(found)) || isPastLogicalExpiry(current)) return undefined;
    if (this.deps.invalidator.pending.coversKey(call.fullKey)) return undefined;
    return adoptEntry(this.deps, call, current); // undefined for a lease (a load in flight) or an undecodable entry: load as before
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
        if (!(error instanceof CacheError)) failedLoads.record(call as Call<unknown>, token, error);
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
