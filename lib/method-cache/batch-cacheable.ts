import { CacheError } from '../core/cache-error.js';
import type { CacheManager } from '../core/cache-manager.js';
import { parseTtl } from '../core/ttl.js';
import type { StalePolicy } from '../read-through/stale-policy.js';
import { defaultMethodKey } from './method-key.js';
import type { CacheableOptions } from './method-cache.options.js';

type Method = (...args: unknown[]) => unknown;

/**
 * The batch form of @Cacheable, for methods like `findByIds(ids, ...rest)`: each id is cached under its own key
 * (`key(id, ...rest)`, by default `Class.method:` + a hash of `[id, ...rest]`); cached ids are read in one MGET and the
 * method is called once with only the others (same `rest`). It may return their values in the order of the ids it got,
 * or a Map / object keyed by id. The decorated method returns an array in the order of the ids asked (`batch: true`,
 * `undefined` for an id with no value) or a Map of the ids that have one (`batch: 'map'`).
 */
export async function cacheableBatch(
  manager: CacheManager,
  cacheName: string,
  options: CacheableOptions,
  stale: StalePolicy,
  self: object,
  args: unknown[],
  original: Method,
): Promise<unknown> {
  const [ids, ...rest] = args;
  if (!Array.isArray(ids)) {
    throw new CacheError('getOrSet', undefined, `@Cacheable({ batch }) ${cacheName} takes an array of ids as its first argument, got ${typeof ids}`);
  }
  const keys = ids.map((id) => (typeof options.key === 'function' ? options.key(id, ...rest) : defaultMethodKey(cacheName, [id, ...rest])));
  const idOf = new Map(keys.map((key, i) => [key, ids[i]]));
  const ttlMs = manager.ttlOf(options.ttl, undefined, 'getOrSet');
  const nullTtlMs = options.nullTtl === undefined ? ttlMs : parseTtl(options.nullTtl, 'getOrSet');
  const cacheNull = options.cacheNull ?? true;
  const values = await manager.cachedMany(
    keys,
    async (missing) => {
      const missingIds = missing.map((key) => idOf.get(key));
      return byKey(await original.apply(self, [missingIds, ...rest]), missing, missingIds);
    },
    {
      label: cacheName,
      stale,
      ttlFor: (value) => {
        if (options.unless?.(value)) return undefined;
        if (value === null) return cacheNull ? nullTtlMs : undefined;
        return ttlMs;
      },
    },
  );
  if (options.batch !== 'map') return values;
  const found = new Map<unknown, unknown>();
  ids.forEach((id, i) => values[i] !== undefined && found.set(id, values[i]));
  return found;
}

/** The method's answer for `ids` (an array in their order, a Map or an object keyed by id) as a Map keyed by cache key. */
function byKey(result: unknown, keys: string[], ids: unknown[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const put = (i: number, value: unknown) => value !== undefined && values.set(keys[i], value);
  if (Array.isArray(result)) ids.forEach((_, i) => put(i, result[i]));
  else if (result instanceof Map) ids.forEach((id, i) => put(i, result.get(id)));
  else if (result !== null && typeof result === 'object') ids.forEach((id, i) => put(i, (result as Record<string, unknown>)[String(id)]));
  return values;
}
