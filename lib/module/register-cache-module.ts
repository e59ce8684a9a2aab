import type { DynamicModule, Provider } from '@nestjs/common';
import { CacheError } from '../kernel/cache-error.js';
import type { CacheModuleOptions } from '../options/cache-options.js';
import type { CacheModuleAsyncOptions } from './cache.module-definition.js';
import {
  fromRegisterOptions,
  type CacheOptionsFactory,
  type CacheRegisterAsyncOptions,
  type CacheRegisterOptions,
} from '../compat/register-options.js';

/** The module's `forRootAsync`, which register() and registerAsync() are built on. */
type ForRootAsync = (options: CacheModuleAsyncOptions) => DynamicModule;

/** `CacheModule.register(options)`: options mapped at boot (so a refused option fails the boot, as forRoot's do). */
export function registerCacheModule(forRootAsync: ForRootAsync, options?: CacheRegisterOptions): DynamicModule {
  return forRootAsync({ useFactory: () => fromRegisterOptions(options), isGlobal: options?.isGlobal ?? false });
}

/** `CacheModule.registerAsync(options)`: the factory, class or existing provider's options, mapped; plus `extraProviders`. */
export function registerCacheModuleAsync(forRootAsync: ForRootAsync, options: CacheRegisterAsyncOptions): DynamicModule {
  if (options === null || typeof options !== 'object') {
    throw new CacheError('configure', undefined, 'CacheModule.registerAsync takes { useFactory | useClass | useExisting, ... }');
  }
  const { useFactory, useClass, useExisting, extraProviders = [], imports, inject, isGlobal = false } = options;
  const providers: Provider[] = [...extraProviders];
  let factory: (...args: unknown[]) => Promise<CacheModuleOptions>;
  let factoryInject: CacheModuleAsyncOptions['inject'];
  if (useFactory) {
    factory = async (...args) => fromRegisterOptions(await useFactory(...args));
    factoryInject = inject;
  } else if (useClass || useExisting) {
    factory = async (created) => fromRegisterOptions(await (created as CacheOptionsFactory).createCacheOptions());
    factoryInject = [(useClass ?? useExisting)!];
    if (useClass) providers.push(useClass);
  } else {
    throw new CacheError('configure', undefined, 'CacheModule.registerAsync needs one of useFactory, useClass or useExisting');
  }
  const module = forRootAsync({ imports, inject: factoryInject, useFactory: factory, isGlobal });
  return { ...module, providers: [...(module.providers ?? []), ...providers] };
}
