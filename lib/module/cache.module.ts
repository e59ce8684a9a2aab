import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigurableModuleClass } from './cache.module-definition.js';
import { CacheManager } from '../core/cache-manager.js';
import { cacheProviders } from './cache.providers.js';
import { cacheMetricTokens } from '../observability/metrics/cache-metrics.providers.js';
import { CacheHealthIndicator } from '../observability/health/cache-health.indicator.js';

/**
 * `CacheModule.forRoot(options)` or `CacheModule.forRootAsync({ imports, inject, useFactory, isGlobal })`
 * provides an injectable `CacheManager` for one namespace, and its `CacheHealthIndicator`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: cacheProviders,
  // The metrics too, so an app can @InjectMetric('cache_hits_total') them as with @willsoto/nestjs-prometheus.
  exports: [CacheManager, CacheHealthIndicator, ...cacheMetricTokens],
})
export class CacheModule extends ConfigurableModuleClass {}
