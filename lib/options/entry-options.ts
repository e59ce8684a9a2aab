import type { Ttl } from '../kernel/ttl.js';
import type { StaleOptions } from './cache-options.js';

/**
 * An entry's policy at the level of one call or one decorated method: every field falls back to the namespace's
 * (`namespaces.<ns>.policy`, else the module's `policy`). `SetOptions`, `GetOrSetOptions`, `GetOrSetManyOptions` and
 * `@Cacheable`'s options are this shape, each with the fields that apply to it.
 */
export interface EntryOptions<Tags = readonly string[]> extends StaleOptions {
  /** Milliseconds, `'30s'`/`'5m'`/`'1h'`, or `'never'` (no expiry). Default: the module's `policy.ttl`. */
  ttl?: Ttl;
  /** Take a Redis lock so that only one instance runs the loader for this key. Default: the module's `policy.lock.enabled`. */
  lock?: boolean;
  /**
   * Tags of the entry, for `invalidateTags` (at most 8; printable ASCII without spaces or braces). A value whose load
   * started before an invalidation of one of its tags is never served after it. `getOrSet` also takes a function of the
   * loaded value; `@Cacheable` a function of the method's arguments, or `{ fromResult }` (CacheableTags).
   * @default undefined (none)
   */
  tags?: Tags;
}

/**
 * Options of `set`. `set` stamps the entry with its tags' current tokens: for a value read from a database,
 * `getOrSet` (stamped before the load) is race-free.
 */
export type SetOptions = Pick<EntryOptions, 'ttl' | 'ttlJitter' | 'tags'>;

/** Options of `getOrSet`: tags known now, or computed from the loaded value. */
export type GetOrSetOptions<T = unknown> = EntryOptions<readonly string[] | ((value: T) => readonly string[])>;

export interface CacheEntry<T = unknown> {
  key: string;
  value: T;
  ttl?: Ttl;
}

/** Options of `getOrSetMany`: the TTL of every loaded value, and the stale settings. */
export type GetOrSetManyOptions = Omit<EntryOptions, 'lock' | 'tags'>;
