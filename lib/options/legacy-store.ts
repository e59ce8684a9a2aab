import { CacheError } from '../kernel/cache-error.js';

/** The methods that tell a cache-manager 4/5 store or a Keyv store from a CacheStore that lacks some of ours. */
const FOREIGN_STORE_METHODS = ['get', 'set'] as const;

/**
 * Refuses a `store` written for cache-manager (`store: redisStore`, `store: await redisStore({...})`, a Keyv store,
 * `store: 'memory'`), naming what replaces it: this package opens its own Redis connection from `redis`. A plain
 * "must implement CacheStore" would read as if the user wrote a broken store of their own.
 */
export function refuseLegacyStore(store: unknown): void {
  if (!looksLikeCacheManagerStore(store)) return;
  throw new CacheError(
    'configure',
    undefined,
    'option "store" looks like a cache-manager or Keyv store (cache-manager-redis-store, cache-manager-redis-yet, ' +
      'cache-manager-ioredis-yet, @keyv/redis, …), which this package does not use: it connects to Redis itself. Remove ' +
      '"store" (and the host, port or password beside it) and give redis: { url } instead (or redis: { host, port, ' +
      'options: { password } }); then uninstall the store package',
  );
}

function looksLikeCacheManagerStore(store: unknown): boolean {
  if (typeof store === 'function' || typeof store === 'string') return true; // redisStore itself, 'memory', 'none'
  if (store === null || typeof store !== 'object') return false;
  const methods = store as Record<string, unknown>;
  if (typeof methods.create === 'function') return true; // cache-manager-redis-store 2: `import * as redisStore`
  // An instance (`await redisStore({...})`, a Keyv store): get/set, but not our contract's deletePrefix/acquireLock.
  const ours = typeof methods.deletePrefix === 'function' && typeof methods.acquireLock === 'function';
  return !ours && FOREIGN_STORE_METHODS.every((method) => typeof methods[method] === 'function');
}
