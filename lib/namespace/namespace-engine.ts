import { CacheKeys } from '../kernel/cache-keys.js';
import { MemoizedCacheKeys } from '../kernel/memoized-cache-keys.js';
import { printedAs } from '../kernel/printed-as.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { EntryCodec } from '../entry/entry-codec.js';
import type { EntryPolicy } from '../entry/entry-policy.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { CacheStats } from '../telemetry/cache-stats.js';
import { directCommand } from '../telemetry/direct-command.js';
import { FailureReporter } from '../telemetry/failure-reporter.js';
import type { L1Tier } from '../l1/l1-tier.js';
import { Invalidator } from '../invalidation/invalidator.js';
import { TagGuard } from '../invalidation/tags/tag-guard.js';
import { TagTokens } from '../invalidation/tags/tag-tokens.js';
import { TokenMemo } from '../invalidation/tags/token-memo.js';
import type { TokenTracking } from '../l1/token-tracking.js';
import { BatchReadThrough } from '../read-through/batch-read-through.js';
import { InFlightLoads } from '../read-through/in-flight.js';
import type { NamespaceReads } from '../read-through/namespace-reads.js';
import { ReadThrough } from '../read-through/read-through.js';
import { StampedeLock } from '../read-through/stampede-lock.js';
import { StoredEntries } from '../read-through/stored-entries.js';
import { CacheWarming } from '../read-through/warm/cache-warming.js';
import type { NamespaceOptions, ResolvedCacheOptions } from '../options/cache-options.js';
import { DirectOperations } from './direct-operations.js';
import { entryTtlOf, type EntryTtlOf } from './entry-ttl-of.js';
import { NamespaceInvalidations } from './namespace-invalidations.js';
import { ReadThroughCalls } from './read-through-calls.js';

export interface NamespaceEngineParts {
  /** The namespace's options: the module's, with its name, version and own settings. */
  options: ResolvedCacheOptions;
  store: CacheStore;
  /** This namespace's metrics child. */
  metrics: CacheMetrics;
  logger: RateLimitedLogger;
  /** The in-process tier in front of Redis, when this namespace has `l1` on. */
  l1?: L1Tier;
  /** What the tag token memo runs on, when `tags.tokenMemo` is on. */
  tokenTracking?: TokenTracking;
  /** The settings `withNamespace` made it with (a second call with other settings is refused). */
  settings?: NamespaceOptions;
}

/**
 * Everything one namespace (at one version) runs on, composed in one place: its entries, tags, in-process tier,
 * invalidator, single and batch read-through, direct operations and warming. The registry makes one per namespace;
 * CacheManager, the decorators, the interceptor, the cache-manager facade and the warming orchestrator all use it.
 */
export class NamespaceEngine {
  readonly keys: CacheKeys;
  readonly options: ResolvedCacheOptions;
  readonly metrics: CacheMetrics;
  readonly settings?: NamespaceOptions;
  /** This namespace's refresh/stale policy. */
  readonly stale: EntryPolicy;
  /** get / set / mget / mset / has / ttl. */
  readonly ops: DirectOperations;
  readonly invalidations: NamespaceInvalidations;
  readonly reads: ReadThroughCalls;
  /** `warm` and what @CacheWarmer needs besides (labels, progress, the singleInstance lock). */
  readonly warming: CacheWarming;
  readonly ttlOf: EntryTtlOf;
  private readonly invalidator: Invalidator;

  private readonly tokenMemo?: TokenMemo;

  constructor({ options, store, metrics, logger, l1, tokenTracking, settings }: NamespaceEngineParts) {
    this.options = options;
    this.metrics = metrics;
    this.settings = settings;
    // With an in-process tier a hit is a map lookup, which a freshly built key would cost more than (see MemoizedCacheKeys).
    this.keys =
      l1 === undefined
        ? new CacheKeys(options.namespace, options.version)
        : new MemoizedCacheKeys(options.namespace, options.version, l1.settings.maxEntries);
    this.stale = options.namespacePolicies.get(options.namespace) ?? options.entryPolicy;
    this.ttlOf = entryTtlOf(options.defaultTtlMs);
    const failures = new FailureReporter(metrics, logger);
    const codec = new EntryCodec(options.namespaceEncodings.get(options.namespace) ?? options.encoding);
    const entries = new StoredEntries(codec, metrics, failures, store);
    const direct = directCommand(metrics, failures);
    this.tokenMemo = tokenTracking && new TokenMemo(tokenTracking, options.namespace);
    const tags = new TagGuard(new TagTokens(store, this.keys.prefix, this.tokenMemo), codec);
    // Loads in flight, abandoned past their join bound (counted), detached by the invalidations that cover them.
    const inFlight = new InFlightLoads((flight) => metrics.loadRace(flight.call.policy.label, 'abandoned'));
    this.invalidator = new Invalidator({
      flights: inFlight,
      store,
      keys: this.keys,
      tags,
      direct,
      settings: options.invalidationQueue,
      metrics,
      logger,
      l1,
    });
    const reads: NamespaceReads = { store, entries, metrics, failures, tags, invalidator: this.invalidator, l1 };
    const budgetMs = options.operationTimeoutMs;
    const single = new ReadThrough({ ...reads, lock: new StampedeLock(store, options.lock), budgetMs, inFlight });
    const batch = new BatchReadThrough({ ...reads, inFlight, budgetMs, joins: single });
    this.reads = new ReadThroughCalls({
      keys: this.keys,
      single,
      batch,
      stale: this.stale,
      lockByDefault: options.lock.enabled,
      defaultTtlMs: options.defaultTtlMs,
      ttlOf: this.ttlOf,
    });
    this.ops = new DirectOperations({ ...reads, keys: this.keys, stale: this.stale, direct, ttlOf: this.ttlOf });
    this.invalidations = new NamespaceInvalidations(this.keys, this.invalidator);
    this.warming = new CacheWarming({
      keys: this.keys,
      store,
      loads: single.loads,
      invalidator: this.invalidator,
      metrics,
      logger,
      stale: this.stale,
      ttlOf: (ttl, key) => this.ttlOf(ttl, key, 'getOrSet'),
    });
    // Its parts reach the store, whose client's options hold the Redis password: printed by name only.
    printedAs(this, 'NamespaceEngine', () => ({ namespace: this.keys.namespace, version: this.keys.version }));
  }

  get namespace(): string {
    return this.keys.namespace;
  }

  get version(): string | undefined {
    return this.keys.version;
  }

  stats(): CacheStats {
    return this.metrics.stats();
  }

  /** Stops retrying pending invalidations (the registry calls it when the module closes). */
  close(): void {
    this.invalidator.pending.close();
    this.tokenMemo?.close();
  }
}
