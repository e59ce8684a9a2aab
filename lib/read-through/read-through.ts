import type { StoredEntries } from '../core/stored-entries.js';
import type { FailureReporter } from '../observability/failure-reporter.js';
import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import type { StampedeLock } from './stampede-lock.js';
import type { CacheStore } from '../stores/cache-store.interface.js';

/** How one read-through call stores what it loads. */
export interface ReadThroughPolicy<T> {
  /** The `cache` metric label: 'direct', or a decorated method's name. */
  label: string;
  /** TTL for a loaded value; undefined means "do not store this one". */
  ttlFor: (value: T) => number | undefined;
  /** Take the cross-process lock before loading. */
  lock: boolean;
}

/**
 * Read-through with single flight: concurrent calls on one key in this process share one
 * lookup and one loader run (and, with the lock, instances share one loader run). Never fails
 * because of the cache: a cache error is counted and the loader's value is served.
 */
export class ReadThrough {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: CacheStore,
    private readonly entries: StoredEntries,
    private readonly metrics: CacheMetrics,
    private readonly failures: FailureReporter,
    private readonly lock: StampedeLock,
    /** operationTimeout: the most one call waits on Redis, apart from its loader (and lock waits). */
    private readonly budgetMs: number,
  ) {}

  run<T>(key: string, fullKey: string, lockKey: string, loader: () => T | Promise<T>, policy: ReadThroughPolicy<T>): Promise<T> {
    const pending = this.inFlight.get(fullKey);
    if (pending) return pending as Promise<T>;
    const flight = this.lookupOrLoad(key, fullKey, lockKey, loader, policy).finally(() => this.inFlight.delete(fullKey));
    this.inFlight.set(fullKey, flight);
    return flight;
  }

  private async lookupOrLoad<T>(
    key: string,
    fullKey: string,
    lockKey: string,
    loader: () => T | Promise<T>,
    policy: ReadThroughPolicy<T>,
  ): Promise<T> {
    const startedAt = performance.now();
    let found: Buffer | null | undefined;
    try {
      found = await this.store.get(fullKey);
      this.metrics.observe('getOrSet', 'ok', startedAt);
    } catch (error) {
      this.failures.failedOpen('getOrSet', key, error, startedAt);
      return loader();
    }
    const cached = this.entries.decode<T>(key, fullKey, found, policy.label);
    if (cached !== undefined) return cached;
    const budgetLeftMs = this.budgetMs - (performance.now() - startedAt);
    return policy.lock
      ? this.loadUnderLock(key, fullKey, lockKey, loader, policy, budgetLeftMs)
      : this.loadAndStore(key, fullKey, loader, policy, budgetLeftMs);
  }

  private async loadUnderLock<T>(
    key: string,
    fullKey: string,
    lockKey: string,
    loader: () => T | Promise<T>,
    policy: ReadThroughPolicy<T>,
    budgetLeftMs: number,
  ): Promise<T> {
    const startedAt = performance.now();
    let token: string | undefined;
    try {
      token = await this.lock.acquire(lockKey);
      if (token === undefined) {
        const found = await this.lock.waitForValue(fullKey, lockKey);
        if (found !== undefined) {
          const value = this.entries.decode<T>(key, fullKey, found, policy.label);
          if (value !== undefined) return value;
        }
      }
    } catch (error) {
      this.failures.failedOpen('getOrSet', key, error, startedAt);
      return loader();
    }
    try {
      return await this.loadAndStore(key, fullKey, loader, policy, budgetLeftMs);
    } finally {
      if (token !== undefined) this.lock.release(lockKey, token).catch(() => undefined); // it expires anyway
    }
  }

  /**
   * Runs the loader and stores its value. The caller waits for the write only for what is left of
   * the budget after the lookup: a slow or failing write goes on (and is reported) in the background
   * instead of holding a good value back.
   */
  private async loadAndStore<T>(
    key: string,
    fullKey: string,
    loader: () => T | Promise<T>,
    policy: ReadThroughPolicy<T>,
    budgetLeftMs: number,
  ): Promise<T> {
    const loadStartedAt = performance.now();
    const value = await loader();
    const loadMicros = Math.round((performance.now() - loadStartedAt) * 1000);
    const ttlMs = value === undefined ? undefined : policy.ttlFor(value);
    if (ttlMs === undefined) return value;
    let entry: Buffer;
    try {
      entry = this.entries.encode(key, value, 'set', ttlMs, loadMicros);
    } catch (error) {
      this.failures.notStored(key, error); // already counted
      return value;
    }
    const startedAt = performance.now();
    // Never rejects, whatever the store or the reporting does: a good value is never thrown away over its write.
    const write = Promise.resolve()
      .then(() => this.store.set(fullKey, entry, ttlMs))
      .then(
        () => this.metrics.observe('set', 'ok', startedAt),
        (error: unknown) => this.failures.failedOpen('set', key, error, startedAt),
      )
      .catch(() => undefined);
    await settledWithin(write, budgetLeftMs);
    return value;
  }
}

/** Resolves when `work` settles or after `ms`, whichever comes first (`work` must not reject). */
function settledWithin(work: Promise<void>, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
