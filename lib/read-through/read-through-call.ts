import type { TagStamp } from '../entry/entry-format.js';
import type { TagPrefetch, TagSource } from '../invalidation/tags/tag-guard.js';
import type { EntryPolicy } from '../entry/entry-policy.js';

/** How one read-through call stores what it loads. */
export interface ReadThroughPolicy<T> {
  /** The `cache` metric label: 'direct', or a decorated method's name. */
  label: string;
  /** Logical TTL for a loaded value (before jitter); undefined means "do not store this one". */
  ttlFor: (value: T) => number | undefined;
  /** The TTL most values get, for tag tokens created before the value is known. */
  ttlHintMs: number;
  /** Take the cross-process lock before loading. */
  lock: boolean;
  /** The tags of the value (validated), known now or computed from it. */
  tags?: TagSource<T>;
  /** Refresh-ahead, stale windows, loader timeout, jitter. */
  stale: EntryPolicy;
}

/** One call: its key in every form, its loader and policy. */
export interface Call<T> {
  key: string;
  fullKey: string;
  lockKey: string;
  loader: () => T | Promise<T>;
  policy: ReadThroughPolicy<T>;
  /**
   * What the value this call produced is valid against, for calls that join it: the tag stamps of the entry it
   * read or stored; 'unverifiable' for a tagged value it could not stamp (not stored); undefined when untagged.
   */
  basis?: TagStamp[] | 'unverifiable';
  /**
   * Where the value stands in Redis, for calls that join it: the entry it was read from or written as (a joiner checks
   * it is still there, so an invalidation of the key by another instance is never joined past); 'l1' for a value the
   * coherent in-process tier served; 'unverifiable' for a loaded value whose write was superseded or unconfirmed;
   * undefined for a value not cached at all (shared as it is).
   */
  stored?: Buffer | 'l1' | 'unverifiable';
  /**
   * performance.now() just before the command that read or wrote `stored` was issued: a call that joined before then
   * needs no check (Redis ran that command after every invalidation that had completed when the call joined).
   */
  vouchedAt?: number;
  /** The load's write-back, settled (never rejects) once it landed or failed; the caller may be answered before. */
  writeBack?: Promise<void>;
}

export const NOTHING_PREFETCHED: TagPrefetch = {};
