import { CacheError } from '../core/cache-error.js';
import type { StoredEntries } from '../core/stored-entries.js';
import { hasExtensions, type TagStamp } from '../entry/entry-format.js';
import type { LoadTicket, TagGuard, TagPrefetch, TagSource } from '../invalidation/tags/tag-guard.js';
import { TagTokens } from '../invalidation/tags/tag-tokens.js';
import type { FailureReporter } from '../observability/failure-reporter.js';
import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { StampedeLock } from './stampede-lock.js';
import { meteredLoad } from './metered-load.js';
import type { Invalidator } from '../invalidation/invalidator.js';

/** How one read-through call stores what it loads. */
export interface ReadThroughPolicy<T> {
  /** The `cache` metric label: 'direct', or a decorated method's name. */
  label: string;
  /** TTL for a loaded value; undefined means "do not store this one". */
  ttlFor: (value: T) => number | undefined;
  /** The TTL most values get, for tag tokens created before the value is known. */
  ttlHintMs: number;
  /** Take the cross-process lock before loading. */
  lock: boolean;
  /** The tags of the value (validated), known now or computed from it. */
  tags?: TagSource<T>;
}

/** One call: its key in every form, its loader and policy. */
interface Call<T> {
  key: string;
  fullKey: string;
  lockKey: string;
  loader: () => T | Promise<T>;
  policy: ReadThroughPolicy<T>;
  /**
   * What the value this call produced is valid against, for calls that join it: the tag stamps of the entry it
   * read or stored; 'unverifiable' for a tagged value it could not stamp (not stored); undefined when untagged.
   */
  basis?: TagStamp[] | 'unverifiable';
}

interface Flight {
  promise: Promise<unknown>;
  call: Call<unknown>;
}

const NOTHING_PREFETCHED: TagPrefetch = {};

export interface ReadThroughDeps {
  store: CacheStore;
  entries: StoredEntries;
  metrics: CacheMetrics;
  failures: FailureReporter;
  lock: StampedeLock;
  tags: TagGuard;
  invalidator: Invalidator;
  budgetMs: number;
}

/**
 * Read-through with single flight: concurrent calls on one key in this process share one
 * lookup and one loader run (and, with the lock, instances share one loader run). Never fails
 * because of the cache: a cache error is counted and the loader's value is served.
 */
export class ReadThrough {
  private readonly inFlight = new Map<string, Flight>();

  private readonly store: CacheStore;
  private readonly entries: StoredEntries;
  private readonly metrics: CacheMetrics;
  private readonly failures: FailureReporter;
  private readonly lock: StampedeLock;
  private readonly tags: TagGuard;
  private readonly invalidator: Invalidator;
  /** operationTimeout: the most one call waits on Redis, apart from its loader (and lock waits). */
  private readonly budgetMs: number;

  constructor(deps: ReadThroughDeps) {
    ({
      store: this.store,
      entries: this.entries,
      metrics: this.metrics,
      failures: this.failures,
      lock: this.lock,
      tags: this.tags,
      invalidator: this.invalidator,
      budgetMs: this.budgetMs,
    } = deps);
  }

  run<T>(key: string, fullKey: string, lockKey: string, loader: () => T | Promise<T>, policy: ReadThroughPolicy<T>): Promise<T> {
    return this.flight({ key, fullKey, lockKey, loader, policy }, true);
  }

  private flight<T>(call: Call<T>, mayRetry: boolean): Promise<T> {
    const pending = this.inFlight.get(call.fullKey);
    if (pending) return this.join(pending, call, mayRetry);
    const promise = this.lookupOrLoad(call).finally(() => this.inFlight.delete(call.fullKey));
    this.inFlight.set(call.fullKey, { promise, call: call as Call<unknown> });
    return promise;
  }

  /**
   * A call that arrives while another one on the key is in flight shares its value, but a tagged value only while its
   * stamps still hold when it is ready: the call may have started after an invalidation that the flight predates.
   * Otherwise it reads through again (once; then, or when the check itself fails, it runs its loader without storing).
   */
  private async join<T>(flight: Flight, call: Call<T>, mayRetry: boolean): Promise<T> {
    const value = (await flight.promise) as T;
    const { basis } = flight.call;
    if (basis === undefined) return value;
    if (basis !== 'unverifiable') {
      try {
        if (TagTokens.holds(basis, await this.tags.tokens.read(basis.map(([tag]) => tag)))) return value;
      } catch {
        return this.loadMiss(call); // Redis failed: the value cannot be vouched for; serve the loader's, as when the cache fails
      }
    }
    return mayRetry ? this.flight({ ...call, basis: undefined }, false) : this.loadMiss(call);
  }

  private async lookupOrLoad<T>(call: Call<T>): Promise<T> {
    const { key, fullKey, policy } = call;
    // An invalidation of this key (or its known tags) waits for Redis: serve fresh, store nothing.
    if (this.invalidator.pending.coversKey(fullKey) || (policy.tags !== undefined && 'known' in policy.tags && this.invalidator.pending.coversTags(policy.tags.known))) {
      if (policy.tags !== undefined) call.basis = 'unverifiable';
      return this.loadMiss(call);
    }
    const startedAt = performance.now();
    let found: Buffer | null | undefined;
    let prefetch = NOTHING_PREFETCHED;
    try {
      // Tag tokens (or the epoch) are read in the same tick as the entry: one round trip.
      if (policy.tags === undefined) found = await this.store.get(fullKey);
      else [found, prefetch] = await Promise.all([this.store.get(fullKey), this.tags.prefetch(policy.tags)]);
      if (found != null && hasExtensions(found) && !(await this.holds(found, policy, prefetch))) found = null;
      this.metrics.observe('getOrSet', 'ok', startedAt);
    } catch (error) {
      this.failures.failedOpen('getOrSet', key, error, startedAt);
      return this.loadMiss(call);
    }
    const cached = this.entries.decode<T>(key, fullKey, found, policy.label);
    if (cached !== undefined) {
      if (found != null && hasExtensions(found)) call.basis = this.tags.stampsFor(found) ?? 'unverifiable';
      return cached;
    }
    if (policy.tags !== undefined) call.basis = 'unverifiable'; // until a load stores it with stamps
    const budgetLeftMs = this.budgetMs - (performance.now() - startedAt);
    return policy.lock ? this.loadUnderLock(call, prefetch, budgetLeftMs) : this.loadAndStore(call, prefetch, budgetLeftMs);
  }

  /** Whether every tag stamp of a found entry still holds (an untagged entry has none: it always does). */
  private holds<T>(found: Buffer, policy: ReadThroughPolicy<T>, prefetch: TagPrefetch): Promise<boolean> {
    const known = policy.tags !== undefined && 'known' in policy.tags ? policy.tags.known : undefined;
    return this.invalidator.tagsHold(found, known, prefetch.tokens);
  }

  private async loadUnderLock<T>(call: Call<T>, prefetch: TagPrefetch, budgetLeftMs: number): Promise<T> {
    const { key, fullKey, lockKey, policy } = call;
    const startedAt = performance.now();
    let token: string | undefined;
    try {
      token = await this.lock.acquire(lockKey);
      if (token === undefined) {
        const found = await this.lock.waitForValue(fullKey, lockKey);
        if (found !== undefined && (await this.holds(found, policy, NOTHING_PREFETCHED))) {
          const value = this.entries.decode<T>(key, fullKey, found, policy.label);
          if (value !== undefined) {
            if (hasExtensions(found)) call.basis = this.tags.stampsFor(found) ?? 'unverifiable';
            return value;
          }
        }
      }
    } catch (error) {
      this.failures.failedOpen('getOrSet', key, error, startedAt);
      return this.loadMiss(call);
    }
    try {
      return await this.loadAndStore(call, prefetch, budgetLeftMs);
    } finally {
      if (token !== undefined) this.lock.release(lockKey, token).catch(() => undefined); // it expires anyway
    }
  }

  /**
   * Runs the loader and stores its value. The caller waits for the write only for what is left of
   * the budget after the lookup: a slow or failing write goes on (and is reported) in the background
   * instead of holding a good value back.
   */
  private async loadAndStore<T>(call: Call<T>, prefetch: TagPrefetch, budgetLeftMs: number): Promise<T> {
    const { key, policy } = call;
    let ticket: LoadTicket | undefined;
    if (policy.tags !== undefined) {
      ticket = await this.tagTicket(key, policy.tags, prefetch, policy.ttlHintMs);
      if (ticket === undefined) return this.loadMiss(call); // Redis failed: serve without the cache (counted)
    }
    const loadStartedAt = performance.now();
    const value = await this.loadMiss(call);
    const loadMicros = Math.round((performance.now() - loadStartedAt) * 1000);
    const ttlMs = value === undefined ? undefined : policy.ttlFor(value);
    if (ttlMs === undefined) return value;
    let stamps: TagStamp[] | undefined;
    if (policy.tags !== undefined && ticket !== undefined) {
      const stamped = await this.stampsAfterLoad(key, policy.tags, ticket, value, ttlMs);
      if (stamped === 'skip') return value;
      stamps = stamped;
    }
    let entry: Buffer;
    try {
      entry = this.entries.encode(key, value, 'set', ttlMs, loadMicros, stamps);
    } catch (error) {
      this.failures.notStored(key, error); // already counted
      return value;
    }
    if (stamps !== undefined) call.basis = stamps;
    await settledWithin(this.write(key, call.fullKey, entry, ttlMs, stamps), budgetLeftMs);
    return value;
  }

  /** The caller waits for this loader run: a miss (counted by trigger). */
  private loadMiss<T>(call: Call<T>): Promise<T> {
    return meteredLoad(this.metrics, call.policy.label, 'miss', call.loader);
  }

  /** Tag stamps (or the epoch) taken before the loader runs; undefined when Redis failed (reported). */
  private async tagTicket<T>(key: string, source: TagSource<T>, prefetch: TagPrefetch, ttlMs: number): Promise<LoadTicket | undefined> {
    const startedAt = performance.now();
    try {
      return await this.tags.beforeLoad(source, prefetch, ttlMs);
    } catch (error) {
      this.failures.failedOpen('getOrSet', key, error, startedAt);
      return undefined;
    }
  }

  /**
   * The stamps to store with; 'skip' when the value must not be stored: a tag of the namespace was invalidated
   * while it loaded (tags from the value), or Redis failed. Tags the value names that break the rules reject the call.
   */
  private async stampsAfterLoad<T>(key: string, source: TagSource<T>, ticket: LoadTicket, value: T, ttlMs: number): Promise<TagStamp[] | 'skip'> {
    const startedAt = performance.now();
    try {
      const stamps = await this.tags.afterLoad(source, ticket, value, ttlMs);
      if (stamps === undefined) this.failures.warn('tags:race', `"${key}" was loaded while a tag was invalidated: returned, not stored`);
      if (stamps === undefined || this.invalidator.pending.coversTags(stamps.map(([tag]) => tag))) return 'skip';
      return stamps;
    } catch (error) {
      if (error instanceof CacheError) throw error; // tags the value named break the rules: the call fails, nothing stored
      this.failures.failedOpen('getOrSet', key, error, startedAt);
      return 'skip';
    }
  }

  /** Writes the entry and makes its tags' tokens outlive it, in one tick. Never rejects: the value is good anyway. */
  private write(key: string, fullKey: string, entry: Buffer, ttlMs: number, stamps: TagStamp[] | undefined): Promise<void> {
    const startedAt = performance.now();
    return Promise.resolve()
      .then(() => {
        const stored = this.store.set(fullKey, entry, ttlMs);
        return stamps === undefined ? stored : Promise.all([stored, this.tags.tokens.extendFor(stamps, ttlMs)]);
      })
      .then(
        () => this.metrics.observe('set', 'ok', startedAt),
        (error: unknown) => this.failures.failedOpen('set', key, error, startedAt),
      )
      .catch(() => undefined);
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
