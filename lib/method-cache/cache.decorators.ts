import { CacheError } from '../kernel/cache-error.js';
import { assertValidNamespace } from '../kernel/cache-keys.js';
import { parseEntryTtl, type Ttl } from '../kernel/ttl.js';
import { resolveOptionalVersion } from '../kernel/cache-version.js';
import type { CacheableOptions, CacheInvalidateOptions, CachePutOptions } from './method-cache.options.js';
import { wrapMethod } from './method-binding.js';
import { resolveEntryPolicy } from '../options/resolve-entry-policy.js';
import { NO_ENTRY_POLICY } from '../entry/entry-policy.js';

/**
 * Caches the method's result (read-through). Works on any provider or controller method; the
 * method becomes async. Errors are never cached; when Redis fails, the method simply runs.
 */
export function Cacheable(options: CacheableOptions = {}): MethodDecorator {
  checkTtl('Cacheable', 'ttl', options.ttl);
  checkTtl('Cacheable', 'nullTtl', options.nullTtl);
  checkNamespace('Cacheable', options.namespace, options.version);
  return (target, propertyKey, descriptor) => {
    checkEntryTags('Cacheable', target, propertyKey, options.tags);
    checkBatch(target, propertyKey, options);
    resolveEntryPolicy(options, NO_ENTRY_POLICY, (option) => `${where('Cacheable', target, propertyKey)}: option "${option}"`);
    return wrapMethod('Cacheable', target, propertyKey, descriptor, (cache, name, self, args, original) =>
      cache.cacheable(name, options, self, args, original),
    );
  };
}

/** Always runs the method and stores its result (as Spring's @CachePut). */
export function CachePut(options: CachePutOptions = {}): MethodDecorator {
  checkTtl('CachePut', 'ttl', options.ttl);
  checkNamespace('CachePut', options.namespace, options.version);
  return (target, propertyKey, descriptor) => {
    checkEntryTags('CachePut', target, propertyKey, options.tags);
    return wrapMethod('CachePut', target, propertyKey, descriptor, (cache, name, self, args, original) =>
      cache.put(name, options, self, args, original),
    );
  };
}

/**
 * Removes keys and invalidates tags (or clears the whole namespace) after the method succeeds, or before it runs
 * with `before: true`; `resultKeys` and `resultTags` always after it succeeds.
 */
export function CacheInvalidate(options: CacheInvalidateOptions): MethodDecorator {
  if (!options?.keys && !options?.resultKeys && !options?.tags && !options?.resultTags && !options?.all) {
    throw new CacheError('configure', undefined, '@CacheInvalidate needs "keys", "resultKeys", "tags", "resultTags" or "all: true"');
  }
  checkNamespace('CacheInvalidate', options.namespace, options.version);
  return (target, propertyKey, descriptor) => {
    checkFunction('CacheInvalidate', target, propertyKey, 'tags', options.tags);
    checkFunction('CacheInvalidate', target, propertyKey, 'resultTags', options.resultTags);
    return wrapMethod('CacheInvalidate', target, propertyKey, descriptor, (cache, name, self, args, original) =>
      cache.invalidate(name, options, self, args, original),
    );
  };
}

/** The batch form caches each id on its own: no per-call lock, and tags are not stamped per id (yet). */
function checkBatch(target: object, propertyKey: string | symbol, options: CacheableOptions): void {
  if (options.batch === undefined) return;
  const problem =
    options.batch !== true && options.batch !== 'map'
      ? `option "batch" must be true or 'map', got ${JSON.stringify(options.batch)}`
      : options.tags !== undefined || options.lock !== undefined
        ? 'option "batch" cannot be combined with "tags" or "lock"'
        : typeof options.key === 'string'
          ? 'option "batch" needs "key" to be a function of (id, ...rest), or no "key"'
          : undefined;
  if (problem !== undefined) throw new CacheError('configure', undefined, `${where('Cacheable', target, propertyKey)}: ${problem}`);
}

/** Fails at class definition, not at the first call, on a TTL that cannot work. */
function checkTtl(decorator: string, option: string, ttl: Ttl | undefined): void {
  if (ttl !== undefined) parseEntryTtl(ttl, 'configure', undefined, `@${decorator} option "${option}"`);
}

function checkNamespace(decorator: string, namespace: string | undefined, version: unknown): void {
  if (namespace !== undefined) assertValidNamespace(namespace, `@${decorator} option "namespace"`);
  resolveOptionalVersion(version, `@${decorator} option "version"`);
}

/**
 * Fails at class definition, naming the method, on `tags` that are neither a function of the arguments nor
 * `{ fromResult: function }` (a static array would be the same tags for every entry: write `() => ['tag']`).
 */
function checkEntryTags(decorator: string, target: object, propertyKey: string | symbol, tags: unknown): void {
  if (tags === undefined || typeof tags === 'function') return;
  const fromResult = typeof tags === 'object' && tags !== null ? (tags as { fromResult?: unknown }).fromResult : undefined;
  if (typeof fromResult === 'function') return;
  throw new CacheError(
    'configure',
    undefined,
    `${where(decorator, target, propertyKey)}: option "tags" must be a function of the arguments or { fromResult: function of the result }, got ${kindOf(tags)}`,
  );
}

function checkFunction(decorator: string, target: object, propertyKey: string | symbol, option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new CacheError(
      'configure',
      undefined,
      `${where(decorator, target, propertyKey)}: option "${option}" must be a function, got ${kindOf(value)}`,
    );
  }
}

/** `@Cacheable on ProductsService.findOne`, as wrapMethod names it. */
function where(decorator: string, target: object, propertyKey: string | symbol): string {
  return `@${decorator} on ${target.constructor.name}.${String(propertyKey)}`;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}
