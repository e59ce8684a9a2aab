import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { CatalogModule } from './catalog/catalog.module.js';
import { IndexController } from './index.controller.js';
import { ProductsModule } from './products/products.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { PricesModule } from './prices/prices.module.js';
import { HotModule } from './hot/hot.module.js';
import { OperationsModule } from './operations/operations.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    PrometheusModule.register(), // serves GET /metrics, including the cache_* metrics
    CacheModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService): CacheModuleOptions => {
        // May name a Redis ACL user limited to the app's namespaces: redis://sample-cache:<password>@host:6379
        // (docs/operations/security.md).
        const url = config.get<string>('REDIS_URL');
        return {
          namespace: 'sample',
          redis: url ? { url } : undefined, // no REDIS_URL: the embedded in-process store
          policy: { ttl: config.get<string>('CACHE_TTL') ?? '5m' },
          // Values from 4 KB on are compressed (deflate, the default); this namespace also keeps Dates and Maps.
          // `sample-hot` keeps hot keys in memory too, kept coherent across instances by Redis (GET/PUT /hot/banner).
          namespaces: {
            'sample-reports': { entries: { serializer: 'msgpack' } },
            'sample-hot': { l1: { maxEntries: 1000 } },
          },
          monitoring: {
            // Per namespace keys and bytes in Redis, sampled once a minute by one instance of the fleet (off by default).
            footprint: { interval: '1m' },
            // Redis memory, maxmemory, evictions, expirations, fragmentation (off by default): cache_redis_* on /metrics.
            redisInfo: { interval: '30s' },
          },
          // Pages cached per caller (@CacheVary('authorization')) are keyed by an HMAC of the credential under this secret:
          // give every instance the same one. Unset, each process makes its own (its instances do not share those pages).
          http: { varySecret: config.get<string>('CACHE_VARY_SECRET') },
        };
      },
      isGlobal: true,
    }),
    ProductsModule, // the CacheManager API, used directly
    CatalogModule, // @Cacheable, @CachePut, @CacheInvalidate; CacheInterceptor, @CacheTTL, @CacheVary, @CacheTags; tags
    ReportsModule, // a namespace with its own serializer (msgpack) and compression
    HotModule, // the in-process tier (l1): an update on one instance reaches the others
    PricesModule, // refresh-ahead, stale-if-error (a database you can switch off), a @CacheWarmer, the batch form of @Cacheable
    OperationsModule, // GET /health (Terminus); /cache/stats, /cache/keys/:key, /cache/invalidate behind X-Admin-Token (as are DELETE /cache and POST /prices/database/:state)
  ],
  controllers: [IndexController], // GET /: what to try
})
export class AppModule {}
