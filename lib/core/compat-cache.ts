import type { Ttl } from '../kernel/ttl.js';

/**
 * The injection token of @nestjs/cache-manager, with the same value, so `@Inject(CACHE_MANAGER) cache: Cache`
 * keeps working after the import line changes.
 */
export const CACHE_MANAGER = 'CACHE_MANAGER';

/** One entry of `Cache.mset`, as in cache-manager. */
export interface CacheListEntry<T> {
  key: string;
  value: T;
  /** Milliseconds (or `'30s'`/`'5m'`); the module's `policy.ttl` when absent. */
  ttl?: Ttl;
}

/** What `Cache.wrap` takes after the loader: a TTL, a function of the loaded value returning one, or `{ ttl }`. */
export type WrapTtl<T> = Ttl | ((value: T) => Ttl) | { ttl?: Ttl | ((value: T) => Ttl) };

/**
 * The cache-manager 7 interface that @nestjs/cache-manager provides, as an abstract class: it is both the injection
 * token (`constructor(private cache: Cache)` needs no `@Inject`) and the type. It is served by the module's
 * CacheManager, so namespaces, metrics, the circuit breaker and fail-open apply to every call.
 */
export abstract class Cache {
  /** The value, or `undefined` on a miss. As in cache-manager, a failing Redis reads as a miss (counted and logged). */
  abstract get<T>(key: string): Promise<T | undefined>;
  /** Values of many keys in one round trip, in order; misses (and a failing Redis) as `undefined`. */
  abstract mget<T>(keys: string[]): Promise<Array<T | undefined>>;
  /** Stores the value (TTL in milliseconds, default the module's) and resolves to it; rejects with a CacheError. */
  abstract set<T>(key: string, value: T, ttl?: Ttl): Promise<T>;
  /** Stores many entries in one round trip and resolves to them; one value refused stores nothing. */
  abstract mset<T>(list: Array<CacheListEntry<T>>): Promise<Array<CacheListEntry<T>>>;
  /** Removes the key; resolves to `true` (as cache-manager does, whether or not it existed). */
  abstract del(key: string): Promise<boolean>;
  /** Removes the keys; resolves to `true`. */
  abstract mdel(keys: string[]): Promise<boolean>;
  /**
   * Read-through (CacheManager.getOrSet): the cached value, or the loader's, stored with the TTL. Concurrent calls on one
   * key share one loader run, and a failing Redis serves the loader's value.
   */
  abstract wrap<T>(key: string, fn: () => T | Promise<T>, ttl?: WrapTtl<T>): Promise<T>;
  /** When the key expires, in epoch milliseconds (as cache-manager's `ttl`), or `undefined` when absent. */
  abstract ttl(key: string): Promise<number | undefined>;
  /** Removes this namespace's keys (never other services' keys); resolves to `true`. */
  abstract clear(): Promise<boolean>;
}
