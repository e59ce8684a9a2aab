import type { CacheManager } from '../core/cache-manager.js';
import type { RateLimitedLogger } from '../observability/rate-limited-logger.js';
import { parseTtl } from '../core/ttl.js';
import { defaultMethodKey } from './method-key.js';
import type { CacheableOptions, CacheInvalidateOptions, CachePutOptions } from './method-cache.options.js';

type Method = (...args: unknown[]) => unknown;

/**
 * What the decorators do at call time, bound to one app's CacheManager by the CacheExplorer.
 * Cache failures never reach the caller of a decorated method: they are counted and logged.
 */
export class MethodCache {
  constructor(
    private readonly manager: CacheManager,
    private readonly logger: RateLimitedLogger,
  ) {}

  async cacheable(cacheName: string, options: CacheableOptions, self: object, args: unknown[], original: Method): Promise<unknown> {
    if (options.condition && !options.condition(...args)) return original.apply(self, args);
    const manager = this.managerFor(options.namespace);
    const key = keyOf(options.key, cacheName, args);
    const ttlMs = manager.ttlOf(options.ttl, key, 'getOrSet');
    const nullTtlMs = options.nullTtl === undefined ? ttlMs : parseTtl(options.nullTtl, 'getOrSet', key);
    const cacheNull = options.cacheNull ?? true;
    return manager.cached(key, () => original.apply(self, args), {
      label: cacheName,
      lock: options.lock,
      ttlFor: (value) => {
        if (options.unless?.(value)) return undefined;
        if (value === null) return cacheNull ? nullTtlMs : undefined;
        return ttlMs;
      },
    });
  }

  async put(cacheName: string, options: CachePutOptions, self: object, args: unknown[], original: Method): Promise<unknown> {
    const result = await original.apply(self, args);
    if (result === undefined || (options.condition && !options.condition(...args)) || options.unless?.(result)) return result;
    const key = keyOf(options.key, cacheName, args);
    try {
      await this.managerFor(options.namespace).set(key, result, { ttl: options.ttl });
    } catch (error) {
      this.logger.warn(`put:${cacheName}`, `@CachePut ${cacheName} could not store "${key}": ${(error as Error).message}`);
    }
    return result;
  }

  async invalidate(cacheName: string, options: CacheInvalidateOptions, self: object, args: unknown[], original: Method): Promise<unknown> {
    const manager = this.managerFor(options.namespace);
    if (options.before) await this.remove(manager, cacheName, options, args, undefined);
    const result = await original.apply(self, args); // a throwing method invalidates nothing afterwards
    if (!options.before) await this.remove(manager, cacheName, options, args, result);
    return result;
  }

  private async remove(
    manager: CacheManager,
    cacheName: string,
    options: CacheInvalidateOptions,
    args: unknown[],
    result: unknown,
  ): Promise<void> {
    try {
      if (options.all) {
        await manager.clear();
        return;
      }
      const keys = [
        ...asList(typeof options.keys === 'function' ? options.keys(...args) : options.keys),
        ...asList(options.resultKeys && !options.before ? options.resultKeys(result, ...args) : undefined),
      ];
      if (keys.length > 0) await manager.invalidate(keys);
    } catch (error) {
      // The method's own work succeeded; stale entries expire with their TTL. Counted by the manager.
      this.logger.warn(`invalidate:${cacheName}`, `@CacheInvalidate ${cacheName} could not invalidate: ${(error as Error).message}`);
    }
  }

  private managerFor(namespace: string | undefined): CacheManager {
    return namespace === undefined ? this.manager : this.manager.withNamespace(namespace);
  }
}

function keyOf(key: CacheableOptions['key'], cacheName: string, args: unknown[]): string {
  if (typeof key === 'function') return key(...args);
  return key ?? defaultMethodKey(cacheName, args);
}

function asList(keys: string | string[] | undefined): string[] {
  return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
}
