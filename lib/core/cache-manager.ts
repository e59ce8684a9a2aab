import { inspect } from 'node:util';
import type { NamespaceReads } from '../read-through/namespace-reads.js';
import { CacheError } from '../kernel/cache-error.js';
import { assertValidNamespace, CacheKeys } from '../kernel/cache-keys.js';
import type { NamespaceOptions, ResolvedCacheOptions } from '../options/cache-options.js';
import { EntryCodec } from '../entry/entry-codec.js';
import { StoredEntries } from '../read-through/stored-entries.js';
import { FailureReporter } from '../telemetry/failure-reporter.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import { ReadThrough, type ReadThroughPolicy } from '../read-through/read-through.js';
import { StampedeLock } from '../read-through/stampede-lock.js';
import { InFlightLoads } from '../read-through/in-flight.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import { parseEntryTtl, type Ttl } from '../kernel/ttl.js';
import { assertEntryTtl } from '../entry/entry-ttl.js';
import type { CacheEntry, GetOrSetManyOptions, GetOrSetOptions, SetOptions } from '../options/entry-options.js';
import { CacheWarming } from '../read-through/warm/cache-warming.js';
import type { WarmEntries, WarmOptions, WarmResult } from '../read-through/warm/warm.types.js';
import { BatchReadThrough, type BatchPolicy, type BatchValues } from '../read-through/batch-read-through.js';
import { TagGuard, type TagSource } from '../invalidation/tags/tag-guard.js';
import { validTags } from '../invalidation/tags/tag-rules.js';
import { TagTokens } from '../invalidation/tags/tag-tokens.js';
import { Invalidator } from '../invalidation/invalidator.js';
import type { StalePolicy } from '../entry/stale-policy.js';
import type { StaleOptions } from '../options/cache-options.js';
import { resolveStalePolicy } from '../options/resolve-stale-policy.js';
import { logicalRemainder } from '../entry/logical-ttl.js';
import type { L1Tier } from '../l1/l1-tier.js';
import type { L1Tiers } from '../l1/l1-tiers.js';
import { resolveL1 } from '../options/resolve-l1.js';
import type { CacheStats } from '../telemetry/cache-stats.js';

import { resolveVersion, type CacheVersion } from '../kernel/cache-version.js';
import { directCommand, type DirectCommand } from '../telemetry/direct-command.js';
import { DIRECT, DirectOperations } from '../namespace/direct-operations.js';
import { assertSameSettings, namespaceOptions, requestedVersion } from '../namespace/namespace-settings.js';
import { assertRoomForNamespace } from '../namespace/namespace-budget.js';

/** Most tags one invalidateTags call takes (an entry carries at most 8). */
const MAX_TAGS_PER_INVALIDATION = 1000;

/**
 * The cache of one service: every key lives under `<namespace>:`. Direct operations
 * reject with CacheError; `getOrSet` never fails because of the cache (it falls back to the loader).
 */
export class CacheManager {
  private readonly keys: CacheKeys;
  private readonly entries: StoredEntries;
  private readonly failures: FailureReporter;
  private readonly readThrough: ReadThrough;
  private readonly batch: BatchReadThrough;
  /** `warm` and what @CacheWarmer needs besides (labels, progress, the singleInstance lock). @internal */
  readonly warming: CacheWarming;
  private readonly tags: TagGuard;
  private readonly invalidator: Invalidator;
  /** This namespace's refresh/stale policy (read-through calls that override none of it share it). */
  private readonly stale: StalePolicy;
  /** The in-process tier in front of Redis, when this namespace has `l1` on. */
  private readonly l1?: L1Tier;
  /** get / set / mget / mset. */
  private readonly ops: DirectOperations;
  /** Runs one direct store command, timed and counted. */
  private readonly direct: DirectCommand;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly store: CacheStore,
    private readonly metrics: CacheMetrics,
    private readonly logger: RateLimitedLogger,
    private readonly l1Tiers?: L1Tiers,
    /** Every namespace (and version) of this module by key prefix, shared by the root manager and its siblings. */
    private readonly siblings = new Map<string, CacheManager>(),
    /** The settings this namespace was created with (`withNamespace`), to refuse a conflicting second call. */
    private readonly settings?: NamespaceOptions,
  ) {
    this.keys = new CacheKeys(options.namespace, options.version);
    if (!siblings.has(this.keys.prefix)) siblings.set(this.keys.prefix, this); // withNamespace finds every namespace here
    this.stale = options.namespacePolicies.get(options.namespace) ?? options.stalePolicy;
    this.failures = new FailureReporter(metrics, logger);
    const encoding = options.namespaceEncodings.get(options.namespace) ?? options.encoding;
    const codec = new EntryCodec(encoding);
    this.entries = new StoredEntries(codec, metrics, this.failures, store);
    this.direct = directCommand(metrics, this.failures);
    this.tags = new TagGuard(new TagTokens(store, this.keys.prefix), codec);
    this.l1 = l1Tiers?.tierFor(options.namespace, this.l1Settings(settings));
    // Loads in flight, abandoned past their join bound (counted), detached by the invalidations that cover them.
    const inFlight = new InFlightLoads((flight) => metrics.loadRace(flight.call.policy.label, 'abandoned'));
    this.invalidator = new Invalidator({
      flights: inFlight,
      store,
      keys: this.keys,
      tags: this.tags,
      direct: this.direct,
      settings: options.invalidationQueue,
      metrics,
      logger,
      l1: this.l1,
    });
    // What every read path of this namespace works with.
    const reads: NamespaceReads = {
      store,
      entries: this.entries,
      metrics,
      failures: this.failures,
      tags: this.tags,
      invalidator: this.invalidator,
      l1: this.l1,
    };
    this.readThrough = new ReadThrough({ ...reads, lock: new StampedeLock(store, options.lock), budgetMs: options.operationTimeoutMs, inFlight });
    this.batch = new BatchReadThrough({ ...reads, inFlight, budgetMs: options.operationTimeoutMs });
    this.ops = new DirectOperations({
      ...reads,
      keys: this.keys,
      stale: this.stale,
      direct: this.direct,
      ttlOf: (ttl, key, operation) => this.ttlOf(ttl, key, operation),
    });
    this.warming = new CacheWarming({
      keys: this.keys,
      store,
      loads: this.readThrough.loads,
      invalidator: this.invalidator,
      metrics,
      logger,
      stale: this.stale,
      ttlOf: (ttl, key) => this.ttlOf(ttl, key, 'getOrSet'),
      tagSource: (tags, key) => this.tagSource(tags, key),
    });
  }

  /** This namespace's l1: given to withNamespace, else configured in `namespaces`, else the module's. */
  private l1Settings(settings: NamespaceOptions | undefined) {
    const { namespace } = this.keys;
    if (settings?.l1 !== undefined) return resolveL1(settings.l1, `withNamespace("${namespace}").l1`, this.options.l1);
    return this.options.namespaceL1.has(namespace) ? this.options.namespaceL1.get(namespace) : this.options.l1;
  }

  /** Stops retrying pending invalidations (Nest calls it when the module closes). */
  onModuleDestroy(): void {
    this.invalidator.pending.close();
    for (const sibling of this.siblings.values()) if (sibling !== this) sibling.invalidator.pending.close();
  }

  get namespace(): string {
    return this.keys.namespace;
  }

  /**
   * What `console.log(cache)` and loggers show: the namespace and version, not the options and connection kept inside
   * (they hold the Redis password).
   */
  [inspect.custom](): string {
    return `CacheManager ${inspect(this.toJSON())}`;
  }

  toJSON(): { namespace: string; version?: string } {
    return this.keys.version === undefined ? { namespace: this.keys.namespace } : { namespace: this.keys.namespace, version: this.keys.version };
  }

  /** The version of this namespace's cached shape (as it appears in keys), or undefined when unversioned. */
  get version(): string | undefined {
    return this.keys.version;
  }

  /**
   * The same cache under another namespace (same connection), or this namespace at another version. It writes with the
   * serializer and compression given here, else those of the module's `namespaces` option for it, else the module's;
   * its version is the one given, else the configured one. A namespace (at a version) is made once: asking for it
   * again with other settings (serializer, compression, refresh/stale) is a CacheError. Names are at most 64 characters;
   * at most `maxRuntimeNamespaces` (default 100) namespaces besides the configured ones are made (then a CacheError).
   */
  withNamespace(namespace: string, settings?: NamespaceOptions): CacheManager {
    assertValidNamespace(namespace, 'withNamespace(namespace)');
    const version = requestedVersion(this.options, namespace, settings);
    const existing = this.siblings.get(CacheKeys.prefixOf(namespace, version));
    if (existing) {
      assertSameSettings(existing.settings, settings, namespace);
      return existing;
    }
    assertRoomForNamespace(this.options, this.siblings.values(), namespace, version);
    const options = namespaceOptions(this.options, namespace, version, settings);
    const metrics = this.metrics.forNamespace(namespace);
    return new CacheManager(options, this.store, metrics, this.logger, this.l1Tiers, this.siblings, settings); // registers itself
  }

  /**
   * This namespace's summary: hits, misses, loads and errors counted by this process since it started, the fleet's
   * latest footprint estimate (`null` until sampled, or with `footprint: false`) and this process's circuit state.
   */
  stats(): CacheStats {
    return this.metrics.stats();
  }

  /** The value under `key`, `undefined` on a miss. A stored `null` is a value, returned as `null`. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.ops.get<T>(key);
  }

  set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    return this.ops.set(key, value, options);
  }

  /**
   * Invalidates every entry carrying any of `tags` in this namespace: two round trips whatever the number of
   * entries (no SCAN, no key lists). Entries stay in Redis until their TTL but are never served again.
   */
  async invalidateTags(tags: string | readonly string[]): Promise<void> {
    const list = validTags(tags, 'invalidate', undefined, MAX_TAGS_PER_INVALIDATION);
    if (list.length === 0) return;
    await this.invalidator.run('invalidate', list.length === 1 ? `tag:${list[0]}` : undefined, { kind: 'tags', tags: list });
  }

  /** Removes one or many keys, resolving to how many existed. */
  async invalidate(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : keys;
    const fullKeys = list.map((key) => this.keys.full(key, 'invalidate'));
    return this.invalidator.run('invalidate', list.length === 1 ? list[0] : undefined, { kind: 'keys', fullKeys });
  }

  async has(key: string): Promise<boolean> {
    const fullKey = this.keys.full(key, 'has');
    return this.direct('has', key, () => this.store.has(fullKey));
  }

  /**
   * Remaining logical time to live in milliseconds; `undefined` when the key is absent or past its logical TTL. Redis
   * keeps an entry longer by the stale window (staleWhileRevalidate/staleIfError), which this does not count.
   */
  async ttl(key: string): Promise<number | undefined> {
    const fullKey = this.keys.full(key, 'ttl');
    return this.direct('ttl', key, async () =>
      logicalRemainder(...(await Promise.all([this.store.get(fullKey), this.store.ttl(fullKey)]))),
    );
  }

  /**
   * Read-through: the cached value, or the loader's, which is then stored.
   * `undefined` from the loader is returned but not stored; loader errors reach the caller unchanged
   * and are never cached. When the cache itself fails, the loader's value is returned (fail-open).
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: GetOrSetOptions<T>): Promise<T> {
    try {
      const ttlMs = this.ttlOf(options?.ttl, key, 'getOrSet');
      const tags = options?.tags === undefined ? undefined : this.tagSource(options.tags, key);
      const stale = this.staleFor(options, (option) => `getOrSet option "${option}"`);
      return this.cached(key, loader, { label: DIRECT, ttlFor: () => ttlMs, ttlHintMs: ttlMs, lock: options?.lock, tags, stale });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The module's `http` settings, for the CacheInterceptor. @internal */
  get httpSettings(): ResolvedCacheOptions['http'] {
    return this.options.http;
  }

  /** Tags as read-through takes them: validated now when known, when the value comes when computed from it. @internal */
  tagSource<T>(tags: readonly string[] | ((value: T) => readonly string[]), key: string): TagSource<T> | undefined {
    if (typeof tags === 'function') return { fromValue: tags };
    const known = validTags(tags, 'getOrSet', key);
    return known.length === 0 ? undefined : { known };
  }

  /**
   * Read-through with a policy (used by the method decorators and the interceptor).
   * @internal
   */
  cached<T>(
    key: string,
    loader: () => T | Promise<T>,
    policy: Omit<ReadThroughPolicy<T>, 'lock' | 'ttlHintMs' | 'stale'> & { lock?: boolean; ttlHintMs?: number; stale?: StalePolicy },
  ): Promise<T> {
    const fullKey = this.keys.full(key, 'getOrSet');
    const lock = policy.lock ?? this.options.lock.enabled;
    const ttlHintMs = policy.ttlHintMs ?? this.options.defaultTtlMs;
    const stale = policy.stale ?? this.stale;
    assertEntryTtl(ttlHintMs, stale, 'getOrSet', key); // before the loader runs, not once its value cannot be stored
    return this.readThrough.run(key, fullKey, this.keys.lockKey(key), loader, { ...policy, lock, ttlHintMs, stale });
  }

  /** This namespace's refresh/stale policy with a call's overrides (validated; `name` names an option in errors). @internal */
  staleFor(options: StaleOptions | undefined, name: (option: string) => string): StalePolicy {
    return resolveStalePolicy(options, this.stale, name, 'getOrSet');
  }

  /**
   * Read-through for many keys: one MGET, `loadMissing` called once with only the keys that missed (it returns their
   * values in that order, or a Map / object keyed by key; `undefined` or absent: not found, not stored), one pipelined
   * write. A key another call is loading in this process is not loaded again (single flight per key holds).
   */
  getOrSetMany<T>(
    keys: readonly string[],
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    options?: GetOrSetManyOptions,
  ): Promise<Array<T | undefined>> {
    try {
      const ttlMs = this.ttlOf(options?.ttl, undefined, 'getOrSet');
      const stale = this.staleFor(options, (option) => `getOrSetMany option "${option}"`);
      assertEntryTtl(ttlMs, stale, 'getOrSet', undefined);
      return this.cachedMany(keys, loadMissing, { label: DIRECT, ttlFor: () => ttlMs, stale });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** getOrSetMany with a policy (used by the batch form of @Cacheable). @internal */
  cachedMany<T>(
    keys: readonly string[],
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    policy: BatchPolicy<T>,
  ): Promise<Array<T | undefined>> {
    if (!Array.isArray(keys))
      return Promise.reject(new CacheError('getOrSet', undefined, `keys must be an array of strings, got ${typeof keys}`));
    const fullKeys = keys.map((key) => this.keys.full(key, 'getOrSet'));
    return this.batch.run(keys, fullKeys, loadMissing, policy);
  }

  /**
   * Loads entries ahead of demand (`{ key, loader, ttl?, tags? }` from an iterable or async iterable), `concurrency`
   * at a time (default 16), leaving keys whose entry is still fresh (`skipIfFresh`, default true). Resolves to
   * `{ loaded, skipped, failed }`; one entry's failure is counted and logged, never thrown.
   */
  warm(entries: WarmEntries, options?: WarmOptions): Promise<WarmResult> {
    return this.warming.warm(entries, options);
  }

  /** Values of many keys in one round trip, in the order asked; misses are `undefined`. */
  mget<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return this.ops.mget<T>(keys);
  }

  /** Stores many entries in one round trip. Every value is checked first: one bad value stores nothing. */
  mset(entries: ReadonlyArray<CacheEntry>): Promise<void> {
    return this.ops.mset(entries);
  }

  /**
   * Removes every key of this namespace that starts with `prefix`. The prefix is taken literally:
   * glob characters in it are escaped, so user input can never widen it beyond the namespace. The package's own keys
   * under it (tag tokens, locks, the epoch, heartbeats, reports, also those of a version) stay: a prefix inside one of
   * their segments is a CacheError, a shorter one (`'_'`, `'v3:'`) skips them.
   */
  async invalidatePrefix(prefix: string): Promise<number> {
    const fullPrefix = this.keys.full(prefix, 'invalidate');
    return this.invalidator.run('invalidate', prefix, { kind: 'prefix', fullPrefix, keepReserved: true });
  }

  /**
   * Removes every key of this namespace (SCAN + UNLINK in batches), and only those: the namespace's reset, its own keys
   * (tag tokens, locks…) included. On a versioned namespace: of this version.
   */
  clear(): Promise<number> {
    return this.invalidator.run('clear', undefined, { kind: 'prefix', fullPrefix: this.keys.prefix, keepReserved: false });
  }

  /**
   * Removes every key of another version of this namespace (`<namespace>:v<version>:`), as `clear` does (SCAN + UNLINK
   * in batches of 1000, on every master of a Cluster); resolves to how many it removed. The current version is refused:
   * that is `clear()`.
   */
  clearVersion(version: CacheVersion): Promise<number> {
    try {
      const old = resolveVersion(version, 'clearVersion(version)', 'clear');
      if (old === this.keys.version) {
        throw new CacheError(
          'clear',
          undefined,
          `version ${JSON.stringify(old)} is the current version of "${this.namespace}": use clear() to remove its keys`,
        );
      }
      return this.invalidator.run('clear', undefined, { kind: 'prefix', fullPrefix: CacheKeys.prefixOf(this.namespace, old), keepReserved: false });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Counts a decorated method call run uncached because its default key refused an argument. @internal */
  countUncacheable(cache: string, reason: string): void {
    this.metrics.uncacheableCall(cache, reason);
  }

  /** An entry's TTL in milliseconds (NO_EXPIRY for `'never'`): the given one, or the module's default. @internal */
  ttlOf(ttl: Ttl | undefined, key: string | undefined, operation: 'set' | 'mset' | 'getOrSet'): number {
    return ttl === undefined ? this.options.defaultTtlMs : parseEntryTtl(ttl, operation, key);
  }
}
