import { CacheError } from '../kernel/cache-error.js';
import type { CacheManager } from './cache-manager.js';
import type { NamespaceEngine } from '../namespace/namespace-engine.js';
import type { Ttl } from '../kernel/ttl.js';
import { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { Cache, type CacheListEntry, type WrapTtl } from './compat-cache.js';

/** The `cache` metric label of calls made through the Cache facade, as for direct CacheManager calls. */
const DIRECT = 'direct';

/** `Cache` served by a CacheManager: each call is one CacheManager call, with cache-manager's return values. */
export class ManagerBackedCache extends Cache {
  private readonly logger: RateLimitedLogger;

  /**
   * The CacheManager serving this facade, and its namespace's engine (the CacheInterceptor, which reaches this through
   * CACHE_MANAGER, reads through it). @internal
   */
  constructor(
    readonly manager: CacheManager,
    readonly engine: NamespaceEngine,
  ) {
    super();
    this.logger = new RateLimitedLogger(`Cache:${manager.namespace}`);
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.missOnOutage('get', this.manager.get<T>(key), undefined);
  }

  mget<T>(keys: string[]): Promise<Array<T | undefined>> {
    return this.missOnOutage('mget', this.manager.mget<T>(keys), () => keys.map(() => undefined));
  }

  async set<T>(key: string, value: T, ttl?: Ttl): Promise<T> {
    await this.manager.set(key, value, { ttl });
    return value;
  }

  async mset<T>(list: Array<CacheListEntry<T>>): Promise<Array<CacheListEntry<T>>> {
    await this.manager.mset(list);
    return list;
  }

  async del(key: string): Promise<boolean> {
    await this.manager.invalidate(key);
    return true;
  }

  async mdel(keys: string[]): Promise<boolean> {
    await this.manager.invalidate(keys);
    return true;
  }

  wrap<T>(key: string, fn: () => T | Promise<T>, ttl?: WrapTtl<T>, ...unsupported: unknown[]): Promise<T> {
    const refused = unsupportedWrapOption(ttl, unsupported);
    if (refused !== undefined) return Promise.reject(new CacheError('getOrSet', key, `wrap: ${refused}`));
    const setting = ttl !== null && typeof ttl === 'object' ? ttl.ttl : ttl;
    if (typeof setting !== 'function') return this.manager.getOrSet(key, fn, { ttl: setting });
    try {
      const hintMs = this.engine.ttlOf(undefined, key, 'getOrSet');
      return this.engine.reads.readThrough(key, fn, { label: DIRECT, ttlFor: (value) => this.ttlFromValue(setting, value, key), ttlHintMs: hintMs });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async ttl(key: string): Promise<number | undefined> {
    const remaining = await this.missOnOutage('ttl', this.manager.ttl(key), undefined);
    return remaining === undefined ? undefined : Date.now() + remaining;
  }

  async clear(): Promise<boolean> {
    await this.manager.clear();
    return true;
  }

  /** A TTL computed from the loaded value; one that is not a valid TTL leaves that value unstored (logged), as cache-manager cannot refuse it. */
  private ttlFromValue<T>(ttlOf: (value: T) => Ttl, value: T, key: string): number | undefined {
    try {
      return this.engine.ttlOf(ttlOf(value), key, 'getOrSet');
    } catch (error) {
      this.logger.warn('wrap:ttl', `wrap "${key}": ${(error as Error).message}; returned without storing`);
      return undefined;
    }
  }

  /**
   * cache-manager reads through a failing store as a miss; code written for it checks for `undefined`, not errors.
   * A Redis failure (a CacheError with a cause: already counted by the CacheManager) answers `fallback` instead;
   * bad input (a key that is not a string, too long, reserved) still rejects.
   */
  private async missOnOutage<T>(operation: string, call: Promise<T>, fallback: (() => T) | undefined): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (!(error instanceof CacheError) || error.cause === undefined) throw error;
      this.logger.warn(`${operation}:outage`, `${error.message.replace(/\.$/, '')}; answered as a miss`);
      return fallback === undefined ? (undefined as T) : fallback();
    }
  }
}

/**
 * cache-manager's wrap options this facade does not take, named with what replaces them, rather than silently ignored.
 * refreshThreshold R with ttl T (refresh in the background once less than R is left) is getOrSet with ttl T - R and
 * staleWhileRevalidate R: served for T in all, one background reload after T - R.
 */
function unsupportedWrapOption(ttl: unknown, extra: unknown[]): string | undefined {
  const threshold = extra.length > 0 && extra[0] !== undefined ? 'the fourth argument' : undefined;
  const inOptions = ttl !== null && typeof ttl === 'object' ? ['refreshThreshold', 'raw'].find((option) => option in ttl) : undefined;
  if (inOptions === 'raw') return 'option "raw" is not supported (values are returned as they were stored)';
  if (threshold === undefined && inOptions === undefined) return undefined;
  return (
    `refreshThreshold (${threshold ?? 'option "refreshThreshold"'}) is not taken: inject CacheManager and call ` +
    'getOrSet(key, fn, { ttl: T - R, staleWhileRevalidate: R }) for wrap(key, fn, T, R) (the value is served for T, and ' +
    'reloaded in the background once less than R is left), or getOrSet with refreshAhead: { beta: 1 } to refresh hot keys early'
  );
}

/** The namespace engine behind a `Cache`, or undefined for a Cache of another kind (a test double in CACHE_MANAGER's place). */
export function engineBehind(cache: unknown): NamespaceEngine | undefined {
  return cache instanceof ManagerBackedCache ? cache.engine : undefined;
}
