import { CacheError } from '../kernel/cache-error.js';
import type { MethodCache } from './method-cache.js';

/** Where the explorer leaves the MethodCache on an instance (or, for request-scoped classes, on the prototype). */
export const METHOD_CACHE_BINDING = Symbol('datapunk.nestjs-cache.binding');
/** Marks a class that has decorated methods, so the explorer only looks at those. */
export const CACHED_CLASS = 'datapunk:nestjs-cache:cached-class';

type Run = (
  cache: MethodCache,
  cacheName: string,
  self: object,
  args: unknown[],
  original: (...args: unknown[]) => unknown,
) => Promise<unknown>;

/**
 * Replaces the method with one that finds its MethodCache on `this`. The wrapper keeps the
 * method's name and its Reflect metadata (e.g. Nest route metadata set by decorators below it),
 * and decorators above it decorate the wrapper as usual.
 */
export function wrapMethod(
  decorator: string,
  target: object,
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor,
  run: Run,
): PropertyDescriptor {
  const original = descriptor.value as unknown;
  const cacheName = `${target.constructor.name}.${String(propertyKey)}`;
  if (typeof original !== 'function') {
    throw new CacheError('configure', undefined, `@${decorator} on ${cacheName}: only methods can be decorated`);
  }
  const wrapper = function (this: object, ...args: unknown[]): Promise<unknown> {
    const cache = (this as Record<symbol, MethodCache | undefined> | undefined)?.[METHOD_CACHE_BINDING];
    if (!cache) {
      return Promise.reject(
        new CacheError(
          'getOrSet',
          undefined,
          `@${decorator} ${cacheName} was called on an instance no CacheModule knows: create it through Nest DI in an app that imports CacheModule`,
        ),
      );
    }
    return run(cache, cacheName, this, args, original as (...args: unknown[]) => unknown);
  };
  Object.defineProperty(wrapper, 'name', { value: original.name });
  for (const metadataKey of Reflect.getMetadataKeys(original)) {
    Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, original), wrapper);
  }
  Reflect.defineMetadata(CACHED_CLASS, true, target.constructor);
  descriptor.value = wrapper;
  return descriptor;
}

/** Binds a MethodCache to an instance or prototype, invisibly (not enumerable, not serialized). */
export function bindMethodCache(target: object, cache: MethodCache): void {
  Object.defineProperty(target, METHOD_CACHE_BINDING, { value: cache, configurable: true, enumerable: false, writable: true });
}
