import type { CacheOperation } from '../kernel/cache-error.js';
import type { CacheObserver } from '../telemetry/cache-observer.js';
import type { CacheInvalidationEvent } from '../telemetry/events/cache-event-types.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { isOutage } from '../kernel/redis-error-classifier.js';
import type { KeyValueStore } from '../stores/cache-store.interface.js';
import { deleteCreatedBefore } from '../stores/delete-created-before.js';
import type { CacheKeys } from '../kernel/cache-keys.js';
import { PendingInvalidations, type PendingSettings } from './pending-invalidations.js';
import type { Invalidation, PrefixInvalidation } from './invalidation.js';
import type { TagGuard } from './tags/tag-guard.js';
import type { L1Tier } from '../l1/l1-tier.js';

/** Runs one direct store command: timed, and a failure turned into a counted CacheError (the manager's). */
export type DirectCommand = <T>(operation: CacheOperation, key: string | undefined, command: () => Promise<T>) => Promise<T>;

export interface InvalidatorDeps {
  store: KeyValueStore;
  /** The namespace's key layout: its prefix, and which keys under it are the package's own. */
  keys: CacheKeys;
  tags: TagGuard;
  direct: DirectCommand;
  settings: PendingSettings;
  metrics: CacheMetrics;
  logger: RateLimitedLogger;
  l1?: L1Tier;
  /** The namespace's loads in flight: those an invalidation covers are detached, so no later call joins them. */
  flights?: { detachFor(invalidation: Invalidation): void };
}

/**
 * A namespace's invalidations (keys, prefixes, tags), and what they mean for reads: applied at once, or kept while
 * Redis is unreachable and replayed once it answers; until then what they cover is never served.
 */
export class Invalidator {
  readonly pending: PendingInvalidations;
  private readonly events: Pick<CacheObserver, 'invalidation'>;

  private readonly store: KeyValueStore;
  private readonly keys: CacheKeys;
  private readonly tags: TagGuard;
  private readonly direct: DirectCommand;
  /** The namespace's in-process tier: what an invalidation covers is dropped from it before the command is sent. */
  private readonly l1?: L1Tier;
  private readonly flights?: InvalidatorDeps['flights'];

  private readonly isReserved = (fullKey: string): boolean => this.keys.isReserved(fullKey);

  constructor(deps: InvalidatorDeps) {
    this.store = deps.store;
    this.keys = deps.keys;
    this.tags = deps.tags;
    this.direct = deps.direct;
    this.l1 = deps.l1;
    this.flights = deps.flights;
    const namespaceWide: PrefixInvalidation = { kind: 'prefix', fullPrefix: this.keys.prefix, keepReserved: true };
    this.pending = new PendingInvalidations(
      deps.settings,
      namespaceWide,
      (invalidation, createdBefore) => this.apply(invalidation, createdBefore),
      () => (this.l1?.evictFor(namespaceWide), this.flights?.detachFor(namespaceWide)),
      deps.metrics,
      deps.logger,
    );
    this.events = deps.metrics;
  }

  /**
   * An invalidation, as a direct command; when Redis is unreachable it is also kept and applied once Redis answers
   * (the caller still gets the CacheError). Resolves to how many keys it removed (0 for tags: entries stay, unreadable).
   */
  async run(operation: CacheOperation, key: string | undefined, invalidation: Invalidation): Promise<number> {
    this.l1?.evictFor(invalidation);
    this.flights?.detachFor(invalidation);
    try {
      const removed = await this.direct(operation, key, () => this.apply(invalidation));
      this.publish(operation, invalidation, 'applied', removed);
      return removed;
    } catch (error) {
      const queued = isOutage(error);
      if (queued) this.pending.add(invalidation);
      this.publish(operation, invalidation, queued ? 'queued' : 'failed');
      throw error;
    }
  }

  /** The invalidation event, with the caller's keys (without the namespace), built only when someone listens. */
  private publish(
    operation: CacheOperation,
    invalidation: Invalidation,
    outcome: CacheInvalidationEvent['outcome'],
    removed?: number,
  ): void {
    this.events.invalidation(() => {
      const { prefix } = this.tags.tokens;
      const userKey = (fullKey: string): string => (fullKey.startsWith(prefix) ? fullKey.slice(prefix.length) : fullKey);
      switch (invalidation.kind) {
        case 'keys':
          return { kind: 'keys', keys: invalidation.fullKeys.map(userKey), outcome, removed };
        case 'prefix':
          return { kind: operation === 'clear' ? 'clear' : 'prefix', prefix: userKey(invalidation.fullPrefix), outcome, removed };
        case 'tags':
          return { kind: 'tags', tags: invalidation.tags, outcome };
      }
    });
  }

  /**
   * Whether a tagged entry may be served: no pending invalidation names its tags, and its stamps hold (against the
   * tokens a lookup read with it for its `known` tags, reading the others). A boolean when no read was needed (the
   * common case: no microtask hop). `learnAs`: see TagGuard.holds.
   */
  tagsHold(bytes: Buffer, known?: readonly string[], prefetched?: ReadonlyArray<string | undefined>, learnAs?: string): boolean | Promise<boolean> {
    if (this.pending.hasPendingTags && this.pending.coversTags(this.tags.tagsOf(bytes))) return false;
    return this.tags.holds(bytes, known, prefetched, learnAs);
  }

  /** Whether a pending invalidation covers this key or the tags of the entry found under it. */
  pendingCovers(fullKey: string, bytes: Buffer | null | undefined): boolean {
    return (
      this.pending.coversKey(fullKey) || (bytes != null && this.pending.hasPendingTags && this.pending.coversTags(this.tags.tagsOf(bytes)))
    );
  }

  /**
   * Sends an invalidation. A replay passes `createdBefore` (see PendingInvalidations): entries written since the failed
   * call stay. A tag replay still replaces the tokens, so what was written since with those tags misses once.
   */
  private async apply(invalidation: Invalidation, createdBefore?: number): Promise<number> {
    switch (invalidation.kind) {
      case 'keys':
        if (createdBefore !== undefined) return deleteCreatedBefore(this.store, invalidation.fullKeys, createdBefore);
        return this.store.delete(invalidation.fullKeys);
      case 'prefix':
        return this.store.deletePrefix(invalidation.fullPrefix, {
          keep: invalidation.keepReserved ? this.isReserved : undefined,
          createdBefore,
        });
      case 'tags':
        await this.tags.tokens.invalidate(invalidation.tags);
        return 0;
    }
  }
}
