import type { OnModuleDestroy } from '@nestjs/common';
import { assertValidNamespace, CacheKeys } from '../kernel/cache-keys.js';
import type { CacheVersion } from '../kernel/cache-version.js';
import { printedAs } from '../kernel/printed-as.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import type { L1Tiers } from '../l1/l1-tiers.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { NamespaceOptions, ResolvedCacheOptions } from '../options/cache-options.js';
import { resolveL1 } from '../options/resolve-l1.js';
import { assertRoomForNamespace } from './namespace-budget.js';
import { NamespaceEngine } from './namespace-engine.js';
import { assertSameSettings, namespaceOptions, requestedVersion } from './namespace-settings.js';

/**
 * The one home of a module's namespaces: each (at each version) gets one engine, made on first use with its settings
 * resolved once, by the same resolver whether they come from `namespaces` at boot or `withNamespace` at run time.
 * `withNamespace`, the decorators, the interceptor and the warming orchestrator ask it; shutdown walks it.
 */
export class NamespaceRegistry implements OnModuleDestroy {
  /** Every engine by key prefix (`<namespace>:` or `<namespace>:v<version>:`). */
  private readonly engines = new Map<string, NamespaceEngine>();
  /** The module's own namespace. */
  readonly root: NamespaceEngine;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly store: CacheStore,
    private readonly metrics: CacheMetrics,
    private readonly logger: RateLimitedLogger,
    private readonly l1Tiers?: L1Tiers,
  ) {
    this.root = this.make(options, metrics, undefined);
    // Its engines reach the store, whose client's options hold the Redis password: printed by name only.
    printedAs(this, 'NamespaceRegistry', () => ({ namespaces: [...this.engines.keys()] }));
  }

  /**
   * The engine of `namespace` (at the version `settings` names, else its configured one), made on first use. Asking
   * again with other settings, an invalid name, or one past `maxRuntimeNamespaces` is a CacheError.
   */
  engine(namespace: string, settings?: NamespaceOptions): NamespaceEngine {
    assertValidNamespace(namespace, 'withNamespace(namespace)');
    const version = requestedVersion(this.options, namespace, settings);
    const existing = this.engines.get(CacheKeys.prefixOf(namespace, version));
    if (existing) {
      assertSameSettings(existing.settings, settings, namespace);
      return existing;
    }
    assertRoomForNamespace(this.options, this.engines.values(), namespace, version);
    return this.make(namespaceOptions(this.options, namespace, version, settings), this.metrics.forNamespace(namespace), settings);
  }

  /** The engine a decorator or warmer names with its `namespace` / `version` options (the module's when it names none). */
  engineFor({ namespace, version }: { namespace?: string; version?: CacheVersion }): NamespaceEngine {
    if (version !== undefined) return this.engine(namespace ?? this.root.namespace, { version });
    return namespace === undefined ? this.root : this.engine(namespace);
  }

  namespaces(): IterableIterator<NamespaceEngine> {
    return this.engines.values();
  }

  /** Stops every namespace's retries of pending invalidations. */
  onModuleDestroy(): void {
    for (const engine of this.engines.values()) engine.close();
  }

  private make(options: ResolvedCacheOptions, metrics: CacheMetrics, settings: NamespaceOptions | undefined): NamespaceEngine {
    const l1 = this.l1Tiers?.tierFor(options.namespace, this.l1Settings(options.namespace, settings));
    const tokenTracking = this.l1Tiers?.tokenTracking();
    const engine = new NamespaceEngine({ options, store: this.store, metrics, logger: this.logger, l1, tokenTracking, settings });
    this.engines.set(engine.keys.prefix, engine);
    return engine;
  }

  /** A namespace's l1: given to withNamespace, else configured in `namespaces`, else the module's. */
  private l1Settings(namespace: string, settings: NamespaceOptions | undefined) {
    if (settings?.l1 !== undefined) return resolveL1(settings.l1, `withNamespace("${namespace}").l1`, this.options.l1);
    return this.options.namespaceL1.has(namespace) ? this.options.namespaceL1.get(namespace) : this.options.l1;
  }
}
