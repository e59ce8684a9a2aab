import type { NamespaceReads } from '../read-through/namespace-reads.js';
import type { KeepReplies } from '../entry/entry-codec.js';
import { CacheError } from '../kernel/cache-error.js';
import type { CacheKeys } from '../kernel/cache-keys.js';
import type { CacheEntry, SetOptions } from '../options/entry-options.js';
import type { DirectCommand } from '../telemetry/direct-command.js';
import { servableEntries } from '../read-through/servable-entries.js';
import { isPastLogicalExpiry, logicalRemainder } from '../entry/logical-ttl.js';
import type { Ttl } from '../kernel/ttl.js';
import { assertEntryTtl } from '../entry/entry-ttl.js';
import { hasExtensions } from '../entry/entry-format.js';
import { validTags } from '../invalidation/tags/tag-rules.js';
import { mgetThroughL1, type FetchMany } from '../l1/l1-reads.js';
import { resolveEntryPolicy } from '../options/resolve-entry-policy.js';
import { entryLifetime, type EntryLifetime, type EntryPolicy } from '../entry/entry-policy.js';
import type { StoreEntry } from '../stores/cache-store.interface.js';

/** The `cache` label of lookups made directly on the manager (decorated methods use their own name). */
export const DIRECT = 'direct';

export interface DirectOperationsDeps extends NamespaceReads {
  keys: CacheKeys;
  /** This namespace's refresh/stale policy: a write's physical TTL adds its stale window. */
  stale: EntryPolicy;
  direct: DirectCommand;
  ttlOf: (ttl: Ttl | undefined, key: string | undefined, operation: 'set' | 'mset') => number;
}

/**
 * get / set / mget / mset of one namespace: the in-process tier first where it is on, then Redis, with the checks
 * every direct read makes (pending invalidations, tag tokens, logical expiry). Writes evict the tier before they are sent.
 */
export class DirectOperations {
  constructor(private readonly deps: DirectOperationsDeps) {}

  /**
   * The value under `key`, `undefined` on a miss. A stored `null` is a value, returned as `null`. Not async itself: a
   * hit from the in-process tier resolves without the Redis read's larger async frame (a refused key still rejects).
   */
  get<T>(key: string): Promise<T | undefined> {
    const { l1 } = this.deps;
    if (l1 === undefined) return this.read<T>(key);
    let fullKey: string;
    try {
      fullKey = this.deps.keys.full(key, 'get');
    } catch (error) {
      return Promise.reject(error);
    }
    const held = l1.lookup(fullKey);
    const copied = held === undefined ? undefined : (l1.valueOf(held, fullKey) as T | undefined);
    if (copied === undefined) return this.read<T>(key, fullKey);
    this.deps.metrics.hit(DIRECT, key, 'l1');
    return Promise.resolve(copied);
  }

  /** `get` from Redis (what the in-process tier, if on, did not serve); `fullKey` when already built. */
  private async read<T>(key: string, fullKey = this.deps.keys.full(key, 'get')): Promise<T | undefined> {
    const { l1, store, invalidator, failures, metrics, entries, tags } = this.deps;
    const ticket = l1?.beginFill(fullKey);
    const startedAt = performance.now();
    let bytes: Buffer | null | undefined;
    // A key whose entry was seen tagged reads its tags' tokens in the same command as the entry (a hint: see TagHints).
    const hinted = tags.hints.of(fullKey);
    let prefetched: ReadonlyArray<string | undefined> | undefined;
    let sent: Promise<Array<Buffer | null | undefined>> | undefined; // the MGET, awaited here: no extra microtask hop
    try {
      if (invalidator.pending.coversKey(fullKey)) bytes = null;
      else if (hinted === undefined) bytes = await store.get(fullKey);
      else if ((sent = tags.tokens.mgetWith(fullKey, hinted)))
        ({ found: bytes, tokens: prefetched } = tags.tokens.replyWith(await sent, hinted));
      else ({ found: bytes, tokens: prefetched } = await tags.tokens.readWith(fullKey, hinted)); // the token memo's read
      if (bytes != null && hasExtensions(bytes)) {
        const holds = invalidator.tagsHold(bytes, hinted, prefetched, fullKey); // a boolean unless tokens were missing
        if (!(typeof holds === 'boolean' ? holds : await holds)) bytes = null; // an invalidated tag
      } else if (bytes != null && hinted !== undefined) tags.hints.forget(fullKey); // untagged now
      if (bytes != null && isPastLogicalExpiry(bytes)) bytes = null; // kept for read-through's stale window only
    } catch (error) {
      l1?.abandon(ticket);
      throw failures.failed('get', key, error, startedAt);
    }
    metrics.observe('get', 'ok', startedAt);
    return entries.decode<T>(key, fullKey, bytes, DIRECT, l1 && ((value) => l1.keep(ticket, bytes, value)));
  }

  async set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    const { keys, entries, l1, store, failures, metrics } = this.deps;
    const fullKey = keys.full(key, 'set');
    const stale = resolveEntryPolicy(options, this.deps.stale, (option) => `set option "${option}"`, 'set');
    const lifetime = entryLifetime(this.entryTtlMs(options?.ttl, key, 'set', stale), stale);
    if (options?.tags !== undefined) return this.setTagged(key, fullKey, value, lifetime, validTags(options.tags, 'set', key));
    const entry = entries.encode(key, value, 'set', lifetime.logicalMs);
    const startedAt = performance.now();
    l1?.evict(fullKey);
    try {
      await store.set(fullKey, entry, lifetime.physicalMs);
    } catch (error) {
      throw failures.failed('set', key, error, startedAt);
    }
    metrics.observe('set', 'ok', startedAt);
  }

  /**
   * `set` with tags: stamped with their current tokens (read first unless this process saw them in the last second),
   * then written with the tokens' lifetimes.
   */
  private async setTagged(key: string, fullKey: string, value: unknown, lifetime: EntryLifetime, tags: string[]): Promise<void> {
    const { entries, l1, store, failures, metrics } = this.deps;
    const startedAt = performance.now();
    const { logicalMs, physicalMs } = lifetime;
    l1?.evict(fullKey);
    try {
      const stamps = await this.deps.tags.tokens.current(tags, physicalMs);
      const entry = entries.encode(key, value, 'set', logicalMs, 0, stamps);
      this.deps.tags.hints.learn(fullKey, stamps); // a later get reads the entry and its tokens in one command
      await Promise.all([store.set(fullKey, entry, physicalMs), this.deps.tags.tokens.extendFor(stamps, physicalMs)]);
    } catch (error) {
      if (error instanceof CacheError) throw error; // the value was refused (already counted)
      throw failures.failed('set', key, error, startedAt);
    }
    metrics.observe('set', 'ok', startedAt);
  }

  /** Values of many keys in one round trip, in the order asked; misses are `undefined`. */
  async mget<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const fullKeys = keys.map((key) => this.deps.keys.full(key, 'mget'));
    if (this.deps.l1 !== undefined) return mgetThroughL1<T>(this.deps.l1, keys, fullKeys, this.mgetFromRedis, this.deps.metrics, DIRECT);
    return this.mgetFromRedis<T>(keys, fullKeys);
  }

  /** mget from Redis (what the in-process tier does not hold): the servable entries and their values. */
  private readonly mgetFromRedis: FetchMany = async <T>(keys: readonly string[], fullKeys: readonly string[], keep?: KeepReplies) => {
    const { store, entries } = this.deps;
    const found = await this.deps.direct('mget', undefined, async () => servableEntries(this.deps, fullKeys, await store.mget(fullKeys)));
    return entries.decodeMany<T>(keys, fullKeys, found, DIRECT, keep);
  };

  /** Stores many entries in one round trip. Every value is checked first: one bad value stores nothing. */
  async mset(list: ReadonlyArray<CacheEntry>): Promise<void> {
    const { keys, entries, stale, l1, store } = this.deps;
    const prepared: StoreEntry[] = list.map((entry) => {
      const { logicalMs, physicalMs } = entryLifetime(this.entryTtlMs(entry.ttl, entry.key, 'mset', stale), stale);
      const value = entries.encode(entry.key, entry.value, 'mset', logicalMs);
      return { key: keys.full(entry.key, 'mset'), ttlMs: physicalMs, value };
    });
    for (const { key } of prepared) l1?.evict(key);
    await this.deps.direct('mset', undefined, () => store.mset(prepared));
  }

  async has(key: string): Promise<boolean> {
    const fullKey = this.deps.keys.full(key, 'has');
    return this.deps.direct('has', key, () => this.deps.store.has(fullKey));
  }

  /** Remaining logical time to live in ms; `undefined` when absent or past its logical TTL (the stale window not counted). */
  async ttl(key: string): Promise<number | undefined> {
    const { keys, store, direct } = this.deps;
    const fullKey = keys.full(key, 'ttl');
    return direct('ttl', key, async () => logicalRemainder(...(await Promise.all([store.get(fullKey), store.ttl(fullKey)]))));
  }

  /** A write's TTL, refused when, spread by its jitter, it would not fit the entry (or Redis with its stale window). */
  private entryTtlMs(ttl: Ttl | undefined, key: string, operation: 'set' | 'mset', stale: EntryPolicy): number {
    const ttlMs = this.deps.ttlOf(ttl, key, operation);
    assertEntryTtl(ttlMs, stale, operation, key);
    return ttlMs;
  }
}
