import { inspect } from 'node:util';
import type { CacheVersion } from '../kernel/cache-version.js';
import type { NamespaceOptions } from '../options/cache-options.js';
import type { CacheEntry, GetOrSetManyOptions, GetOrSetOptions, SetOptions } from '../options/entry-options.js';
import type { BatchValues } from '../read-through/batch-read-through.js';
import type { WarmEntries, WarmOptions, WarmResult } from '../read-through/warm/warm.types.js';
import type { CacheStats } from '../telemetry/cache-stats.js';
import type { NamespaceEngine } from '../namespace/namespace-engine.js';
import type { NamespaceRegistry } from '../namespace/namespace-registry.js';

/** One facade per engine: `withNamespace` hands back the same manager every time it is asked for a namespace. */
const facades = new WeakMap<NamespaceEngine, CacheManager>();

/**
 * The cache of one service: every key lives under `<namespace>:`. Direct operations
 * reject with CacheError; `getOrSet` never fails because of the cache (it falls back to the loader).
 * A facade: the namespace's engine (from the module's NamespaceRegistry) does the work.
 */
export class CacheManager {
  /** The manager of `engine` (made once). @internal the module builds managers; inject CacheManager instead. */
  static of(engine: NamespaceEngine, registry: NamespaceRegistry): CacheManager {
    let manager = facades.get(engine);
    if (manager === undefined) facades.set(engine, (manager = new CacheManager(engine, registry)));
    return manager;
  }

  private constructor(
    private readonly engine: NamespaceEngine,
    private readonly registry: NamespaceRegistry,
  ) {}

  get namespace(): string {
    return this.engine.namespace;
  }

  /** The version of this namespace's cached shape (as it appears in keys), or undefined when unversioned. */
  get version(): string | undefined {
    return this.engine.version;
  }

  /**
   * What `console.log(cache)` and loggers show: the namespace and version, not the options and connection kept inside
   * (they hold the Redis password).
   */
  [inspect.custom](): string {
    return `CacheManager ${inspect(this.toJSON())}`;
  }

  toJSON(): { namespace: string; version?: string } {
    const { namespace, version } = this;
    return version === undefined ? { namespace } : { namespace, version };
  }

  /**
   * The same cache under another namespace (same connection), or this namespace at another version. It writes with the
   * serializer and compression given here, else those of the module's `namespaces` option for it, else the module's;
   * its version is the one given, else the configured one. A namespace (at a version) is made once: asking for it
   * again with other settings (serializer, compression, refresh/stale) is a CacheError. Names are at most 64 characters;
   * at most `maxRuntimeNamespaces` (default 100) namespaces besides the configured ones are made (then a CacheError).
   */
  withNamespace(namespace: string, settings?: NamespaceOptions): CacheManager {
    return CacheManager.of(this.registry.engine(namespace, settings), this.registry);
  }

  /**
   * This namespace's summary: hits, misses, loads and errors counted by this process since it started, the fleet's
   * latest footprint estimate (`null` until sampled, or with `footprint: false`) and this process's circuit state.
   */
  stats(): CacheStats {
    return this.engine.stats();
  }

  /** The value under `key`, `undefined` on a miss. A stored `null` is a value, returned as `null`. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.engine.ops.get<T>(key);
  }

  set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    return this.engine.ops.set(key, value, options);
  }

  /** Values of many keys in one round trip, in the order asked; misses are `undefined`. */
  mget<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return this.engine.ops.mget<T>(keys);
  }

  /** Stores many entries in one round trip. Every value is checked first: one bad value stores nothing. */
  mset(entries: ReadonlyArray<CacheEntry>): Promise<void> {
    return this.engine.ops.mset(entries);
  }

  has(key: string): Promise<boolean> {
    return this.engine.ops.has(key);
  }

  /**
   * Remaining logical time to live in milliseconds; `undefined` when the key is absent or past its logical TTL. Redis
   * keeps an entry longer by the stale window (staleWhileRevalidate/staleIfError), which this does not count.
   */
  ttl(key: string): Promise<number | undefined> {
    return this.engine.ops.ttl(key);
  }

  /**
   * Read-through: the cached value, or the loader's, which is then stored.
   * `undefined` from the loader is returned but not stored; loader errors reach the caller unchanged
   * and are never cached. When the cache itself fails, the loader's value is returned (fail-open).
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: GetOrSetOptions<T>): Promise<T> {
    return this.engine.reads.getOrSet(key, loader, options);
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
    return this.engine.reads.getOrSetMany(keys, loadMissing, options);
  }

  /**
   * Loads entries ahead of demand (`{ key, loader, ttl?, tags? }` from an iterable or async iterable), `concurrency`
   * at a time (default 16), leaving keys whose entry is still fresh (`skipIfFresh`, default true). Resolves to
   * `{ loaded, skipped, failed }`; one entry's failure is counted and logged, never thrown.
   */
  warm(entries: WarmEntries, options?: WarmOptions): Promise<WarmResult> {
    return this.engine.warming.warm(entries, options);
  }

  /** Removes one or many keys, resolving to how many existed. */
  invalidate(keys: string | readonly string[]): Promise<number> {
    return this.engine.invalidations.invalidate(keys);
  }

  /**
   * Invalidates every entry carrying any of `tags` in this namespace: two round trips whatever the number of
   * entries (no SCAN, no key lists). Entries stay in Redis until their TTL but are never served again.
   */
  invalidateTags(tags: string | readonly string[]): Promise<void> {
    return this.engine.invalidations.invalidateTags(tags);
  }

  /**
   * Removes every key of this namespace that starts with `prefix`. The prefix is taken literally:
   * glob characters in it are escaped, so user input can never widen it beyond the namespace. The package's own keys
   * under it (tag tokens, locks, the epoch, heartbeats, reports, also those of a version) stay: a prefix inside one of
   * their segments is a CacheError, a shorter one (`'_'`, `'v3:'`) skips them.
   */
  invalidatePrefix(prefix: string): Promise<number> {
    return this.engine.invalidations.invalidatePrefix(prefix);
  }

  /**
   * Removes every key of this namespace (SCAN + UNLINK in batches), and only those: the namespace's reset, its own keys
   * (tag tokens, locks…) included. On a versioned namespace: of this version.
   */
  clear(): Promise<number> {
    return this.engine.invalidations.clear();
  }

  /**
   * Removes every key of another version of this namespace (`<namespace>:v<version>:`), as `clear` does (SCAN + UNLINK
   * in batches of 1000, on every master of a Cluster); resolves to how many it removed. The current version is refused:
   * that is `clear()`.
   */
  clearVersion(version: CacheVersion): Promise<number> {
    return this.engine.invalidations.clearVersion(version);
  }
}
