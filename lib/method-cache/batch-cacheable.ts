import { CacheError } from '../kernel/cache-error.js';
import type { NamespaceEngine } from '../namespace/namespace-engine.js';
import { parseEntryTtl } from '../kernel/ttl.js';
import type { EntryPolicy } from '../entry/entry-policy.js';
import { defaultBatchKeys } from './method-key.js';
import { KeyRefusal } from './key-encoding.js';
import type { CacheableOptions } from './method-cache.options.js';
import type { UncacheableCalls } from './uncacheable-calls.js';

type Method = (...args: unknown[]) => unknown;

/** What a batch call works with besides its arguments. */
export interface BatchMethod {
  engine: NamespaceEngine;
  cacheName: string;
  options: CacheableOptions;
  stale: EntryPolicy;
  uncacheable: UncacheableCalls;
}

/**
 * The batch form of @Cacheable, for methods like `findByIds(ids, ...rest)`: each id is cached under its own key
 * (`key(id, ...rest)`, by default `Class.method:` + a hash of `[id, ...rest]`); cached ids are read in one MGET and the
 * method is called once with only the others (same `rest`). It may return their values in the order of the ids it got,
 * or a Map / object keyed by id. The decorated method returns an array in the order of the ids asked (`batch: true`,
 * `undefined` for an id with no value) or a Map of the ids that have one (`batch: 'map'`). When the default key refuses
 * an id or another argument, the whole call runs uncached (counted, logged once), its answer shaped the same way.
 */
export async function cacheableBatch(
  { engine, cacheName, options, stale, uncacheable }: BatchMethod,
  self: object,
  args: unknown[],
  original: Method,
): Promise<unknown> {
  const [ids, ...rest] = args;
  if (!Array.isArray(ids)) {
    throw new CacheError('getOrSet', undefined, `@Cacheable({ batch }) ${cacheName} takes an array of ids as its first argument, got ${typeof ids}`);
  }
  const keyOf = options.key;
  const keys = typeof keyOf === 'function' ? ids.map((id) => keyOf(id, ...rest)) : defaultBatchKeys(cacheName, ids, rest);
  if (keys instanceof KeyRefusal) {
    uncacheable.report(engine, 'Cacheable', cacheName, keys);
    const result = await original.apply(self, args);
    return answer(options, ids, ids.map((id, i) => valueOf(result, id, i)));
  }
  const idOf = new Map(keys.map((key, i) => [key, ids[i]]));
  const ttlMs = engine.ttlOf(options.ttl, undefined, 'getOrSet');
  const nullTtlMs = options.nullTtl === undefined ? ttlMs : parseEntryTtl(options.nullTtl, 'getOrSet');
  const cacheNull = options.cacheNull ?? true;
  const values = await engine.reads.readThroughMany(
    keys,
    async (missing) => {
      const missingIds = missing.map((key) => idOf.get(key));
      return byKey(await original.apply(self, [missingIds, ...rest]), missing, missingIds);
    },
    {
      label: cacheName,
      stale,
      ttlFor: (value) => {
        if (options.unless?.(value)) return undefined;
        if (value === null) return cacheNull ? nullTtlMs : undefined;
        return ttlMs;
      },
    },
  );
  return answer(options, ids, values);
}

/** What the decorated method returns: the values in the order of the ids (`batch: true`), or a Map of those found. */
function answer(options: CacheableOptions, ids: unknown[], values: unknown[]): unknown {
  if (options.batch !== 'map') return values;
  const found = new Map<unknown, unknown>();
  ids.forEach((id, i) => values[i] !== undefined && found.set(id, values[i]));
  return found;
}

/** The method's answer for `ids` (an array in their order, a Map or an object keyed by id) as a Map keyed by cache key. */
function byKey(result: unknown, keys: string[], ids: unknown[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  ids.forEach((id, i) => {
    const value = valueOf(result, id, i);
    if (value !== undefined) values.set(keys[i], value);
  });
  return values;
}

/** The value the method's answer gives the `i`th id it was called with (`undefined`: none). */
function valueOf(result: unknown, id: unknown, i: number): unknown {
  if (Array.isArray(result)) return result[i];
  if (result instanceof Map) return result.get(id);
  if (result !== null && typeof result === 'object') return (result as Record<string, unknown>)[String(id)];
  return undefined;
}
