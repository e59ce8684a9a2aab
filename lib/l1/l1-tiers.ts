import { randomBytes } from 'node:crypto';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CacheError } from '../kernel/cache-error.js';
import { tagOfTokenKey } from '../kernel/cache-keys.js';
import type { L1ModuleSettings, L1Settings } from './l1-settings.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import { EscapedLogger } from '../kernel/escaped-logger.js';
import type { RedisConnection } from '../stores/redis/redis-connection.js';
import { startupTimeoutMs } from '../stores/redis/redis-connection.js';
import { TTL_COHERENCE, type L1Coherence } from './l1-coherence.js';
import { L1Tier, type FlushReason } from './l1-tier.js';
import { trackingTopology, type TrackingTopology } from './tracking-connections.js';
import { TrackingCoherence } from './tracking-coherence.js';
import { messages } from '../kernel/messages.js';
import { L1_LEASE_SEGMENT, TAG_SEGMENT } from '../kernel/cache-keys.js';
import type { TokenTracking } from './token-tracking.js';

/**
 * Which module tracks reads on each ioredis client. A client shared by two modules (`redis.client`) can redirect its
 * tracking to one channel only: each module's heartbeat would point it at its own, and the invalidations sent while it
 * pointed at the other would never reach this one. So the second module falls back instead.
 */
const trackedClients = new WeakMap<RedisConnection['client'], L1Tiers>();

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
  private startQueued = false;
  /** Tracking turned out unavailable: tiers made from now on are ttl-only too. */
  private fellBack = false;
  private closed = false;
  /** Escaped: the reasons it logs are Redis's and the network's messages. */
  private readonly logger: EscapedLogger;
  private readonly topology?: TrackingTopology;
  private readonly instanceId = randomBytes(6).toString('base64url');
  /** The tag token memos, by namespace: told of every token key of theirs that changed. */
  private readonly tokenWatchers = new Map<string, Set<(tag: string) => void>>();
  private tokens?: TokenTracking;

  constructor(
    private readonly options: L1ModuleSettings,
    private readonly connection: RedisConnection | undefined,
    private readonly metrics: CacheMetrics,
  ) {
    this.logger = new EscapedLogger(`CacheModule:${options.namespace}`);
    if (connection !== undefined) this.topology = trackingTopology(connection.client);
  }

  get generation(): number {
    return this.source.generation;
  }

  serving(maxStalenessMs: number, now: number): boolean {
    return this.source.serving(maxStalenessMs, now);
  }

  /** The tier of `namespace`, made on first use; undefined when its l1 is off or pointless (the embedded store). */
  tierFor(namespace: string, settings: L1Settings | undefined): L1Tier | undefined {
    if (settings === undefined || !this.options.sharedStore) return undefined;
    const existing = this.tiers.get(namespace);
    if (existing !== undefined) return existing;
    const usesTracking = settings.coherence !== 'ttl' && this.topology !== undefined && !this.fellBack;
    const metrics = namespace === this.options.namespace ? this.metrics : this.metrics.forNamespace(namespace);
    const tier = new L1Tier(namespace, settings, usesTracking ? this : TTL_COHERENCE, metrics);
    this.tiers.set(namespace, tier);
    // Tracking hears every key this process reads, so a namespace made at runtime needs no new subscription.
    if (usesTracking && this.started && this.coherence === undefined && !this.startQueued) this.startLater();
    return tier;
  }

  /** What the tag token memos run on; undefined when `tags.tokenMemo` is off or there is no shared store. */
  tokenTracking(): TokenTracking | undefined {
    const memo = this.options.tokenMemo;
    if (memo === undefined || !this.options.sharedStore) return undefined;
    const tiers = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the getter below has its own `this`
    this.tokens ??= {
      get generation() {
        return tiers.coherence?.generation ?? -1;
      },
      // Only on the tracking connections' lease: ttl-only coherence (a fallback) hears no invalidation at all.
      serving: (now) => this.coherence !== undefined && this.source === this.coherence && this.coherence.serving(memo.maxStalenessMs, now),
      watch: (namespace, changed) => {
        const watchers = this.tokenWatchers.get(namespace) ?? this.tokenWatchers.set(namespace, new Set()).get(namespace)!;
        watchers.add(changed);
        return () => void watchers.delete(changed);
      },
    };
    return this.tokens;
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.start();
    } finally {
      this.started = true; // from now on, the first tracked tier made at runtime starts tracking itself
    }
  }

  private async start(): Promise<void> {
    if (!this.options.sharedStore) {
      if (this.options.l1 !== undefined || [...this.options.namespaceL1.values()].some(Boolean)) this.logger.log(messages.l1Unnecessary());
      return;
    }
    // Namespaces configured with l1 are tracked from the start, even before their first use.
    for (const [namespace, settings] of this.options.namespaceL1) this.tierFor(namespace, settings);
    const wanted = [...this.tiers.values()].filter((tier) => tier.settings.coherence !== 'ttl');
    if (wanted.length === 0 && this.options.tokenMemo === undefined) return;
    if (this.topology === undefined) return this.fallBack(new Error('the store is not Redis'));
    try {
      await this.withinDeadline(this.startTracking());
    } catch (error) {
      if (error instanceof TrackingRefused) return this.fallBack(error.cause as Error);
      this.logger.warn(messages.l1Waiting((error as Error).message)); // it keeps trying; the tiers serve once it is up
    }
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.stopWatching?.();
    this.coherence?.close();
    // A client the user passed in lives on: stop Redis tracking its reads for a redirect that is gone.
    if (this.coherence !== undefined && this.connection?.owned === false) this.topology?.untrack();
    if (this.connection !== undefined && trackedClients.get(this.connection.client) === this) trackedClients.delete(this.connection.client);
    for (const tier of this.tiers.values()) tier.clear();
  }

  /** Resolves once every master's channel holds its lease. */
  private async startTracking(): Promise<void> {
    const topology = this.topology!;
    if (topology.unsupported !== undefined) throw new TrackingRefused(new Error(topology.unsupported));
    const client = this.connection!.client;
    const holder = trackedClients.get(client);
    if (holder !== undefined && holder !== this) throw new TrackingRefused(new Error(messages.trackingClientShared()));
    trackedClients.set(client, this);
    const tracked = [...this.tiers.values()].filter((tier) => tier.settings.coherence !== 'ttl');
    let refusal: Error | undefined;
    const bounds = tracked.map((tier) => tier.settings.maxStalenessMs);
    if (this.options.tokenMemo !== undefined) bounds.push(this.options.tokenMemo.maxStalenessMs);
    const boundMs = Math.min(...bounds);
    // Heartbeats go under a namespace with l1 (or the module's, for the token memo alone: an ACL granting
    // `~<namespace>:*` allows them), named for this process.
    const heartbeatBase = `${tracked[0]?.namespace ?? this.options.namespace}:${L1_LEASE_SEGMENT}${this.instanceId}`;
    const heartbeat = (node: string) => topology.heartbeat(node, heartbeatBase);
    const coherence = new TrackingCoherence(topology.open, topology.keyPrefix, boundMs, heartbeat, {
      invalidated: (fullKey) => this.invalidated(fullKey),
      flushed: (reason) => this.flushAll(reason),
      refused: (error) => {
        if (refusal !== undefined) return;
        refusal = error;
        this.logger.warn(messages.l1RefusedLater(error.message));
      },
    });
    this.coherence = coherence;
    this.source = coherence;
    const stopMasters = topology.watch((masters) => coherence.reconcile(masters));
    const stopData = topology.watchData((node) => coherence.dataLost(node));
    this.stopWatching = () => {
      stopMasters();
      stopData();
    };
    try {
      await coherence.connect(await topology.masters());
    } catch (error) {
      if (refusal !== undefined) throw new TrackingRefused(refusal);
      throw error;
    }
  }

  /**
   * Tracking is unavailable: ttl-only with one warning, or a boot error when `coherence: 'tracking'` asked for it
   * (`atBoot`; after boot that is logged as an error and the tiers stay off rather than serve incoherently).
   */
  private fallBack(reason: Error, atBoot = true): void {
    this.stopWatching?.();
    this.coherence?.close();
    this.coherence = undefined;
    this.source = NOT_STARTED;
    this.fellBack = true;
    if ([...this.tiers.values()].some((tier) => tier.settings.coherence === 'tracking')) {
      if (!atBoot) return this.logger.error(messages.l1TrackingRequired(reason.message));
      throw new CacheError('configure', undefined, messages.l1TrackingRequired(reason.message), { cause: reason });
    }
    if (this.options.tokenMemo !== undefined) this.logger.warn(messages.tokenMemoOff(reason.message));
    if ([...this.tiers.values()].some((tier) => tier.settings.coherence !== 'ttl')) this.logger.warn(messages.l1Fallback(reason.message));
    this.source = TTL_COHERENCE;
    for (const tier of this.tiers.values()) tier.useCoherence(TTL_COHERENCE);
  }

  /** The first namespace with tracked l1 was made at runtime: start tracking now (later ones need nothing). */
  private startLater(): void {
    this.startQueued = true;
    setImmediate(() => {
      if (this.closed || this.coherence !== undefined) return;
      this.withinDeadline(this.startTracking()).catch((error: unknown) => {
        if (error instanceof TrackingRefused) this.fallBack(error.cause as Error, false);
        else this.logger.warn(messages.l1Waiting((error as Error).message));
      });
    });
  }

  private invalidated(fullKey: string): void {
    const colon = fullKey.indexOf(':');
    if (colon < 0 || fullKey.startsWith(L1_LEASE_SEGMENT, colon + 1)) return; // a heartbeat: the channel's own
    const namespace = fullKey.slice(0, colon);
    const tier = this.tiers.get(namespace);
    const tag = tagOfTokenKey(fullKey, colon);
    if (tag !== undefined) this.tokenWatchers.get(namespace)?.forEach((changed) => changed(tag));
    if (tier === undefined) return;
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
