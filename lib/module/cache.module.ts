import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigurableModuleClass } from './cache.module-definition.js';
import { CacheManager } from '../core/cache-manager.js';
import { cacheProviders } from './cache.providers.js';
import { cacheMetricTokens } from '../observability/metrics/cache-metrics.providers.js';
import { CacheHealthIndicator } from '../observability/health/cache-health.indicator.js';
import { compatProviders, compatTokens } from '../compat/compat.providers.js';
import type { CacheRegisterAsyncOptions, CacheRegisterOptions } from '../compat/register-options.js';
import { registerCacheModule, registerCacheModuleAsync } from './register-cache-module.js';

/**
 * `CacheModule.forRoot(options)` or `CacheModule.forRootAsync({ imports, inject, useFactory, isGlobal })`
 * provides an injectable `CacheManager` for one namespace, and its `CacheHealthIndicator`; `register()` /
 * `registerAsync()` take @nestjs/cache-manager's options, and `CACHE_MANAGER` / `Cache` serve its interface.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [...cacheProviders, ...compatProviders],
  // The metrics too, so an app can @InjectMetric('cache_hits_total') them as with @willsoto/nestjs-prometheus.
  exports: [CacheManager, CacheHealthIndicator, ...compatTokens, ...cacheMetricTokens],
})
export class CacheModule extends ConfigurableModuleClass {
  /** @nestjs/cache-manager's `register()`: `ttl` for `defaultTtl`, `namespace` optional (default `'cache'`), `isGlobal`. */
  static register(options?: CacheRegisterOptions): DynamicModule {
    return registerCacheModule((async) => this.forRootAsync(async), options);
  }

  /** @nestjs/cache-manager's `registerAsync()`: `useFactory` / `useClass` / `useExisting`, `extraProviders`, `isGlobal`. */
  static registerAsync(options: CacheRegisterAsyncOptions): DynamicModule {
    return registerCacheModuleAsync((async) => this.forRootAsync(async), options);
  }
}
