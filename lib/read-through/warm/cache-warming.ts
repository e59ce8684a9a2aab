import { randomUUID } from 'node:crypto';
import { CacheError } from '../../kernel/cache-error.js';
import { WARMER_SEGMENT } from '../../kernel/cache-keys.js';
import type { CacheKeys } from '../../kernel/cache-keys.js';
import { isPastLogicalExpiry } from '../../entry/logical-ttl.js';
import type { Ttl } from '../../kernel/ttl.js';
import { hasExtensions } from '../../entry/entry-format.js';
import { isLease } from '../../entry/load-lease.js';
import type { Invalidator } from '../../invalidation/invalidator.js';
import { tagSourceOf } from '../../invalidation/tags/tag-guard.js';
import type { CacheMetrics } from '../../telemetry/cache-metrics.js';
import type { RateLimitedLogger } from '../../kernel/rate-limited-logger.js';
import type { LoadAndStore } from '../load-and-store.js';
import { NOTHING_PREFETCHED } from '../read-through-call.js';
import type { EntryPolicy } from '../../entry/entry-policy.js';
import type { CacheStore } from '../../stores/cache-store.interface.js';
import { runWarm, type WarmOutcome, type WarmRunSettings } from './warm-run.js';
import type { WarmEntries, WarmEntry, WarmOptions, WarmResult } from './warm.types.js';

export interface CacheWarmingDeps {
  keys: CacheKeys;
  store: CacheStore;
  loads: LoadAndStore;
  invalidator: Invalidator;
  metrics: CacheMetrics;
  logger: RateLimitedLogger;
  stale: EntryPolicy;
  ttlOf: (ttl: Ttl | undefined, key: string) => number;
}

const DEFAULT_CONCURRENCY = 16;

/**
 * `cache.warm`: loads entries ahead of demand, `concurrency` at a time, each stored as a read-through load would store
 * it (tags stamped before the load, its load time recorded for refresh-ahead, jitter, the stale window). With
 * `skipIfFresh`, a key whose entry is still fresh costs one GET and no load, so warming again after a restart
 * loads only what is missing. An entry's failure is counted and logged, never thrown.
 */
export class CacheWarming {
  constructor(private readonly deps: CacheWarmingDeps) {}

  warm(entries: WarmEntries, options: WarmOptions = {}, label = 'direct', progress?: WarmRunSettings['progress']): Promise<WarmResult> {
    if (entries == null || (typeof entries !== 'object' && typeof entries !== 'function'))
      return Promise.reject(new CacheError('warm', undefined, `entries must be an iterable or async iterable of { key, loader }, got ${entries === null ? 'null' : typeof entries}`));
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      return Promise.reject(new CacheError('warm', undefined, `option "concurrency" must be a positive integer, got ${JSON.stringify(concurrency)}`));
    const skipIfFresh = options.skipIfFresh ?? true;
    return runWarm(entries, { concurrency, signal: options.signal, progress }, (entry) => this.warmOne(entry, skipIfFresh, label));
  }

  /** Takes the singleInstance lock of a warmer: its release, or undefined when another instance holds it. */
  async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const lockKey = this.deps.keys.lockKey(WARMER_SEGMENT + name);
    const token = randomUUID();
    if (!(await this.deps.store.acquireLock(lockKey, token, ttlMs))) return undefined;
    return () => this.deps.store.releaseLock(lockKey, token);
  }

  private async warmOne(entry: WarmEntry, skipIfFresh: boolean, label: string): Promise<WarmOutcome> {
    const outcome = await this.attempt(entry, skipIfFresh, label).catch((error: unknown) => {
      const key = typeof entry?.key === 'string' ? `"${entry.key.slice(0, 64)}"` : 'an entry';
      this.deps.logger.warn('warm:failed', `warming ${key} failed: ${(error as Error)?.message ?? String(error)}`);
      return 'failed' as const;
    });
    this.deps.metrics.warmKeys(outcome);
    return outcome;
  }

  private async attempt(entry: WarmEntry, skipIfFresh: boolean, label: string): Promise<WarmOutcome> {
    const { keys, loads, invalidator } = this.deps;
    if (entry === null || typeof entry !== 'object' || typeof entry.loader !== 'function')
      throw new CacheError('warm', undefined, 'a warm entry must be { key, loader, ttl?, tags? }');
    const fullKey = keys.full(entry.key, 'warm');
    const current = await this.deps.store.get(fullKey);
    if (skipIfFresh && !invalidator.pending.coversKey(fullKey) && (await this.isFresh(current))) return 'skipped';
    const ttlMs = this.deps.ttlOf(entry.ttl, entry.key);
    const tags = entry.tags === undefined ? undefined : tagSourceOf(entry.tags, entry.key);
    const policy = { label, ttlFor: () => ttlMs, ttlHintMs: ttlMs, lock: false, tags, stale: this.deps.stale };
    const call = { key: entry.key, fullKey, lockKey: keys.lockKey(entry.key), loader: entry.loader, policy };
    // An entry there stays served while the warm load runs, and is replaced only while unchanged (an invalidation or a
    // write meanwhile wins); an absent key gets a lease, as a read-through miss does.
    const over = current == null || isLease(current) ? { missed: current } : { replacing: current };
    await loads.run(call, NOTHING_PREFETCHED, Number.POSITIVE_INFINITY, 'warm', over);
    return 'loaded';
  }

  /** Present, before its logical expiry, and (when tagged) not invalidated. */
  private async isFresh(bytes: Buffer | null | undefined): Promise<boolean> {
    if (bytes == null || isLease(bytes) || isPastLogicalExpiry(bytes)) return false;
    return !hasExtensions(bytes) || this.deps.invalidator.tagsHold(bytes);
  }
}
