import { CacheError } from '../kernel/cache-error.js';
import type { CacheKeys } from '../kernel/cache-keys.js';
import { assertEntryTtl } from '../entry/entry-ttl.js';
import type { EntryPolicy } from '../entry/entry-policy.js';
import { tagSourceOf } from '../invalidation/tags/tag-guard.js';
import type { ReadThrough, ReadThroughPolicy } from '../read-through/read-through.js';
import type { BatchPolicy, BatchReadThrough, BatchValues } from '../read-through/batch-read-through.js';
import type { StaleOptions } from '../options/cache-options.js';
import type { GetOrSetManyOptions, GetOrSetOptions } from '../options/entry-options.js';
import { resolveEntryPolicy } from '../options/resolve-entry-policy.js';
import { DIRECT } from './direct-operations.js';
import type { EntryTtlOf } from './entry-ttl-of.js';

/** A read-through call's policy as the integrations give it: lock, TTL hint and stale policy default to the namespace's. */
export type CallPolicy<T> = Omit<ReadThroughPolicy<T>, 'lock' | 'ttlHintMs' | 'stale'> & { lock?: boolean; ttlHintMs?: number; stale?: EntryPolicy };

export interface ReadThroughCallsDeps {
  keys: CacheKeys;
  single: ReadThrough;
  batch: BatchReadThrough;
  /** The namespace's refresh/stale policy (calls that override none of it share it). */
  stale: EntryPolicy;
  lockByDefault: boolean;
  defaultTtlMs: number;
  ttlOf: EntryTtlOf;
}

/**
 * Read-through of one namespace: getOrSet / getOrSetMany for CacheManager, and the same with a policy for the
 * decorators, the interceptor and the cache-manager facade (`readThrough`, `readThroughMany`).
 */
export class ReadThroughCalls {
  constructor(private readonly deps: ReadThroughCallsDeps) {}

  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: GetOrSetOptions<T>): Promise<T> {
    try {
      const ttlMs = this.deps.ttlOf(options?.ttl, key, 'getOrSet');
      const tags = options?.tags === undefined ? undefined : tagSourceOf(options.tags, key);
      const stale = this.policyFor(options, (option) => `getOrSet option "${option}"`);
      return this.readThrough(key, loader, { label: DIRECT, ttlFor: () => ttlMs, ttlHintMs: ttlMs, lock: options?.lock, tags, stale });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  getOrSetMany<T>(
    keys: readonly string[],
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    options?: GetOrSetManyOptions,
  ): Promise<Array<T | undefined>> {
    try {
      const ttlMs = this.deps.ttlOf(options?.ttl, undefined, 'getOrSet');
      const stale = this.policyFor(options, (option) => `getOrSetMany option "${option}"`);
      assertEntryTtl(ttlMs, stale, 'getOrSet', undefined);
      return this.readThroughMany(keys, loadMissing, { label: DIRECT, ttlFor: () => ttlMs, stale });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Read-through with a policy. */
  readThrough<T>(key: string, loader: () => T | Promise<T>, policy: CallPolicy<T>): Promise<T> {
    const { keys, single } = this.deps;
    const fullKey = keys.full(key, 'getOrSet');
    const lock = policy.lock ?? this.deps.lockByDefault;
    const ttlHintMs = policy.ttlHintMs ?? this.deps.defaultTtlMs;
    const stale = policy.stale ?? this.deps.stale;
    assertEntryTtl(ttlHintMs, stale, 'getOrSet', key); // before the loader runs, not once its value cannot be stored
    return single.run(key, fullKey, keys.lockKey(key), loader, { ...policy, lock, ttlHintMs, stale });
  }

  /** getOrSetMany with a policy. */
  readThroughMany<T>(
    keys: readonly string[],
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    policy: BatchPolicy<T>,
  ): Promise<Array<T | undefined>> {
    if (!Array.isArray(keys))
      return Promise.reject(new CacheError('getOrSet', undefined, `keys must be an array of strings, got ${typeof keys}`));
    const fullKeys = keys.map((key) => this.deps.keys.full(key, 'getOrSet'));
    return this.deps.batch.run(keys, fullKeys, loadMissing, policy);
  }

  /** This namespace's refresh/stale policy with a call's overrides (validated; `name` names an option in errors). */
  policyFor(options: StaleOptions | undefined, name: (option: string) => string): EntryPolicy {
    return resolveEntryPolicy(options, this.deps.stale, name, 'getOrSet');
  }
}
