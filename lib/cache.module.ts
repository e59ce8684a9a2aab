import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigurableModuleClass } from './cache.module-definition.js';
import { CacheManager } from './cache-manager.js';
import { cacheProviders } from './cache.providers.js';

/**
 * `CacheModule.forRoot(options)` or `CacheModule.forRootAsync({ imports, inject, useFactory, isGlobal })`
 * provides an injectable `CacheManager` for one namespace.
 */
@Module({
  imports: [DiscoveryModule],
  providers: cacheProviders,
  exports: [CacheManager],
})
export class CacheModule extends ConfigurableModuleClass {}
