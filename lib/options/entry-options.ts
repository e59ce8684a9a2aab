import type { Ttl } from '../kernel/ttl.js';
import type { StaleOptions } from './cache-options.js';

/** Options of the CacheManager's calls. */
export interface SetOptions extends Pick<StaleOptions, 'ttlJitter'> {
  /** Milliseconds, `'30s'`/`'5m'`/`'1h'`, or `'never'` (no expiry). Default: the module's `defaultTtl`. */
  ttl?: Ttl;
  /**
   * Tags of the entry, for `invalidateTags` (at most 8; printable ASCII without spaces or braces). `set` stamps the
   * entry with the tags' current tokens: for a value read from a database, `getOrSet` (stamped before the load) is
   * race-free. Default: none.
   */
  tags?: readonly string[];
}

/** `refreshAhead`, `staleWhileRevalidate`, `staleIfError`, `loaderTimeout`, `ttlJitter`: the namespace's unless given here. */
export interface GetOrSetOptions<T = unknown> extends StaleOptions {
  /** Milliseconds, `'30s'`/`'5m'`/`'1h'`, or `'never'` (no expiry). Default: the module's `defaultTtl`. */
  ttl?: Ttl;
  /** Take a Redis lock so that only one instance runs the loader for this key. Default: the module's `lock.enabled`. */
  lock?: boolean;
  /**
   * Tags of the entry: known now, or computed from the loaded value. A value whose load started before an
   * invalidation of one of its tags is never served after it. Default: none.
   */
  tags?: readonly string[] | ((value: T) => readonly string[]);
}

export interface CacheEntry<T = unknown> {
  key: string;
  value: T;
  ttl?: Ttl;
}

export interface GetOrSetManyOptions extends Pick<StaleOptions, 'ttlJitter'> {
  /** Milliseconds or `'30s'`/`'5m'`/`'1h'`, for every loaded value. Default: the module's `defaultTtl`. */
  ttl?: Ttl;
}
