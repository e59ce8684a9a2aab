/** DI tokens internal to the module. */
export const CACHE_RESOLVED_OPTIONS = Symbol('CACHE_RESOLVED_OPTIONS');
export const CACHE_STORE = Symbol('CACHE_STORE');
export const CACHE_REDIS_CONNECTION = Symbol('CACHE_REDIS_CONNECTION');
