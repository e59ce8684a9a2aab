import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CacheModuleOptions } from '../options/cache-options.js';

/** One builder call gives forRoot / forRootAsync (useFactory, useClass, useExisting, imports, inject) and isGlobal. */
export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CacheModuleOptions>({ moduleName: 'Cache' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createCacheOptions')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** What `CacheModule.forRootAsync()` takes: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, `isGlobal`. */
export type CacheModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
