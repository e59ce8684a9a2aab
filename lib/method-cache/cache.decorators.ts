import { CacheError } from '../core/cache-error.js';
import { assertValidNamespace } from '../core/cache-keys.js';
import { parseTtl, type Ttl } from '../core/ttl.js';
import type { CacheableOptions, CacheInvalidateOptions, CachePutOptions } from './method-cache.options.js';
import { wrapMethod } from './method-binding.js';

/**
 * Caches the method's result (read-through). Works on any provider or controller method; the
 * method becomes async. Errors are never cached; when Redis fails, the method simply runs.
 */
export function Cacheable(options: CacheableOptions = {}): MethodDecorator {
  checkTtl('Cacheable', 'ttl', options.ttl);
  checkTtl('Cacheable', 'nullTtl', options.nullTtl);
  checkNamespace('Cacheable', options.namespace);
  return (target, propertyKey, descriptor) =>
    wrapMethod('Cacheable', target, propertyKey, descriptor, (cache, name, self, args, original) =>
      cache.cacheable(name, options, self, args, original),
    );
}

/** Always runs the method and stores its result (as Spring's @CachePut). */
export function CachePut(options: CachePutOptions = {}): MethodDecorator {
  checkTtl('CachePut', 'ttl', options.ttl);
  checkNamespace('CachePut', options.namespace);
  return (target, propertyKey, descriptor) =>
    wrapMethod('CachePut', target, propertyKey, descriptor, (cache, name, self, args, original) =>
      cache.put(name, options, self, args, original),
    );
}

/** Removes keys (or the whole namespace) after the method succeeds, or before it runs with `before: true`. */
export function CacheInvalidate(options: CacheInvalidateOptions): MethodDecorator {
  if (!options?.keys && !options?.resultKeys && !options?.all) {
    throw new CacheError('configure', undefined, '@CacheInvalidate needs "keys", "resultKeys" or "all: true"');
  }
  checkNamespace('CacheInvalidate', options.namespace);
  return (target, propertyKey, descriptor) =>
    wrapMethod('CacheInvalidate', target, propertyKey, descriptor, (cache, name, self, args, original) =>
      cache.invalidate(name, options, self, args, original),
    );
}

/** Fails at class definition, not at the first call, on a TTL that cannot work. */
function checkTtl(decorator: string, option: string, ttl: Ttl | undefined): void {
  if (ttl !== undefined) parseTtl(ttl, 'configure', undefined, `@${decorator} option "${option}"`);
}

function checkNamespace(decorator: string, namespace: string | undefined): void {
  if (namespace !== undefined) assertValidNamespace(namespace, `@${decorator} option "namespace"`);
}
