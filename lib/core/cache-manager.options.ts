import type { Ttl } from './ttl.js';

/** Options of the CacheManager's calls. */
export interface SetOptions {
  /** Milliseconds or `'30s'`/`'5m'`/`'1h'`. Default: the module's `defaultTtl`. */
  ttl?: Ttl;
  /**
   * Tags of the entry, for `invalidateTags` (at most 8; printable ASCII without spaces or braces). `set` stamps the
   * entry with the tags' current tokens: for a value read from a database, `getOrSet` (stamped before the load) is
   * race-free. Default: none.
   */
  tags?: readonly string[];
}

export interface GetOrSetOptions<T = unknown> {
  /** Milliseconds or `'30s'`/`'5m'`/`'1h'`. Default: the module's `defaultTtl`. */
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
