import type { CacheOperation } from '../core/cache-error.js';
import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import type { RateLimitedLogger } from '../observability/rate-limited-logger.js';
import { isOutage } from '../resilience/redis-error-classifier.js';
import type { KeyValueStore } from '../stores/cache-store.interface.js';
import { PendingInvalidations, type Invalidation, type PendingSettings } from './pending-invalidations.js';
import type { TagGuard } from './tags/tag-guard.js';
import type { L1Tier } from '../l1/l1-tier.js';

/** Runs one direct store command: timed, and a failure turned into a counted CacheError (the manager's). */
export type DirectCommand = <T>(operation: CacheOperation, key: string | undefined, command: () => Promise<T>) => Promise<T>;

/**
 * A namespace's invalidations (keys, prefixes, tags), and what they mean for reads: applied at once, or kept while
 * Redis is unreachable and replayed once it answers; until then what they cover is never served.
 */
export class Invalidator {
  readonly pending: PendingInvalidations;

  constructor(
    private readonly store: KeyValueStore,
    private readonly tags: TagGuard,
    private readonly direct: DirectCommand,
    settings: PendingSettings,
    metrics: CacheMetrics,
    logger: RateLimitedLogger,
    /** The namespace's in-process tier: what an invalidation covers is dropped from it before the command is sent. */
    private readonly l1?: L1Tier,
  ) {
    this.pending = new PendingInvalidations(settings, (invalidation) => this.apply(invalidation), metrics, logger);
  }

  /**
   * An invalidation, as a direct command; when Redis is unreachable it is also kept and applied once Redis answers
   * (the caller still gets the CacheError). Resolves to how many keys it removed (0 for tags: entries stay, unreadable).
   */
  async run(operation: CacheOperation, key: string | undefined, invalidation: Invalidation): Promise<number> {
    this.l1?.evictFor(invalidation);
    try {
      return await this.direct(operation, key, () => this.apply(invalidation));
    } catch (error) {
      if (isOutage(error)) this.pending.add(invalidation);
      throw error;
    }
  }

  /**
   * Whether a tagged entry may be served: no pending invalidation names its tags, and its stamps hold (against the
   * tokens a lookup prefetched for its `known` tags, reading the others).
   */
  tagsHold(bytes: Buffer, known?: readonly string[], prefetched?: ReadonlyArray<string | undefined>): Promise<boolean> {
    if (this.pending.hasPendingTags && this.pending.coversTags(this.tags.tagsOf(bytes))) return Promise.resolve(false);
    return this.tags.holds(bytes, known, prefetched);
  }

  /** Whether a pending invalidation covers this key or the tags of the entry found under it. */
  pendingCovers(fullKey: string, bytes: Buffer | null | undefined): boolean {
    return (
      this.pending.coversKey(fullKey) || (bytes != null && this.pending.hasPendingTags && this.pending.coversTags(this.tags.tagsOf(bytes)))
    );
  }

  private async apply(invalidation: Invalidation): Promise<number> {
    switch (invalidation.kind) {
      case 'keys':
        return this.store.delete(invalidation.fullKeys);
      case 'prefix':
        return this.store.deletePrefix(invalidation.fullPrefix);
      case 'tags':
        await this.tags.tokens.invalidate(invalidation.tags);
        return 0;
    }
  }
}
