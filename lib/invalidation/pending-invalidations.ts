import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import type { RateLimitedLogger } from '../observability/rate-limited-logger.js';

/** An invalidation to apply to the store, in the namespace's full key space. */
export type Invalidation =
  | { kind: 'keys'; fullKeys: readonly string[] }
  | { kind: 'prefix'; fullPrefix: string }
  | { kind: 'tags'; tags: readonly string[] };

export interface PendingSettings {
  /** Most invalidations kept; past it the oldest is dropped (counted, reason "size"). */
  maxEntries: number;
  /** Oldest kept; an older one is dropped (counted, reason "age"): its entries may be served again. */
  maxAgeMs: number;
  /** Pause between attempts to apply the queue while Redis does not answer. */
  retryMs: number;
}

export const DEFAULT_PENDING: PendingSettings = { maxEntries: 10_000, maxAgeMs: 5 * 60_000, retryMs: 250 };

interface Queued {
  invalidation: Invalidation;
  at: number;
}

/**
 * Invalidations that failed because Redis was unreachable, applied in order once it answers again. While one is
 * pending, what it covers is never served from the cache (read-through loads fresh and does not store), so no
 * caller reads what the application already tried to remove. Bounded in size and age, both counted.
 */
export class PendingInvalidations {
  private readonly queue: Queued[] = [];
  private readonly keys = new Map<string, number>();
  private readonly prefixes = new Map<string, number>();
  private readonly tags = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private replaying = false;

  constructor(
    private readonly settings: PendingSettings,
    private readonly apply: (invalidation: Invalidation) => Promise<unknown>,
    private readonly metrics: CacheMetrics,
    private readonly logger: RateLimitedLogger,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  add(invalidation: Invalidation): void {
    this.queue.push({ invalidation, at: Date.now() });
    this.index(invalidation, 1);
    if (this.queue.length > this.settings.maxEntries) this.drop(1, 'size');
    this.metrics.invalidationsPending(this.queue.length);
    this.logger.warn('invalidation:pending', `Redis is unreachable: ${this.queue.length} invalidation(s) kept, applied once it answers`);
    this.schedule();
  }

  /** Whether a pending invalidation covers this key (by key, prefix, or the whole namespace). */
  coversKey(fullKey: string): boolean {
    if (this.queue.length === 0) return false;
    if (this.keys.has(fullKey)) return true;
    for (const prefix of this.prefixes.keys()) if (fullKey.startsWith(prefix)) return true;
    return false;
  }

  /** Whether a pending invalidation names any of these tags. */
  coversTags(tags: readonly string[]): boolean {
    return this.tags.size > 0 && tags.some((tag) => this.tags.has(tag));
  }

  get hasPendingTags(): boolean {
    return this.tags.size > 0;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.replay();
    }, this.settings.retryMs);
    this.timer.unref(); // never what keeps a process alive
  }

  /** Applies the queue in order, stopping at the first failure (Redis still down) to try again later. */
  private async replay(): Promise<void> {
    if (this.replaying) return;
    this.replaying = true;
    try {
      this.dropAged();
      while (this.queue.length > 0) {
        await this.apply(this.queue[0].invalidation);
        const [done] = this.queue.splice(0, 1);
        this.index(done.invalidation, -1);
      }
    } catch {
      // still unreachable: the next attempt is scheduled below
    } finally {
      this.replaying = false;
      this.metrics.invalidationsPending(this.queue.length);
      this.schedule();
    }
  }

  private dropAged(): void {
    const oldest = Date.now() - this.settings.maxAgeMs;
    let aged = 0;
    while (aged < this.queue.length && this.queue[aged].at < oldest) aged++;
    if (aged > 0) this.drop(aged, 'age');
  }

  private drop(count: number, reason: 'age' | 'size'): void {
    for (const { invalidation } of this.queue.splice(0, count)) this.index(invalidation, -1);
    this.metrics.invalidationsDropped(reason, count);
    this.logger.warn(`invalidation:dropped:${reason}`, `${count} pending invalidation(s) dropped (${reason}): their entries may be served until they expire`);
  }

  private index(invalidation: Invalidation, delta: 1 | -1): void {
    switch (invalidation.kind) {
      case 'keys':
        for (const key of invalidation.fullKeys) count(this.keys, key, delta);
        return;
      case 'prefix':
        count(this.prefixes, invalidation.fullPrefix, delta);
        return;
      case 'tags':
        for (const tag of invalidation.tags) count(this.tags, tag, delta);
    }
  }
}

function count(map: Map<string, number>, item: string, delta: number): void {
  const next = (map.get(item) ?? 0) + delta;
  if (next > 0) map.set(item, next);
  else map.delete(item);
}
