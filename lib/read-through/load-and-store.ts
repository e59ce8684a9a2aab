import type { NamespaceReads } from '../core/namespace-reads.js';
import { CacheError } from '../core/cache-error.js';
import { headerOf, type TagStamp } from '../entry/entry-format.js';
import type { LoadTicket, TagPrefetch, TagSource } from '../invalidation/tags/tag-guard.js';
import type { LoadTrigger } from '../observability/metrics/cache-metrics.js';
import { setIfUnchanged } from '../stores/set-if-unchanged.js';
import { meteredLoad } from './metered-load.js';
import type { Call } from './read-through-call.js';
import { jitteredTtlMs, staleWindowMs } from './stale-policy.js';

/** A load's write evicts the key from the in-process tier before it is sent. */
export type LoadAndStoreDeps = NamespaceReads;

/**
 * One loader run and the write of its value: tags stamped before the load, the logical TTL jittered, the entry kept in
 * Redis for the stale window past it. A load that replaces an entry it read (a refresh, a stale revalidation) writes
 * only while that entry is still there unchanged: a set, an invalidation or another refresh since then wins.
 */
export class LoadAndStore {
  constructor(private readonly deps: LoadAndStoreDeps) {}

  /**
   * Runs the loader and stores its value. The caller waits for the write only for `budgetLeftMs` (what is left of
   * the operation budget after the lookup; Infinity: until it lands): a slow or failing write goes on (and is
   * reported) in the background instead of holding a good value back.
   */
  async run<T>(call: Call<T>, prefetch: TagPrefetch, budgetLeftMs: number, trigger: LoadTrigger, replacing?: Buffer): Promise<T> {
    const { key, policy } = call;
    const { metrics } = this.deps;
    let ticket: LoadTicket | undefined;
    if (policy.tags !== undefined) {
      ticket = await this.tagTicket(key, policy.tags, prefetch);
      if (ticket === undefined) return meteredLoad(metrics, policy.label, key, trigger, call.loader); // Redis failed: serve without the cache (counted)
    }
    const loadStartedAt = performance.now();
    const value = await meteredLoad(metrics, policy.label, key, trigger, call.loader);
    const loadMicros = Math.round((performance.now() - loadStartedAt) * 1000);
    const ttlMs = value === undefined ? undefined : policy.ttlFor(value);
    if (ttlMs === undefined) return value;
    const logicalMs = jitteredTtlMs(ttlMs, policy.stale);
    const physicalMs = logicalMs + staleWindowMs(policy.stale);
    let stamps: TagStamp[] | undefined;
    if (policy.tags !== undefined && ticket !== undefined) {
      const stamped = await this.stampsAfterLoad(key, policy.tags, ticket, value, physicalMs);
      if (stamped === 'skip') return value;
      stamps = stamped;
    }
    // Invalidated while it loaded, with Redis unreachable: the invalidation waits to be replayed, do not store over it.
    if (replacing !== undefined && this.deps.invalidator.pending.coversKey(call.fullKey)) return value;
    let entry: Buffer;
    try {
      entry = this.deps.entries.encode(key, value, 'set', logicalMs, loadMicros, stamps);
    } catch (error) {
      this.deps.failures.notStored(key, error); // already counted
      return value;
    }
    if (stamps !== undefined) call.basis = stamps;
    await settledWithin(this.write(key, call.fullKey, entry, physicalMs, stamps, replacing), budgetLeftMs);
    return value;
  }

  /** Tag stamps (or the epoch) taken before the loader runs; undefined when Redis failed (reported). */
  private async tagTicket<T>(key: string, source: TagSource<T>, prefetch: TagPrefetch): Promise<LoadTicket | undefined> {
    const startedAt = performance.now();
    try {
      return await this.deps.tags.beforeLoad(source, prefetch);
    } catch (error) {
      this.deps.failures.failedOpen('getOrSet', key, error, startedAt);
      return undefined;
    }
  }

  /**
   * The stamps to store with; 'skip' when the value must not be stored: a tag of the namespace was invalidated
   * while it loaded (tags from the value), or Redis failed. Tags the value names that break the rules reject the call.
   */
  private async stampsAfterLoad<T>(
    key: string,
    source: TagSource<T>,
    ticket: LoadTicket,
    value: T,
    ttlMs: number,
  ): Promise<TagStamp[] | 'skip'> {
    const startedAt = performance.now();
    const { failures, invalidator } = this.deps;
    try {
      const stamps = await this.deps.tags.afterLoad(source, ticket, value, ttlMs);
      if (stamps === undefined) failures.warn('tags:race', `"${key}" was loaded while a tag was invalidated: returned, not stored`);
      if (stamps === undefined || invalidator.pending.coversTags(stamps.map(([tag]) => tag))) return 'skip';
      return stamps;
    } catch (error) {
      if (error instanceof CacheError) throw error; // tags the value named break the rules: the call fails, nothing stored
      failures.failedOpen('getOrSet', key, error, startedAt);
      return 'skip';
    }
  }

  /**
   * Writes the entry (only over `replacing`, unchanged, when given) and makes its tags' tokens outlive it, in one tick.
   * Never rejects: the value is good anyway.
   */
  private write(
    key: string,
    fullKey: string,
    entry: Buffer,
    ttlMs: number,
    stamps: TagStamp[] | undefined,
    replacing: Buffer | undefined,
  ): Promise<void> {
    const startedAt = performance.now();
    const { store, tags, metrics, failures, l1 } = this.deps;
    l1?.evict(fullKey); // before the write is sent: a lookup in flight keeps nothing
    return Promise.resolve()
      .then(() => {
        const stored =
          replacing === undefined ? store.set(fullKey, entry, ttlMs) : setIfUnchanged(store, fullKey, headerOf(replacing), entry, ttlMs);
        return stamps === undefined ? stored : Promise.all([stored, tags.tokens.extendFor(stamps, ttlMs)]);
      })
      .then(
        () => metrics.observe('set', 'ok', startedAt),
        (error: unknown) => failures.failedOpen('set', key, error, startedAt),
      )
      .catch(() => undefined);
  }
}

/** Resolves when `work` settles or after `ms`, whichever comes first (`work` must not reject). */
export function settledWithin(work: Promise<void>, ms: number): Promise<void> {
  if (!Number.isFinite(ms)) return work;
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
