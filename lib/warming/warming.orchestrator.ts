import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import type { NamespaceRegistry } from '../namespace/namespace-registry.js';
import { printedAs } from '../kernel/printed-as.js';
import { EscapedLogger } from '../kernel/escaped-logger.js';
import type { ResolvedCacheOptions } from '../options/cache-options.js';
import { CACHE_WARMER, CACHE_WARMER_CLASS, type CacheWarmerOptions } from './cache-warmer.decorator.js';
import { progressLogger } from './warm-progress.js';
import type { WarmEntries } from '../read-through/warm/warm.types.js';

interface FoundWarmer {
  name: string;
  run: () => unknown;
  options: CacheWarmerOptions;
}

/**
 * Finds `@CacheWarmer` methods (as the CacheExplorer finds decorated methods) and runs them once the application has
 * bootstrapped: in the background, so the boot and the first answer do not wait, unless `warming.blockBoot`. Closing
 * the app stops taking new entries and waits for the loads under way.
 */
export class WarmingOrchestrator implements OnApplicationBootstrap, OnModuleDestroy {
  /** Escaped: a warmer's error message is the user's (or a remote service's) text. */
  private readonly logger: EscapedLogger;
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registry: NamespaceRegistry,
    private readonly options: ResolvedCacheOptions,
  ) {
    this.logger = new EscapedLogger(`CacheWarming:${registry.root.namespace}`);
    printedAs(this, 'WarmingOrchestrator', () => ({ namespace: registry.root.namespace }));
  }

  async onApplicationBootstrap(): Promise<void> {
    const warmers = this.findWarmers();
    if (warmers.length === 0) return;
    this.running = Promise.all(warmers.map((warmer) => this.runWarmer(warmer))).then(() => undefined);
    if (this.options.warming.blockBoot) await this.running;
  }

  async onModuleDestroy(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private findWarmers(): FoundWarmer[] {
    const found: FoundWarmer[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const cls = (instance as object).constructor;
      if (typeof cls !== 'function' || !Reflect.getMetadata(CACHE_WARMER_CLASS, cls)) continue;
      for (let proto = Object.getPrototypeOf(instance) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
        for (const name of Object.getOwnPropertyNames(proto)) {
          const method = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
          const options = typeof method === 'function' ? (Reflect.getMetadata(CACHE_WARMER, method) as CacheWarmerOptions | undefined) : undefined;
          if (options !== undefined && !found.some((warmer) => warmer.name === `${cls.name}.${name}`))
            found.push({ name: `${cls.name}.${name}`, run: () => (method as () => unknown).call(instance), options });
        }
      }
    }
    return found;
  }

  /** One warmer, never rejecting: its failures are logged (a warmer that throws only loses its own warming). */
  private async runWarmer(warmer: FoundWarmer): Promise<void> {
    const settings = this.options.warming;
    const engine = this.registry.engineFor({ namespace: warmer.options.namespace });
    let release: (() => Promise<void>) | undefined;
    try {
      if (warmer.options.singleInstance ?? settings.singleInstance) {
        release = await engine.warming.lock(warmer.name, settings.lockTtlMs);
        if (release === undefined) {
          this.logger.log(`${warmer.name}: another instance is warming; skipped here`);
          return;
        }
      }
      const startedAt = performance.now();
      const entries = (await warmer.run()) as WarmEntries;
      const result = await engine.warming.warm(
        entries,
        { concurrency: warmer.options.concurrency ?? settings.concurrency, skipIfFresh: warmer.options.skipIfFresh ?? settings.skipIfFresh, signal: this.abort.signal },
        warmer.name,
        progressLogger(this.logger, warmer.name),
      );
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
      this.logger.log(`${warmer.name}: done in ${seconds} s: ${result.loaded} loaded, ${result.skipped} fresh (skipped), ${result.failed} failed`);
    } catch (error) {
      this.logger.warn(`${warmer.name}: warming failed: ${(error as Error)?.message ?? String(error)}`);
    } finally {
      await release?.().catch(() => undefined);
    }
  }
}
