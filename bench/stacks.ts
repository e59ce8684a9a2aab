import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import KeyvRedis from '@keyv/redis';
import { createCache } from 'cache-manager';
import { Redis, type RedisOptions } from 'ioredis';
import { Keyv } from 'keyv';
import { Cache, CacheManager, CacheModule, type CompressionOption } from '@datapunk/nestjs-cache';

/** Same TTL everywhere (CacheManager's default '5m'), so every stack sends the same kind of SET. */
export const TTL_MS = 300_000;

/** The operations the workloads need, in the shape each stack's users would call them. */
export interface Stack {
  readonly name: string;
  /** Raw ioredis rows are the floor that ratios are computed against. */
  readonly isRaw: boolean;
  /** The workloads (by name) this stack runs; all when absent. */
  readonly only?: readonly string[];
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
  getOrSet(key: string, loader: () => unknown): Promise<unknown>;
  mget(keys: string[]): Promise<unknown[]>;
  /** Errors the stack swallowed (cache-manager/Keyv turn store failures into misses); must stay 0. */
  swallowedErrors(): number;
  close(): Promise<void>;
}

/**
 * Plain ioredis plus JSON: what a hand-written cache costs. Keys get a prefix like the
 * other stacks so each stack owns its own keys and the key-building work is comparable.
 */
export async function rawIoredis(url: string, autoPipelining: boolean, options: RedisOptions = {}): Promise<Stack> {
  const client = new Redis(url, { ...options, enableAutoPipelining: autoPipelining, lazyConnect: true });
  await client.connect();
  const prefix = autoPipelining ? 'rawap:' : 'raw:';
  const parse = (raw: string | null): unknown => (raw === null ? undefined : JSON.parse(raw));
  return {
    name: autoPipelining ? 'raw ioredis + autoPipelining' : 'raw ioredis',
    isRaw: true,
    get: async (key) => parse(await client.get(prefix + key)),
    set: (key, value) => client.set(prefix + key, JSON.stringify(value), 'PX', TTL_MS),
    // The hand-written read-through: GET, and only on a miss load and SET.
    async getOrSet(key, loader) {
      const raw = await client.get(prefix + key);
      if (raw !== null) return JSON.parse(raw);
      const value = await loader();
      await client.set(prefix + key, JSON.stringify(value), 'PX', TTL_MS);
      return value;
    },
    mget: async (keys) => (await client.mget(keys.map((key) => prefix + key))).map(parse),
    swallowedErrors: () => 0,
    close: async () => void (await client.quit()),
  };
}

/** A non-default configuration of this package, run only on some workloads (its own application and namespace). */
export interface PackageVariant {
  /** Appended to the stack's name, e.g. `compression: false`. */
  label: string;
  namespace: string;
  compression: CompressionOption;
  only: readonly string[];
}

/**
 * This package, obtained exactly as an application gets it: Nest boots the module and injects the manager.
 * Without `variant`, the module's defaults (as an application that sets only namespace and redis).
 */
export async function nestjsCache(
  url: string,
  variant?: PackageVariant,
  connection: { namespace?: string; options?: RedisOptions; operationTimeout?: number } = {},
): Promise<Stack> {
  const options = variant
    ? { namespace: variant.namespace, compression: variant.compression }
    : { namespace: connection.namespace ?? 'bench' };
  const redis = { url, options: connection.options };
  const app = await NestFactory.createApplicationContext(
    CacheModule.forRoot({ ...options, redis, operationTimeout: connection.operationTimeout }),
    {
      logger: false,
    },
  );
  const cache = app.get(CacheManager);
  return {
    name: variant ? `@datapunk/nestjs-cache, ${variant.label}` : '@datapunk/nestjs-cache',
    isRaw: false,
    only: variant?.only,
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, loader) => cache.getOrSet(key, loader),
    mget: (keys) => cache.mget(keys),
    swallowedErrors: () => 0, // direct operations reject, and the bench lets them abort the run
    close: () => app.close(),
  };
}

/**
 * This package through the @nestjs/cache-manager API (issue 12): `CacheModule.register()` and the injected `Cache`,
 * called as the peer's users call it (`wrap` for read-through), so its cost over CacheManager shows in the same table.
 */
export async function nestjsCacheCompat(url: string): Promise<Stack> {
  const app = await NestFactory.createApplicationContext(CacheModule.register({ namespace: 'bench-compat', redis: { url } }), {
    logger: false,
  });
  const cache = app.get(Cache);
  return {
    name: '@datapunk/nestjs-cache via Cache (register)',
    isRaw: false,
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, loader) => cache.wrap(key, loader),
    mget: (keys) => cache.mget(keys),
    swallowedErrors: () => 0, // a Redis failure would read as a miss here: the bench's server does not fail
    close: () => app.close(),
  };
}

/** What @nestjs/cache-manager users run underneath: cache-manager 7 over Keyv 5 over @keyv/redis 5 (node-redis). */
export async function cacheManagerKeyv(url: string): Promise<Stack> {
  const keyv = new Keyv({ store: new KeyvRedis(url) });
  // Keyv turns store failures into 'error' events and misses: count them so the run can refuse to report them as speed.
  let swallowed = 0;
  keyv.on('error', () => void swallowed++);
  const cache = createCache({ stores: [keyv], ttl: TTL_MS });
  return {
    name: 'cache-manager 7 + keyv/redis',
    isRaw: false,
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, loader) => cache.wrap(key, loader),
    mget: (keys) => cache.mget(keys),
    swallowedErrors: () => swallowed,
    close: async () => void (await cache.disconnect()),
  };
}
