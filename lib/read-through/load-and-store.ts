import type { NamespaceReads } from './namespace-reads.js';
import { CacheError } from '../kernel/cache-error.js';
import { headerOf, type TagStamp } from '../entry/entry-format.js';
import type { LoadTicket, TagPrefetch, TagSource } from '../invalidation/tags/tag-guard.js';
import type { LoadTrigger } from '../telemetry/cache-metrics.js';
import { setIfUnchanged } from '../stores/set-if-unchanged.js';
import { LoadLeases, type LeaseHold } from './load-leases.js';
import { meteredLoad } from './metered-load.js';
import { within } from '../kernel/soft-timeout.js';
import type { Call } from './read-through-call.js';
import { entryLifetime } from '../entry/entry-policy.js';

/** A load's write evicts the key from the in-process tier before it is sent. */
export type LoadAndStoreDeps = NamespaceReads;

/**
 * What a load's write may replace: `replacing`, the entry a refresh or revalidation read (only while unchanged);
 * `missed`, what a lookup found but could not serve (null: nothing), replaced through a lease taken before the load.
 */
export type WriteOver = { replacing: Buffer } | { missed: Buffer | null | undefined };

const MISSED_NOTHING: WriteOver = { missed: null };

/** A loader's value, and the entry to store for it (none: not stored). */
interface Loaded<T> {
  value: T;
  entry?: { bytes: Buffer; ttlMs: number; stamps?: TagStamp[] };
}

/**
 * One loader run and the write of its value: tags stamped before the load, the logical TTL jittered, the entry kept in
 * Redis for the stale window past it. A load that replaces an entry it read (a refresh, a stale revalidation) writes
 * only while that entry is still there unchanged: a set, an invalidation or another refresh since then wins.
 */
export class LoadAndStore {
  private readonly leases: LoadLeases;

  constructor(private readonly deps: LoadAndStoreDeps) {
    this.leases = new LoadLeases(deps.store);
  }

  /**
   * Runs the loader and stores its value. The caller waits for the write only for `budgetLeftMs` (what is left of
   * the operation budget after the lookup; Infinity: until it lands): a slow or failing write goes on (and is
   * reported) in the background instead of holding a good value back.
   */
  async run<T>(call: Call<T>, prefetch: TagPrefetch, budgetLeftMs: number, trigger: LoadTrigger, over = MISSED_NOTHING): Promise<T> {
    const { key, policy } = call;
    const startedAt = performance.now();
    // Both before the loader, in one round trip: the tag stamps, and the lease that an invalidation of the key revokes.
    const [ticket, hold] = await Promise.all([
      policy.tags === undefined ? null : this.tagTicket(key, policy.tags, prefetch),
      'replacing' in over ? null : this.lease(call, over.missed, budgetLeftMs),
    ]);
    budgetLeftMs -= performance.now() - startedAt; // what is left for the write
    if (ticket === undefined || hold === undefined) {
      this.leases.release(call.fullKey, hold);
      return meteredLoad(this.deps.metrics, policy.label, key, trigger, call.loader); // Redis failed: serve without the cache (counted)
    }
    let loaded: Loaded<T> | undefined;
    try {
      loaded = await this.loadAndEncode(call, trigger, ticket, hold === 'occupied');
    } finally {
      if (loaded?.entry === undefined) this.leases.release(call.fullKey, hold); // nothing to store: free the key now
    }
    const { value, entry } = loaded;
    // Another writer's entry was found in its place: the value is stored nowhere, so nothing vouches for it to a joiner.
    if (hold === 'occupied') call.stored = 'unverifiable';
    if (entry === undefined) return value;
    if (entry.stamps !== undefined) call.basis = entry.stamps;
    const target = hold === null ? (over as { replacing: Buffer }) : hold;
    call.stored = 'unverifiable'; // until the write is confirmed: a joiner meanwhile runs its own loader
    const issuedAt = performance.now(); // the write is issued right after: a call that joined before needs no check
    const written = this.write(key, call.fullKey, policy.label, entry.bytes, entry.ttlMs, entry.stamps, target).then((stored) => {
      if (stored) [call.stored, call.vouchedAt] = [entry.bytes, issuedAt];
    });
    call.writeBack = written.catch(() => undefined);
    await settledWithin(written, budgetLeftMs);
    return value;
  }

  /** Runs the loader and encodes what it returned, stamped; no entry when the value is not to be stored. */
  private async loadAndEncode<T>(call: Call<T>, trigger: LoadTrigger, ticket: LoadTicket | null, occupied: boolean): Promise<Loaded<T>> {
    const { key, policy } = call;
    const loadStartedAt = performance.now();
    const value = await meteredLoad(this.deps.metrics, policy.label, key, trigger, call.loader);
    const loadMicros = Math.round((performance.now() - loadStartedAt) * 1000);
    const ttlMs = value === undefined ? undefined : policy.ttlFor(value);
    if (ttlMs === undefined) return { value };
    if (occupied) {
      this.deps.metrics.loadRace(policy.label, 'superseded'); // another writer stored the key since the lookup: no write, no tag tokens
      return { value };
    }
    const { logicalMs, physicalMs } = entryLifetime(ttlMs, policy.stale);
    let stamps: TagStamp[] | undefined;
    if (policy.tags !== undefined && ticket !== null) {
      const stamped = await this.stampsAfterLoad(key, policy.tags, ticket, value, physicalMs);
      if (stamped === 'skip') return { value };
      stamps = stamped;
    }
    // Invalidated while it loaded, with Redis unreachable: the invalidation waits to be replayed, do not store over it.
    if (this.deps.invalidator.pending.coversKey(call.fullKey)) return { value };
    try {
      return { value, entry: { bytes: this.deps.entries.encode(key, value, 'set', logicalMs, loadMicros, stamps), ttlMs: physicalMs, stamps } };
    } catch (error) {
      this.deps.failures.notStored(key, error); // already counted
      return { value };
    }
  }

  /**
   * The lease this load writes over, taken before it runs; undefined when Redis failed (reported) or did not answer
   * within the call's budget (a Cluster failing over): the load then runs without the cache, and a lease that lands
   * later is freed.
   */
  private async lease<T>(call: Call<T>, seen: Buffer | null | undefined, budgetMs: number): Promise<LeaseHold | undefined> {
    const startedAt = performance.now();
    const taking = this.leases.take(call.fullKey, call.policy.stale.loaderTimeoutMs, seen);
    const outcome = await within(taking, Number.isFinite(budgetMs) ? Math.max(0, budgetMs) : undefined);
    if ('value' in outcome) return outcome.value;
    if ('error' in outcome) this.deps.failures.failedOpen('getOrSet', call.key, outcome.error, startedAt);
    else taking.then((late) => this.leases.release(call.fullKey, late)).catch(() => undefined);
    return undefined;
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
    label: string,
    entry: Buffer,
    ttlMs: number,
    stamps: TagStamp[] | undefined,
    over: LeaseHold | { replacing: Buffer },
  ): Promise<boolean> {
    const startedAt = performance.now();
    const { store, tags, metrics, failures, l1 } = this.deps;
    l1?.evict(fullKey); // before the write is sent: a lookup in flight keeps nothing
    return Promise.resolve()
      .then(() => {
        const stored =
          typeof over === 'object' && 'replacing' in over
            ? setIfUnchanged(store, fullKey, headerOf(over.replacing), entry, ttlMs)
            : this.leases.write(fullKey, over, entry, ttlMs);
        const counted = stored.then((written) => {
          if (!written) metrics.loadRace(label, 'superseded'); // an invalidation, a set or another load came first
          return written;
        });
        if (stamps === undefined) return counted;
        tags.hints.learn(fullKey, stamps); // a later get reads the entry and its tokens in one command
        return Promise.all([counted, tags.tokens.extendFor(stamps, ttlMs)]).then(([written]) => written);
      })
      .then(
        (written) => {
          metrics.observe('set', 'ok', startedAt);
          return written;
        },
        (error: unknown) => {
          failures.failedOpen('set', key, error, startedAt);
          return false;
        },
      )
      .catch(() => false);
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
