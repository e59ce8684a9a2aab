import type { Ttl } from '../kernel/ttl.js';
import type { EntryOptions } from '../options/entry-options.js';
import type { CacheVersion } from '../kernel/cache-version.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = any[];

/**
 * Tags of a cached method's entry, for `invalidateTags`: a function of the method's arguments (known before it
 * runs, so the entry is stamped before the load), or `{ fromResult }`, a function of its result and arguments
 * (called with every result that is stored, `null` included).
 */
export type CacheableTags =
  ((...args: Args) => readonly string[]) | { fromResult: (result: Args[number], ...args: Args) => readonly string[] };

/**
 * The key hook of the default method key. The default key (no `key` option) encodes strings, numbers (NaN, ±Infinity,
 * -0 apart from 0), bigints, booleans, null, undefined, plain objects (own enumerable string keys, in any order),
 * arrays, Dates (by time), Maps and Sets (by contents, in any order), Buffers, typed arrays and ArrayBuffers (by bytes),
 * and SHA-256-hashes the result. Any other object, a class instance included, is encoded by what its `toCacheKey()`
 * returns (any value the default key encodes, tagged with the class name); without one, as for a function, a symbol,
 * a cycle or nesting deeper than 64, the call runs uncached, counted in `cache_uncacheable_calls_total` by reason and
 * logged once per method. Two arguments must have equal `toCacheKey()` results only if the method treats them alike.
 *
 * ```ts
 * class TenantId implements CacheKeyable {
 *   readonly #id: string;
 *   constructor(id: string) { this.#id = id; }
 *   toCacheKey() { return this.#id; }
 * }
 * ```
 */
export interface CacheKeyable {
  toCacheKey(): unknown;
}

/** The entry policy of the method's results (see EntryOptions: each field falls back to the namespace's), and how it is cached. */
export interface CacheableOptions extends EntryOptions<CacheableTags> {
  /**
   * The key: a string, or a function of the method's arguments. Default: `ClassName.method:` + the SHA-256 of a
   * canonical, type-tagged encoding of the arguments; a call with an argument it cannot encode runs uncached (see
   * {@link CacheKeyable}).
   */
  key?: string | ((...args: Args) => string);
  /** Cache only calls for which this returns true (checked before the lookup). */
  condition?: (...args: Args) => boolean;
  /** Do not store a result for which this returns true. */
  unless?: (result: Args[number]) => boolean;
  /** Store under another namespace than the module's. */
  namespace?: string;
  /** Version of the cached shape (`<namespace>:v<version>:`): change it when the method's result changes shape. Default: the namespace's. */
  version?: CacheVersion;
  /** Store `null` results ("not found"). Default: true. */
  cacheNull?: boolean;
  /** TTL of stored `null` results. Default: `ttl`. */
  nullTtl?: Ttl;
  /**
   * The batch form, for `findByIds(ids, ...rest)`: each id cached under `key(id, ...rest)`; one MGET, then the method
   * called once with only the missing ids (returning their values in order, or a Map / object keyed by id). `true`: the
   * decorated method returns an array in the order asked (`undefined` where none); `'map'`: a Map of the ids found.
   * With the default key, an id or other argument it cannot encode runs the whole call uncached.
   * Not with `tags` or `lock`. Default: off.
   */
  batch?: true | 'map';
}

export interface CachePutOptions {
  /** As @Cacheable's: with the default key, a call with an argument it cannot encode stores nothing (counted, logged once). */
  key?: string | ((...args: Args) => string);
  ttl?: Ttl;
  condition?: (...args: Args) => boolean;
  unless?: (result: Args[number]) => boolean;
  namespace?: string;
  /** Version of the cached shape (`<namespace>:v<version>:`): change it when the method's result changes shape. Default: the namespace's. */
  version?: CacheVersion;
  /** Tags of the entry (give it those of the @Cacheable method sharing its key). A bad tag leaves the result unstored (logged). */
  tags?: CacheableTags;
}

export interface CacheInvalidateOptions {
  /** Keys to remove: strings, or a function of the method's arguments. */
  keys?: string[] | ((...args: Args) => string | string[]);
  /** Keys to remove computed from the method's result (and its arguments); always after the method succeeds. */
  resultKeys?: (result: Args[number], ...args: Args) => string | string[];
  /** Tags to invalidate: a function of the method's arguments (run when `keys` are). */
  tags?: (...args: Args) => readonly string[];
  /** Tags to invalidate computed from the method's result (and its arguments); always after the method succeeds. */
  resultTags?: (result: Args[number], ...args: Args) => readonly string[];
  /** Remove every key of the namespace. */
  all?: boolean;
  /** Invalidate `keys` and `tags` before the method runs instead of after it succeeds. Default: false. */
  before?: boolean;
  namespace?: string;
  /** The version whose keys are removed (give it that of the @Cacheable method). Default: the namespace's. */
  version?: CacheVersion;
}
