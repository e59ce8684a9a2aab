import type { Ttl } from '../core/ttl.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = any[];

export interface CacheableOptions {
  /** The key: a string, or a function of the method's arguments. Default: `ClassName.method:` + a stable hash of the arguments. */
  key?: string | ((...args: Args) => string);
  /** Default: the module's `defaultTtl`. */
  ttl?: Ttl;
  /** Cache only calls for which this returns true (checked before the lookup). */
  condition?: (...args: Args) => boolean;
  /** Do not store a result for which this returns true. */
  unless?: (result: Args[number]) => boolean;
  /** Store under another namespace than the module's. */
  namespace?: string;
  /** Store `null` results ("not found"). Default: true. */
  cacheNull?: boolean;
  /** TTL of stored `null` results. Default: `ttl`. */
  nullTtl?: Ttl;
  /** Cross-process lock so one instance runs the method per key. Default: the module's `lock.enabled`. */
  lock?: boolean;
}

export interface CachePutOptions {
  key?: string | ((...args: Args) => string);
  ttl?: Ttl;
  condition?: (...args: Args) => boolean;
  unless?: (result: Args[number]) => boolean;
  namespace?: string;
}

export interface CacheInvalidateOptions {
  /** Keys to remove: strings, or a function of the method's arguments. */
  keys?: string[] | ((...args: Args) => string | string[]);
  /** Keys to remove computed from the method's result (and its arguments). */
  resultKeys?: (result: Args[number], ...args: Args) => string | string[];
  /** Remove every key of the namespace. */
  all?: boolean;
  /** Invalidate before the method runs instead of after it succeeds. Default: false. */
  before?: boolean;
  namespace?: string;
}
