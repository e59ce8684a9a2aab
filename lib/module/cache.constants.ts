/** DI tokens internal to the module. */
export const CACHE_RESOLVED_OPTIONS = Symbol('CACHE_RESOLVED_OPTIONS');
export const CACHE_STORE = Symbol('CACHE_STORE');
export const CACHE_REDIS_CONNECTION = Symbol('CACHE_REDIS_CONNECTION');
/** The store with its breaker and server probe (CacheBackend); CACHE_STORE is its store. */
export const CACHE_BACKEND = Symbol('CACHE_BACKEND');
