import { CacheError } from '../kernel/cache-error.js';
import { assertValidNamespace } from '../kernel/cache-keys.js';

/** Marks a method as a warmer (its options), and its class as having one, for the WarmingOrchestrator. */
export const CACHE_WARMER = 'datapunk:nestjs-cache:warmer';
export const CACHE_WARMER_CLASS = 'datapunk:nestjs-cache:warmer-class';

export interface CacheWarmerOptions {
  /** Warm this namespace instead of the module's. */
  namespace?: string;
  /** Default: the module's `warming.concurrency` (16). */
  concurrency?: number;
  /** Default: the module's `warming.skipIfFresh` (true). */
  skipIfFresh?: boolean;
  /** Default: the module's `warming.singleInstance` (true). */
  singleInstance?: boolean;
}

/**
 * Marks a provider method that returns (or yields, or resolves to) warm entries `{ key, loader, ttl?, tags? }`. The
 * module runs it once the application has bootstrapped, without delaying the boot unless `warming.blockBoot` is set;
 * one instance at a time (`singleInstance`), leaving fresh entries (`skipIfFresh`); progress is logged every 10 %.
 */
export function CacheWarmer(options: CacheWarmerOptions = {}): MethodDecorator {
  if (options === null || typeof options !== 'object') throw new CacheError('configure', undefined, '@CacheWarmer options must be an object');
  if (options.namespace !== undefined) assertValidNamespace(options.namespace, '@CacheWarmer option "namespace"');
  if (options.concurrency !== undefined && (!Number.isInteger(options.concurrency) || options.concurrency < 1))
    throw new CacheError('configure', undefined, `@CacheWarmer option "concurrency" must be a positive integer, got ${JSON.stringify(options.concurrency)}`);
  return (target, propertyKey, descriptor) => {
    if (typeof descriptor.value !== 'function')
      throw new CacheError('configure', undefined, `@CacheWarmer on ${target.constructor.name}.${String(propertyKey)}: only methods can be warmers`);
    Reflect.defineMetadata(CACHE_WARMER, options, descriptor.value as object);
    Reflect.defineMetadata(CACHE_WARMER_CLASS, true, target.constructor);
    return descriptor;
  };
}
