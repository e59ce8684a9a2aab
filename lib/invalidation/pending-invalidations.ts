import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { estimatedBytes, keyCount, type Invalidation, type PrefixInvalidation } from './invalidation.js';

export interface PendingSettings {
  /** Most invalidations (calls) kept; past it the queue collapses (counted, reason "entries"). */
  maxEntries: number;
  /** Most keys kept, summed over the kept calls (a prefix or a tag counts one); past it the queue collapses ("keys"). */
  maxKeys: number;
  /** Most bytes the kept calls may hold, estimated from above; past it the queue collapses ("bytes"). */
  maxBytes: number;
  /** Oldest kept; an older one is dropped (counted, reason "age"): its entries may be served again. */
  maxAgeMs: number;
  /** Pause between attempts to apply the queue while Redis does not answer. */
  retryMs: number;
}

export const DEFAULT_PENDING: PendingSettings = {
  maxEntries: 10_000,
  maxKeys: 100_000,
  maxBytes: 16 * 1024 * 1024,
  maxAgeMs: 5 * 60_000,
  retryMs: 250,
};

/**
 * A replay removes only entries created before the failed call plus this margin (their creation time is the writer's
 * clock): a host whose clock runs up to this much ahead cannot keep an old entry alive past the replay; the price is
 * that a write within this long after the failed call is removed too (a miss, never a stale read).
 */
export const REPLAY_CLOCK_MARGIN_MS = 1000;

export type CollapseReason = 'entries' | 'keys' | 'bytes';

interface Queued {
  invalidation: Invalidation;
  /** When it failed (ms since the epoch), for maxAge. */
  at: number;
  /** What its replay may remove: entries created before this (ms since the epoch). */
  createdBefore: number;
  keys: number;
  bytes: number;
}

/** The whole namespace stands invalidated: what the queue became when it overflowed. */
interface Collapsed {
  /** The latest failure it stands for. */
  at: number;
  createdBefore: number;
}

/**
 * Invalidations that failed because Redis was unreachable, applied in order once it answers again. While one is
 * pending, what it covers is never served from the cache (read-through loads fresh and does not store), so no caller
 * reads what the application already tried to remove. A replay removes only entries created before the failed call,
 * so a write made since survives it.
 *
 * Bounded by calls, keys and bytes: past any bound the queue collapses into one invalidation of the whole namespace
 * (`namespaceWide`), kept in constant memory; until it is applied nothing of the namespace is served from the cache.
 */
export class PendingInvalidations {
  private readonly queue: Queued[] = [];
  private readonly keys = new Map<string, number>();
  private readonly prefixes = new Map<string, number>();
  private readonly tags = new Map<string, number>();
  private keysKept = 0;
  private bytesKept = 0;
  private collapsed?: Collapsed;
  private timer?: NodeJS.Timeout;
  private replaying = false;

  constructor(
    private readonly settings: PendingSettings,
    /** Every entry of the namespace, the package's own keys excepted: what an overflowing queue becomes. */
    private readonly namespaceWide: PrefixInvalidation,
    private readonly apply: (invalidation: Invalidation, createdBefore: number) => Promise<unknown>,
    /** Told when the queue collapses: nothing kept in process for the namespace may be served either. */
    private readonly onCollapse: () => void,
    private readonly metrics: CacheMetrics,
    private readonly logger: RateLimitedLogger,
  ) {}

  /** Invalidations waiting (a collapsed queue counts one). */
  get size(): number {
    return this.queue.length + (this.collapsed === undefined ? 0 : 1);
  }

  add(invalidation: Invalidation): void {
    const at = Date.now();
    const createdBefore = at + REPLAY_CLOCK_MARGIN_MS;
    if (this.collapsed !== undefined && !this.isOutside(invalidation)) {
      this.collapsed.at = at;
      this.collapsed.createdBefore = Math.max(this.collapsed.createdBefore, createdBefore);
    } else {
      const item: Queued = { invalidation, at, createdBefore, keys: keyCount(invalidation), bytes: estimatedBytes(invalidation) };
      const overflow = this.overflowBy(item);
      if (overflow === undefined) this.keep(item);
      else if (this.collapsed === undefined) this.collapse(overflow, item);
      else this.dropped('size', 1); // another version's clearVersion, past the bounds while collapsed
    }
    this.metrics.invalidationsPending(this.size);
    this.logger.warn('invalidation:pending', `Redis is unreachable: ${this.size} invalidation(s) kept, applied once it answers`);
    this.schedule();
  }

  /** Whether a pending invalidation covers this key (by key, prefix, or the whole namespace). */
  coversKey(fullKey: string): boolean {
    if (this.queue.length === 0 && this.collapsed === undefined) return false; // the common case: nothing pending
    if (this.collapsed !== undefined || this.keys.has(fullKey)) return true;
    for (const prefix of this.prefixes.keys()) if (fullKey.startsWith(prefix)) return true;
    return false;
  }

  /** Whether a pending invalidation names any of these tags (or the whole namespace stands invalidated). */
  coversTags(tags: readonly string[]): boolean {
    if (this.collapsed !== undefined) return true;
    return this.tags.size > 0 && tags.some((tag) => this.tags.has(tag));
  }

  get hasPendingTags(): boolean {
    return this.tags.size > 0 || this.collapsed !== undefined;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private overflowBy(item: Queued): CollapseReason | undefined {
    if (this.queue.length + 1 > this.settings.maxEntries) return 'entries';
    if (this.keysKept + item.keys > this.settings.maxKeys) return 'keys';
    if (this.bytesKept + item.bytes > this.settings.maxBytes) return 'bytes';
    return undefined;
  }

  private keep(item: Queued): void {
    this.queue.push(item);
    this.index(item, 1);
  }

  /**
   * Forgets every kept call for one invalidation of the whole namespace, replayed with the latest cut-off. What lies
   * outside the namespace's prefix (a versioned namespace's clearVersion of another version) stays queued.
   */
  private collapse(reason: CollapseReason, last: Queued): void {
    const createdBefore = this.queue.reduce((latest, queued) => Math.max(latest, queued.createdBefore), last.createdBefore);
    const outside = this.queue.filter((queued) => this.isOutside(queued.invalidation));
    for (const item of this.queue.splice(0)) this.index(item, -1);
    for (const item of outside) this.keep(item);
    this.collapsed = { at: last.at, createdBefore };
    this.metrics.invalidationsCollapsed(reason);
    this.logger.warn(
      `invalidation:collapsed:${reason}`,
      `pending invalidations past invalidationQueue.max${reason === 'entries' ? 'Entries' : reason === 'keys' ? 'Keys' : 'Bytes'}: ` +
        'the whole namespace stands invalidated, served from the loaders only, until Redis answers and it is applied',
    );
    this.onCollapse();
  }

  /** Whether the namespace-wide invalidation does not cover it (only a prefix can reach outside the namespace's own). */
  private isOutside(invalidation: Invalidation): boolean {
    return invalidation.kind === 'prefix' && !invalidation.fullPrefix.startsWith(this.namespaceWide.fullPrefix);
  }

  private schedule(): void {
    if (this.timer !== undefined || this.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.replay();
    }, this.settings.retryMs);
    this.timer.unref(); // never what keeps a process alive
  }

  /** Applies what is pending in order, stopping at the first failure (Redis still down) to try again later. */
  private async replay(): Promise<void> {
    if (this.replaying) return;
    this.replaying = true;
    try {
      this.dropAged();
      const collapsed = this.collapsed;
      if (collapsed !== undefined) {
        const { createdBefore } = collapsed;
        await this.apply(this.namespaceWide, createdBefore);
        // A failure absorbed meanwhile moved the cut-off: that one is applied on the next round.
        if (this.collapsed === collapsed && collapsed.createdBefore === createdBefore) this.collapsed = undefined;
      }
      while (this.queue.length > 0) {
        const item = this.queue[0];
        await this.apply(item.invalidation, item.createdBefore);
        if (this.queue[0] === item) this.index(this.queue.shift()!, -1); // else the queue collapsed meanwhile
      }
    } catch {
      // still unreachable: the next attempt is scheduled below
    } finally {
      this.replaying = false;
      this.metrics.invalidationsPending(this.size);
      this.schedule();
    }
  }

  private dropAged(): void {
    const oldest = Date.now() - this.settings.maxAgeMs;
    if (this.collapsed !== undefined && this.collapsed.at < oldest) {
      this.collapsed = undefined;
      this.dropped('age', 1);
    }
    let aged = 0;
    while (aged < this.queue.length && this.queue[aged].at < oldest) aged++;
    if (aged === 0) return;
    for (const item of this.queue.splice(0, aged)) this.index(item, -1);
    this.dropped('age', aged);
  }

  private dropped(reason: 'age' | 'size', count: number): void {
    this.metrics.invalidationsDropped(reason, count);
    this.logger.warn(
      `invalidation:dropped:${reason}`,
      `${count} pending invalidation(s) dropped (${reason}): their entries may be served until they expire`,
    );
  }

  private index(item: Queued, delta: 1 | -1): void {
    this.keysKept += delta * item.keys;
    this.bytesKept += delta * item.bytes;
    const { invalidation } = item;
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
