import { CacheError, type CacheOperation } from './cache-error.js';
import { assertValidNamespace, CacheKeys } from './cache-keys.js';
import type { NamespaceOptions, ResolvedCacheOptions } from '../options/cache-options.js';
import { resolveEncoding } from '../options/resolve-encoding.js';
import { EntryCodec } from '../entry/entry-codec.js';
import { StoredEntries } from './stored-entries.js';
import { FailureReporter } from '../observability/failure-reporter.js';
import type { RateLimitedLogger } from '../observability/rate-limited-logger.js';
import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import { ReadThrough, type ReadThroughPolicy } from '../read-through/read-through.js';
import { StampedeLock } from '../read-through/stampede-lock.js';
import type { CacheStore, StoreEntry } from '../stores/cache-store.interface.js';
import { parseTtl, type Ttl } from './ttl.js';

export interface SetOptions {
  /** Milliseconds or `'30s'`/`'5m'`/`'1h'`. Default: the module's `defaultTtl`. */
  ttl?: Ttl;
}

export interface GetOrSetOptions extends SetOptions {
  /** Take a Redis lock so that only one instance runs the loader for this key. Default: the module's `lock.enabled`. */
  lock?: boolean;
}

export interface CacheEntry<T = unknown> {
  key: string;
  value: T;
  ttl?: Ttl;
}

function sameSettings(a: NamespaceOptions | undefined, b: NamespaceOptions): boolean {
  return a !== undefined && a.serializer === b.serializer && JSON.stringify(a.compression) === JSON.stringify(b.compression);
}

/** The `cache` label of lookups made directly on the manager (decorated methods use their own name). */
const DIRECT = 'direct';

/**
 * The cache of one service: every key lives under `<namespace>:`. Direct operations
 * reject with CacheError; `getOrSet` never fails because of the cache (it falls back to the loader).
 */
export class CacheManager {
  private readonly keys: CacheKeys;
  private readonly entries: StoredEntries;
  private readonly failures: FailureReporter;
  private readonly readThrough: ReadThrough;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly store: CacheStore,
    private readonly metrics: CacheMetrics,
    private readonly logger: RateLimitedLogger,
    /** Every namespace of this module, shared by the root manager and its siblings. */
    private readonly siblings = new Map<string, CacheManager>(),
    /** The settings this namespace was created with (`withNamespace`), to refuse a conflicting second call. */
    private readonly settings?: NamespaceOptions,
  ) {
    this.keys = new CacheKeys(options.namespace);
    this.failures = new FailureReporter(metrics, logger);
    const encoding = options.namespaceEncodings.get(options.namespace) ?? options.encoding;
    this.entries = new StoredEntries(new EntryCodec(encoding), metrics, this.failures, store);
    this.readThrough = new ReadThrough(
      store,
      this.entries,
      metrics,
      this.failures,
      new StampedeLock(store, options.lock),
      options.operationTimeoutMs,
    );
  }

  get namespace(): string {
    return this.keys.namespace;
  }

  /**
   * The same cache under another namespace (same connection). It writes with the serializer and compression
   * given here, else those of the module's `namespaces` option for it, else the module's. A namespace is made
   * once: asking for it again with other settings is a CacheError.
   */
  withNamespace(namespace: string, settings?: NamespaceOptions): CacheManager {
    if (namespace === this.namespace && settings === undefined) return this;
    const existing = namespace === this.namespace ? this : this.siblings.get(namespace);
    if (existing) {
      if (settings !== undefined && !sameSettings(existing.settings, settings)) {
        throw new CacheError('configure', undefined, `namespace "${namespace}" is already in use with other serializer/compression settings`);
      }
      return existing;
    }
    assertValidNamespace(namespace, 'withNamespace(namespace)');
    const options: ResolvedCacheOptions = { ...this.options, namespace };
    if (settings !== undefined) {
      const { encodingDefaults: defaults } = this.options;
      const encoding = resolveEncoding(
        settings.serializer ?? defaults.serializer,
        settings.compression ?? defaults.compression,
        defaults.maxValueBytes,
        `withNamespace("${namespace}") `,
      );
      options.namespaceEncodings = new Map([...this.options.namespaceEncodings, [namespace, encoding]]);
    }
    const sibling = new CacheManager(options, this.store, this.metrics.forNamespace(namespace), this.logger, this.siblings, settings);
    this.siblings.set(namespace, sibling);
    return sibling;
  }

  /** The value under `key`, `undefined` on a miss. A stored `null` is a value, returned as `null`. */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const fullKey = this.keys.full(key, 'get');
    const startedAt = performance.now();
    let bytes: Buffer | null | undefined;
    try {
      bytes = await this.store.get(fullKey);
    } catch (error) {
      throw this.failures.failed('get', key, error, startedAt);
    }
    this.metrics.observe('get', 'ok', startedAt);
    return this.entries.decode<T>(key, fullKey, bytes, DIRECT);
  }

  async set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    const fullKey = this.keys.full(key, 'set');
    const ttlMs = this.ttlOf(options?.ttl, key, 'set');
    const entry = this.entries.encode(key, value, 'set', ttlMs);
    const startedAt = performance.now();
    try {
      await this.store.set(fullKey, entry, ttlMs);
    } catch (error) {
      throw this.failures.failed('set', key, error, startedAt);
    }
    this.metrics.observe('set', 'ok', startedAt);
  }

  /** Removes one or many keys, resolving to how many existed. */
  async invalidate(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : keys;
    const fullKeys = list.map((key) => this.keys.full(key, 'invalidate'));
    return this.direct('invalidate', list.length === 1 ? list[0] : undefined, () => this.store.delete(fullKeys));
  }

  async has(key: string): Promise<boolean> {
    const fullKey = this.keys.full(key, 'has');
    return this.direct('has', key, () => this.store.has(fullKey));
  }

  /** Remaining time to live in milliseconds; `undefined` when the key is absent. */
  async ttl(key: string): Promise<number | undefined> {
    const fullKey = this.keys.full(key, 'ttl');
    return this.direct('ttl', key, () => this.store.ttl(fullKey));
  }

  /**
   * Read-through: the cached value, or the loader's, which is then stored.
   * `undefined` from the loader is returned but not stored; loader errors reach the caller unchanged
   * and are never cached. When the cache itself fails, the loader's value is returned (fail-open).
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: GetOrSetOptions): Promise<T> {
    try {
      const ttlMs = this.ttlOf(options?.ttl, key, 'getOrSet');
      return this.cached(key, loader, { label: DIRECT, ttlFor: () => ttlMs, lock: options?.lock });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Read-through with a policy (used by the method decorators and the interceptor).
   * @internal
   */
  cached<T>(key: string, loader: () => T | Promise<T>, policy: Omit<ReadThroughPolicy<T>, 'lock'> & { lock?: boolean }): Promise<T> {
    const fullKey = this.keys.full(key, 'getOrSet');
    const lock = policy.lock ?? this.options.lock.enabled;
    return this.readThrough.run(key, fullKey, this.keys.lockKey(key), loader, { ...policy, lock });
  }

  /** Values of many keys in one round trip, in the order asked; misses are `undefined`. */
  async mget<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const fullKeys = keys.map((key) => this.keys.full(key, 'mget'));
    const found = await this.direct('mget', undefined, () => this.store.mget(fullKeys));
    return this.entries.decodeMany<T>(keys, fullKeys, found, DIRECT);
  }

  /** Stores many entries in one round trip. Every value is checked first: one bad value stores nothing. */
  async mset(entries: ReadonlyArray<CacheEntry>): Promise<void> {
    const prepared: StoreEntry[] = entries.map((entry) => {
      const ttlMs = this.ttlOf(entry.ttl, entry.key, 'mset');
      return { key: this.keys.full(entry.key, 'mset'), ttlMs, value: this.entries.encode(entry.key, entry.value, 'mset', ttlMs) };
    });
    await this.direct('mset', undefined, () => this.store.mset(prepared));
  }

  /**
   * Removes every key of this namespace that starts with `prefix`. The prefix is taken literally:
   * glob characters in it are escaped, so user input can never widen it beyond the namespace.
   */
  async invalidatePrefix(prefix: string): Promise<number> {
    const fullPrefix = this.keys.full(prefix, 'invalidate');
    return this.direct('invalidate', prefix, () => this.store.deletePrefix(fullPrefix));
  }

  /** Removes every key of this namespace (SCAN + UNLINK in batches), and only those. */
  clear(): Promise<number> {
    return this.direct('clear', undefined, () => this.store.deletePrefix(this.keys.prefix));
  }

  /** Runs one direct store command, timing it and turning a failure into a counted CacheError. */
  private async direct<T>(operation: CacheOperation, key: string | undefined, command: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    try {
      const result = await command();
      this.metrics.observe(operation, 'ok', startedAt);
      return result;
    } catch (error) {
      throw this.failures.failed(operation, key, error, startedAt);
    }
  }

  /** A TTL in milliseconds: the given one, or the module's default. @internal */
  ttlOf(ttl: Ttl | undefined, key: string | undefined, operation: 'set' | 'mset' | 'getOrSet'): number {
    return ttl === undefined ? this.options.defaultTtlMs : parseTtl(ttl, operation, key);
  }
}
