import { randomBytes } from 'node:crypto';
import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CacheError } from '../core/cache-error.js';
import { tagOfTokenKey } from '../core/cache-keys.js';
import { TAG_SEGMENT } from '../invalidation/tags/tag-tokens.js';
import type { ResolvedCacheOptions, ResolvedL1Options } from '../options/cache-options.js';
import type { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import type { RedisConnection } from '../stores/redis/redis-connection.js';
import { startupTimeoutMs } from '../stores/redis/redis-connection.js';
import { TTL_COHERENCE, type L1Coherence } from './l1-coherence.js';
import { L1Tier, type FlushReason } from './l1-tier.js';
import { trackingTopology, type TrackingTopology } from './tracking-connections.js';
import { TrackingCoherence } from './tracking-coherence.js';
import { l1Messages } from './l1-messages.js';
import { L1_LEASE_SEGMENT } from './l1-keys.js';

/** Tracking before startup decided it: nothing serves. */
const NOT_STARTED: L1Coherence = { tracking: true, generation: 0, serving: () => false };

/**
 * The module's in-process tiers, one per namespace with `l1` on, and the coherence they share: Redis invalidation
 * messages on tracking connections (started at init, closed with the app), or ttl-only when Redis does not offer
 * them. Routes each invalidated key to its namespace's tier.
 */
export class L1Tiers implements L1Coherence, OnModuleInit, OnModuleDestroy {
  readonly tracking = true;
  private readonly tiers = new Map<string, L1Tier>();
  private source: L1Coherence = NOT_STARTED;
  private coherence?: TrackingCoherence;
  private stopWatching?: () => void;
  private started = false;
  private retrackQueued = false;
  private closed = false;
  private readonly logger: Logger;
  private readonly topology?: TrackingTopology;
  private readonly instanceId = randomBytes(6).toString('base64url');

  constructor(
    private readonly options: ResolvedCacheOptions,
    connection: RedisConnection | undefined,
    private readonly metrics: CacheMetrics,
  ) {
    this.logger = new Logger(`CacheModule:${options.namespace}`);
    if (connection !== undefined) this.topology = trackingTopology(connection.client);
  }

  get generation(): number {
    return this.source.generation;
  }

  serving(maxStalenessMs: number): boolean {
    return this.source.serving(maxStalenessMs);
  }

  /** The tier of `namespace`, made on first use; undefined when its l1 is off or pointless (the embedded store). */
  tierFor(namespace: string, settings: ResolvedL1Options | undefined): L1Tier | undefined {
    if (settings === undefined || (this.options.redis === undefined && this.options.store === undefined)) return undefined;
    const existing = this.tiers.get(namespace);
    if (existing !== undefined) return existing;
    const usesTracking = settings.coherence !== 'ttl' && this.topology !== undefined;
    const metrics = namespace === this.options.namespace ? this.metrics : this.metrics.forNamespace(namespace);
    const tier = new L1Tier(namespace, settings, usesTracking ? this : TTL_COHERENCE, metrics);
    this.tiers.set(namespace, tier);
    if (usesTracking && this.started) this.retrackSoon(); // a namespace made at runtime: its prefix must be tracked too
    return tier;
  }

  async onModuleInit(): Promise<void> {
    this.started = true;
    if (this.options.redis === undefined && this.options.store === undefined) {
      if (this.options.l1 !== undefined || [...this.options.namespaceL1.values()].some(Boolean)) this.logger.log(l1Messages.unnecessary());
      return;
    }
    // Namespaces configured with l1 are tracked from the start, even before their first use.
    for (const [namespace, settings] of this.options.namespaceL1) this.tierFor(namespace, settings);
    const wanted = [...this.tiers.values()].filter((tier) => tier.settings.coherence !== 'ttl');
    if (wanted.length === 0) return;
    if (this.topology === undefined) return this.fallBack(new Error('the store is not Redis'));
    try {
      await this.withinDeadline(this.startTracking());
    } catch (error) {
      if (error instanceof TrackingRefused) return this.fallBack(error.cause as Error);
      this.logger.warn(l1Messages.waiting((error as Error).message)); // it keeps trying; the tiers serve once it is up
    }
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.stopWatching?.();
    this.coherence?.close();
    for (const tier of this.tiers.values()) tier.clear();
  }

  /** Resolves once every master's channel is subscribed. */
  private async startTracking(): Promise<void> {
    const topology = this.topology!;
    const prefixes = this.prefixes(topology.keyPrefix);
    let refusal: Error | undefined;
    const boundMs = Math.min(...[...this.tiers.values()].map((tier) => tier.settings.maxStalenessMs));
    // Heartbeats go under the first tracked namespace (they must be tracked to echo), named for this process.
    const heartbeatBase = `${prefixes[0].slice(topology.keyPrefix.length)}${L1_LEASE_SEGMENT}${this.instanceId}`;
    const heartbeat = (node: string) => topology.heartbeat(node, heartbeatBase);
    const coherence = new TrackingCoherence(topology.open, prefixes, topology.keyPrefix, boundMs, heartbeat, {
      invalidated: (fullKey) => this.invalidated(fullKey),
      flushed: (reason) => this.flushAll(reason),
      refused: (error) => {
        refusal ??= error;
        this.logger.warn(l1Messages.refusedLater(error.message));
      },
    });
    this.coherence = coherence;
    this.source = coherence;
    this.stopWatching = topology.watch((masters) => coherence.reconcile(masters));
    try {
      await coherence.connect(await topology.masters());
    } catch (error) {
      if (refusal !== undefined) throw new TrackingRefused(refusal);
      throw error;
    }
  }

  /** Tracking is unavailable: ttl-only with one warning, or a boot error when `coherence: 'tracking'` asked for it. */
  private fallBack(reason: Error): void {
    this.stopWatching?.();
    this.coherence?.close();
    this.coherence = undefined;
    if ([...this.tiers.values()].some((tier) => tier.settings.coherence === 'tracking'))
      throw new CacheError('configure', undefined, l1Messages.trackingRequired(reason.message), { cause: reason });
    this.logger.warn(l1Messages.fallback(reason.message));
    this.source = TTL_COHERENCE;
    for (const tier of this.tiers.values()) tier.useCoherence(TTL_COHERENCE);
  }

  /** Namespaces made in one go (a batch of decorators' first calls) are tracked with one reconnect. */
  private retrackSoon(): void {
    if (this.retrackQueued) return;
    this.retrackQueued = true;
    setImmediate(() => {
      this.retrackQueued = false;
      void this.retrack();
    });
  }

  /** Tracks the prefixes of every tier: reconnects the channels (a flush), as a subscribed connection cannot re-track. */
  private async retrack(): Promise<void> {
    if (this.coherence === undefined || this.closed) return;
    this.stopWatching?.();
    this.coherence.close();
    this.flushAll('topology');
    await this.startTracking().catch((error: Error) => this.logger.warn(l1Messages.waiting(error.message)));
  }

  private prefixes(keyPrefix: string): string[] {
    return [...this.tiers.values()].filter((tier) => tier.settings.coherence !== 'ttl').map((tier) => `${keyPrefix}${tier.namespace}:`);
  }

  private invalidated(fullKey: string): void {
    const colon = fullKey.indexOf(':');
    const tier = colon < 0 ? undefined : this.tiers.get(fullKey.slice(0, colon));
    if (tier === undefined || fullKey.startsWith(L1_LEASE_SEGMENT, colon + 1)) return; // a heartbeat: the channel's own
    const tag = tagOfTokenKey(fullKey, colon);
    if (tag !== undefined) tier.evictTag(tag);
    // `ns:v1:__tag__:x` is version 1's token of tag x, or in an unversioned namespace the user key "v1:__tag__:x": both.
    if (tag === undefined || !fullKey.startsWith(TAG_SEGMENT, colon + 1)) tier.evict(fullKey);
  }

  private flushAll(reason: FlushReason): void {
    for (const tier of this.tiers.values()) if (tier.usesTracking) tier.flush(reason);
  }

  private withinDeadline(work: Promise<void>): Promise<void> {
    const deadlineMs = startupTimeoutMs(this.options.operationTimeoutMs);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis did not answer the tracking handshake within ${deadlineMs} ms`)), deadlineMs);
      work.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }
}

class TrackingRefused extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}
