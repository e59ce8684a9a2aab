import { CacheError } from '../kernel/cache-error.js';
import { tagSourceOf, type TagSource } from '../invalidation/tags/tag-guard.js';
import type { CacheVersion } from '../kernel/cache-version.js';
import type { NamespaceEngine } from '../namespace/namespace-engine.js';
import type { NamespaceRegistry } from '../namespace/namespace-registry.js';
import type { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { parseEntryTtl } from '../kernel/ttl.js';
import type { EntryPolicy } from '../entry/entry-policy.js';
import { defaultMethodKey } from './method-key.js';
import { KeyRefusal } from './key-encoding.js';
import { UncacheableCalls } from './uncacheable-calls.js';
import { cacheableBatch } from './batch-cacheable.js';
import type { CacheableOptions, CacheableTags, CacheInvalidateOptions, CachePutOptions } from './method-cache.options.js';

type Method = (...args: unknown[]) => unknown;

/**
 * What the decorators do at call time, bound to one app's namespaces (its NamespaceRegistry) by the CacheExplorer.
 * Cache failures never reach the caller of a decorated method: they are counted and logged.
 * Tags that break the rules are not cache failures but bugs: a @Cacheable call with them fails (as getOrSet does).
 */
export class MethodCache {
  private readonly policies = new Map<CacheableOptions, EntryPolicy>();
  /** Each decorator's namespace engine, found at its first call (its namespace and version never change; engines live as long as the module). */
  private readonly engines = new Map<object, NamespaceEngine>();
  private readonly uncacheable: UncacheableCalls;

  constructor(
    private readonly registry: NamespaceRegistry,
    private readonly logger: RateLimitedLogger,
  ) {
    this.uncacheable = new UncacheableCalls(logger);
  }

  async cacheable(cacheName: string, options: CacheableOptions, self: object, args: unknown[], original: Method): Promise<unknown> {
    if (options.condition && !options.condition(...args)) return original.apply(self, args);
    const engine = this.engineOf(options);
    if (options.batch) {
      const stale = this.staleOf(engine, cacheName, options);
      return cacheableBatch({ engine, cacheName, options, stale, uncacheable: this.uncacheable }, self, args, original);
    }
    const key = keyOf(options.key, cacheName, args);
    if (key instanceof KeyRefusal) {
      this.uncacheable.report(engine, 'Cacheable', cacheName, key); // never share an entry: run the method itself
      return original.apply(self, args);
    }
    const ttlMs = engine.ttlOf(options.ttl, key, 'getOrSet');
    const nullTtlMs = options.nullTtl === undefined ? ttlMs : parseEntryTtl(options.nullTtl, 'getOrSet', key);
    const cacheNull = options.cacheNull ?? true;
    return engine.reads.readThrough(key, () => original.apply(self, args), {
      label: cacheName,
      lock: options.lock,
      ttlHintMs: ttlMs,
      tags: methodTags(options.tags, cacheName, key, args),
      stale: this.staleOf(engine, cacheName, options),
      ttlFor: (value) => {
        if (options.unless?.(value)) return undefined;
        if (value === null) return cacheNull ? nullTtlMs : undefined;
        return ttlMs;
      },
    });
  }

  private engineOf(options: { namespace?: string; version?: CacheVersion }): NamespaceEngine {
    let engine = this.engines.get(options);
    if (engine === undefined) this.engines.set(options, (engine = this.registry.engineFor(options)));
    return engine;
  }

  /** A method's refresh/stale policy, resolved at its first call (its options and namespace never change). */
  private staleOf(engine: NamespaceEngine, cacheName: string, options: CacheableOptions): EntryPolicy {
    let policy = this.policies.get(options);
    if (policy === undefined) {
      policy = engine.reads.policyFor(options, (option) => `@Cacheable on ${cacheName} option "${option}"`);
      this.policies.set(options, policy);
    }
    return policy;
  }

  async put(cacheName: string, options: CachePutOptions, self: object, args: unknown[], original: Method): Promise<unknown> {
    const result = await original.apply(self, args);
    if (result === undefined || (options.condition && !options.condition(...args)) || options.unless?.(result)) return result;
    const key = keyOf(options.key, cacheName, args);
    if (key instanceof KeyRefusal) {
      this.uncacheable.report(this.engineOf(options), 'CachePut', cacheName, key);
      return result;
    }
    try {
      const tags = options.tags === undefined ? undefined : tagsOfPut(options.tags, result, cacheName, key, args);
      await this.engineOf(options).ops.set(key, result, { ttl: options.ttl, tags });
    } catch (error) {
      this.logger.warn(`put:${cacheName}`, `@CachePut ${cacheName} could not store "${key}": ${(error as Error).message}`);
    }
    return result;
  }

  /** Invalidates what the arguments name before or after the method (`before`), and what its result names after it. */
  async invalidate(cacheName: string, options: CacheInvalidateOptions, self: object, args: unknown[], original: Method): Promise<unknown> {
    const engine = this.engineOf(options);
    if (options.before) await this.remove(engine, cacheName, options, args, undefined);
    const result = await original.apply(self, args); // a throwing method invalidates nothing afterwards
    await this.remove(engine, cacheName, options, args, { value: result });
    return result;
  }

  /**
   * One invalidation point: before the method (`after` undefined) or after it succeeded. Keys and tags are separate
   * calls, each of which may fail alone; a failure is logged (and counted by the namespace), never thrown: the method's
   * own work succeeded, and stale entries expire with their TTL.
   */
  private async remove(
    engine: NamespaceEngine,
    cacheName: string,
    options: CacheInvalidateOptions,
    args: unknown[],
    after: { value: unknown } | undefined,
  ): Promise<void> {
    const fromArgs = (after === undefined) === (options.before === true); // keys, tags and all run at one of the two points
    if (options.all) return fromArgs ? this.attempt(cacheName, 'keys', () => engine.invalidations.clear()) : undefined;
    const keys = () => [
      ...asList(fromArgs ? (typeof options.keys === 'function' ? options.keys(...args) : options.keys) : undefined),
      ...asList(after ? options.resultKeys?.(after.value, ...args) : undefined),
    ];
    // The arguments' and the result's tags in one invalidateTags call: two round trips, whatever their number.
    const tags = () => [
      ...asList(fromArgs ? options.tags?.(...args) : undefined),
      ...asList(after ? options.resultTags?.(after.value, ...args) : undefined),
    ];
    await Promise.all([
      this.attempt(cacheName, 'keys', async () => {
        const list = keys();
        if (list.length > 0) await engine.invalidations.invalidate(list);
      }),
      this.attempt(cacheName, 'tags', async () => {
        const list = tags();
        if (list.length > 0) await engine.invalidations.invalidateTags(list);
      }),
    ]);
  }

  /** Runs one invalidation; a failure (a Redis error, a bad key or tag, a throwing function of the options) is logged, not thrown. */
  private async attempt(cacheName: string, what: 'keys' | 'tags', work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      const [category, failure] =
        what === 'keys' ? ['invalidate', 'could not invalidate'] : ['invalidateTags', 'could not invalidate tags'];
      this.logger.warn(`${category}:${cacheName}`, `@CacheInvalidate ${cacheName} ${failure}: ${(error as Error).message}`);
    }
  }
}

/** The call's key: the decorator's, or the default one (or why the default key refuses the arguments). */
function keyOf(key: CacheableOptions['key'], cacheName: string, args: unknown[]): string | KeyRefusal {
  if (typeof key === 'function') return key(...args);
  return key ?? defaultMethodKey(cacheName, args);
}

/**
 * A @Cacheable call's tags as read-through takes them: from the arguments now (validated here, before the method
 * runs), or from the result once it is loaded (validated then: a bad one fails the call, nothing stored).
 */
function methodTags(
  tags: CacheableTags | undefined,
  cacheName: string,
  key: string,
  args: unknown[],
): TagSource<unknown> | undefined {
  if (tags === undefined) return undefined;
  if (typeof tags !== 'function') return { fromValue: (value) => userTags(() => tags.fromResult(value, ...args), cacheName, key) };
  const known = userTags(() => tags(...args), cacheName, key);
  return tagSourceOf(known, key);
}

function tagsOfPut(tags: CacheableTags, result: unknown, cacheName: string, key: string, args: unknown[]): readonly string[] {
  return userTags(() => (typeof tags === 'function' ? tags(...args) : tags.fromResult(result, ...args)), cacheName, key);
}

/**
 * Runs a tags function of the user's. A throw becomes a CacheError naming the method: read-through would otherwise
 * count a throwing fromResult as a Redis failure and serve the value unstored, hiding the bug.
 */
function userTags(run: () => readonly string[], cacheName: string, key: string): readonly string[] {
  try {
    return run();
  } catch (error) {
    if (error instanceof CacheError) throw error;
    throw new CacheError('getOrSet', key, `the tags function of ${cacheName} threw: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
      reason: 'invalid_input',
    });
  }
}

function asList<T extends string>(items: T | readonly T[] | undefined): T[] {
  return items === undefined ? [] : typeof items === 'string' ? [items] : [...items];
}
