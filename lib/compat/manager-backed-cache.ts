import { CacheError } from '../core/cache-error.js';
import type { CacheManager } from '../core/cache-manager.js';
import type { Ttl } from '../core/ttl.js';
import { RateLimitedLogger } from '../observability/rate-limited-logger.js';
import { Cache, type CacheListEntry, type WrapTtl } from './cache.js';

/** The `cache` metric label of calls made through the Cache facade, as for direct CacheManager calls. */
const DIRECT = 'direct';

/** `Cache` served by a CacheManager: each call is one CacheManager call, with cache-manager's return values. */
export class ManagerBackedCache extends Cache {
  private readonly logger: RateLimitedLogger;

  constructor(private readonly manager: CacheManager) {
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
    if (refused !== undefined)
      return Promise.reject(new CacheError('getOrSet', key, `wrap: ${refused} is not supported (there is no refresh-ahead or raw mode)`));
    const setting = ttl !== null && typeof ttl === 'object' ? ttl.ttl : ttl;
    if (typeof setting !== 'function') return this.manager.getOrSet(key, fn, { ttl: setting });
    try {
      const hintMs = this.manager.ttlOf(undefined, key, 'getOrSet');
      return this.manager.cached(key, fn, { label: DIRECT, ttlFor: (value) => this.ttlFromValue(setting, value, key), ttlHintMs: hintMs });
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
      return this.manager.ttlOf(ttlOf(value), key, 'getOrSet');
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

/** cache-manager's wrap options this facade cannot honour, named, rather than silently ignored. */
function unsupportedWrapOption(ttl: unknown, extra: unknown[]): string | undefined {
  if (extra.length > 0 && extra[0] !== undefined) return 'refreshThreshold (the fourth argument)';
  if (ttl === null || typeof ttl !== 'object') return undefined;
  return ['refreshThreshold', 'raw'].find((option) => option in ttl);
}
