import { CacheError, type CacheOperation } from './cache-error.js';
import { CacheKeys } from './cache-keys.js';
import type { ResolvedCacheOptions } from './cache-options.js';
import type { RateLimitedLogger } from './logging/rate-limited-logger.js';
import { errorReason, type CacheMetrics } from './metrics/cache-metrics.js';
import type { CacheSerializer } from './serialization/cache-serializer.interface.js';
import type { CacheStore, StoreEntry } from './stores/cache-store.interface.js';
import { parseTtl, type Ttl } from './ttl.js';

export interface SetOptions {
  /** Milliseconds or `'30s'`/`'5m'`/`'1h'`. Default: the module's `defaultTtl`. */
  ttl?: Ttl;
}

export interface CacheEntry<T = unknown> {
  key: string;
  value: T;
  ttl?: Ttl;
}

/** The `cache` label of lookups made directly on the manager (decorated methods use their own name). */
const DIRECT = 'direct';

/**
 * The cache of one service: every key lives under `<namespace>:`. Direct operations
 * reject with CacheError; `getOrSet` never fails because of the cache (it falls back to the loader).
 */
export class CacheManager {
  private readonly keys: CacheKeys;
  private readonly serializer: CacheSerializer;
  private readonly defaultTtlMs: number;
  /** Concurrent getOrSet calls on one key share one lookup and one loader run. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    options: ResolvedCacheOptions,
    private readonly store: CacheStore,
    private readonly metrics: CacheMetrics,
    private readonly logger: RateLimitedLogger,
  ) {
    this.keys = new CacheKeys(options.namespace);
    this.serializer = options.serializer;
    this.defaultTtlMs = options.defaultTtlMs;
  }

  get namespace(): string {
    return this.keys.namespace;
  }

  /** The value under `key`, `undefined` on a miss. A stored `null` is a value, returned as `null`. */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const fullKey = this.keys.full(key, 'get');
    const startedAt = performance.now();
    let raw: string | undefined;
    try {
      raw = await this.store.get(fullKey);
    } catch (error) {
      throw this.failed('get', key, error, startedAt);
    }
    this.metrics.observe('get', 'ok', startedAt);
    return this.decode<T>(key, fullKey, raw);
  }

  async set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    const fullKey = this.keys.full(key, 'set');
    const ttlMs = this.ttlOf(options?.ttl, key, 'set');
    const raw = this.encode(key, value, 'set');
    const startedAt = performance.now();
    try {
      await this.store.set(fullKey, raw, ttlMs);
    } catch (error) {
      throw this.failed('set', key, error, startedAt);
    }
    this.metrics.observe('set', 'ok', startedAt);
  }

  /** Removes one or many keys, resolving to how many existed. */
  async invalidate(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : keys;
    const fullKeys = list.map((key) => this.keys.full(key, 'invalidate'));
    const startedAt = performance.now();
    try {
      const removed = await this.store.delete(fullKeys);
      this.metrics.observe('invalidate', 'ok', startedAt);
      return removed;
    } catch (error) {
      throw this.failed('invalidate', list.length === 1 ? list[0] : undefined, error, startedAt);
    }
  }

  async has(key: string): Promise<boolean> {
    const fullKey = this.keys.full(key, 'has');
    const startedAt = performance.now();
    try {
      const present = await this.store.has(fullKey);
      this.metrics.observe('has', 'ok', startedAt);
      return present;
    } catch (error) {
      throw this.failed('has', key, error, startedAt);
    }
  }

  /** Remaining time to live in milliseconds; `undefined` when the key is absent. */
  async ttl(key: string): Promise<number | undefined> {
    const fullKey = this.keys.full(key, 'ttl');
    const startedAt = performance.now();
    try {
      const remaining = await this.store.ttl(fullKey);
      this.metrics.observe('ttl', 'ok', startedAt);
      return remaining;
    } catch (error) {
      throw this.failed('ttl', key, error, startedAt);
    }
  }

  /**
   * Read-through: the cached value, or the loader's, which is then stored.
   * `undefined` from the loader is returned but not stored; loader errors reach the caller unchanged
   * and are never cached. When the cache itself fails, the loader's value is returned (fail-open).
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: SetOptions): Promise<T> {
    let fullKey: string;
    let ttlMs: number;
    try {
      fullKey = this.keys.full(key, 'getOrSet');
      ttlMs = this.ttlOf(options?.ttl, key, 'getOrSet');
    } catch (error) {
      return Promise.reject(error);
    }
    const pending = this.inFlight.get(fullKey);
    if (pending) return pending as Promise<T>;
    const flight = this.readThrough(key, fullKey, loader, ttlMs).finally(() => this.inFlight.delete(fullKey));
    this.inFlight.set(fullKey, flight);
    return flight;
  }

  /** Values of many keys in one round trip, in the order asked; misses are `undefined`. */
  async mget<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const fullKeys = keys.map((key) => this.keys.full(key, 'mget'));
    const startedAt = performance.now();
    let raws: Array<string | undefined>;
    try {
      raws = await this.store.mget(fullKeys);
    } catch (error) {
      throw this.failed('mget', undefined, error, startedAt);
    }
    this.metrics.observe('mget', 'ok', startedAt);
    return raws.map((raw, index) => this.decode<T>(keys[index], fullKeys[index], raw));
  }

  /** Stores many entries in one round trip. Every value is checked first: one bad value stores nothing. */
  async mset(entries: ReadonlyArray<CacheEntry>): Promise<void> {
    const prepared: StoreEntry[] = entries.map((entry) => ({
      key: this.keys.full(entry.key, 'mset'),
      ttlMs: this.ttlOf(entry.ttl, entry.key, 'mset'),
      value: this.encode(entry.key, entry.value, 'mset'),
    }));
    const startedAt = performance.now();
    try {
      await this.store.mset(prepared);
    } catch (error) {
      throw this.failed('mset', undefined, error, startedAt);
    }
    this.metrics.observe('mset', 'ok', startedAt);
  }

  /** Removes every key of this namespace (SCAN + UNLINK in batches), and only those. */
  async clear(): Promise<number> {
    const startedAt = performance.now();
    try {
      const removed = await this.store.clear(this.keys.prefix);
      this.metrics.observe('clear', 'ok', startedAt);
      return removed;
    } catch (error) {
      throw this.failed('clear', undefined, error, startedAt);
    }
  }

  private async readThrough<T>(key: string, fullKey: string, loader: () => T | Promise<T>, ttlMs: number): Promise<T> {
    const startedAt = performance.now();
    let raw: string | undefined;
    let cacheUp = true;
    try {
      raw = await this.store.get(fullKey);
      this.metrics.observe('getOrSet', 'ok', startedAt);
    } catch (error) {
      cacheUp = false;
      this.failedOpen('getOrSet', key, error, startedAt);
    }
    if (raw !== undefined) {
      const cached = this.decode<T>(key, fullKey, raw);
      if (cached !== undefined) return cached;
    } else if (cacheUp) {
      this.metrics.miss(DIRECT);
    }
    const value = await loader();
    if (value !== undefined && cacheUp) await this.storeLoaded(key, fullKey, value, ttlMs);
    return value;
  }

  /** Stores a loaded value; a failure here is counted and logged, never thrown over a good value. */
  private async storeLoaded(key: string, fullKey: string, value: unknown, ttlMs: number): Promise<void> {
    const startedAt = performance.now();
    try {
      await this.store.set(fullKey, this.encode(key, value, 'set'), ttlMs);
      this.metrics.observe('set', 'ok', startedAt);
    } catch (error) {
      this.failedOpen('set', key, error, startedAt);
    }
  }

  /** A raw entry to a value; an entry that cannot be decoded is a miss, counted, logged and removed. */
  private decode<T>(key: string, fullKey: string, raw: string | undefined): T | undefined {
    if (raw === undefined) {
      this.metrics.miss(DIRECT);
      return undefined;
    }
    try {
      const value = this.serializer.deserialize(raw) as T;
      this.metrics.hit(DIRECT);
      return value;
    } catch (error) {
      this.metrics.miss(DIRECT);
      this.metrics.error('deserialize', 'corrupt');
      this.logger.warn('deserialize', `entry "${key}" could not be decoded and is treated as a miss: ${(error as Error).message}`);
      this.store.delete([fullKey]).catch(() => undefined); // best effort: the next read-through rewrites it anyway
      return undefined;
    }
  }

  private encode(key: string, value: unknown, operation: CacheOperation): string {
    if (value === undefined) throw new CacheError(operation, key, 'undefined cannot be stored (a miss already reads as undefined)');
    try {
      return this.serializer.serialize(value);
    } catch (error) {
      this.metrics.error(operation, 'serialization');
      throw new CacheError(operation, key, `value cannot be stored: ${(error as Error).message}`, { cause: error });
    }
  }

  private ttlOf(ttl: Ttl | undefined, key: string, operation: CacheOperation): number {
    return ttl === undefined ? this.defaultTtlMs : parseTtl(ttl, operation, key);
  }

  /** Counts and wraps a failure of a direct operation. */
  private failed(operation: CacheOperation, key: string | undefined, error: unknown, startedAt: number): CacheError {
    this.metrics.observe(operation, 'error', startedAt);
    this.metrics.error(operation, errorReason(error));
    return CacheError.wrap(operation, key, error);
  }

  /** Counts and logs a failure that the caller will not see (fail-open). */
  private failedOpen(operation: CacheOperation, key: string, error: unknown, startedAt: number): void {
    const wrapped = this.failed(operation, key, error, startedAt);
    this.logger.warn(`${operation}:${errorReason(error)}`, `${wrapped.message}; serving without the cache`);
  }
}
