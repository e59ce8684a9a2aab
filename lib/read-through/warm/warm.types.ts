import type { Ttl } from '../../kernel/ttl.js';

/** One entry to warm: its key, how to load it, and optionally its TTL and tags (as `getOrSet` takes them). */
export interface WarmEntry<T = unknown> {
  key: string;
  loader: () => T | Promise<T>;
  /** Default: the module's `policy.ttl`. */
  ttl?: Ttl;
  tags?: readonly string[];
}

/** What `cache.warm` takes: any iterable or async iterable (a generator streams entries without a list in memory). */
export type WarmEntries = Iterable<WarmEntry> | AsyncIterable<WarmEntry>;

export interface WarmOptions {
  /** Loaders running at once. Default: `16`. */
  concurrency?: number;
  /** Leave keys whose entry is still fresh (present and before its logical expiry). Default: `true`. */
  skipIfFresh?: boolean;
  /** Stops taking new entries once aborted (loads under way finish); `warm` then resolves with what it did. */
  signal?: AbortSignal;
}

/** How many keys were loaded, skipped as fresh, and failed (their loader threw, or the key or value was refused). */
export interface WarmResult {
  loaded: number;
  skipped: number;
  failed: number;
}
