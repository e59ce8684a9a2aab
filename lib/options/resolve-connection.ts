import type { CacheStore } from '../stores/cache-store.interface.js';
import type { CacheMemoryOptions, CacheModuleOptions, CacheRedisOptions, ConnectionSettings, ResolvedRedisOptions } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { conceptObject, configError, positiveInteger } from './option-checks.js';
import { refuseLegacyStore } from './legacy-store.js';
import { resolveRedisUrl } from './resolve-redis-url.js';
import { redactedWhenPrinted } from './redacted-redis-options.js';

/** Where the cache lives: `redis`, a `store` of the user's, or the embedded store (`memory`); validated at boot. */
export function resolveConnection(
  options: Pick<CacheModuleOptions, 'redis' | 'store'> & { memory?: CacheMemoryOptions },
  name: (setting: string) => string,
): ConnectionSettings {
  refuseLegacyStore(options.store);
  if (options.redis !== undefined && options.store !== undefined) throw configError('options "redis" and "store" contradict each other: give one');
  const memory = conceptObject('memory', options.memory, '{ maxEntries? }');
  return {
    redis: options.redis === undefined ? undefined : resolveRedis(options.redis),
    store: resolveStore(options.store),
    memoryMaxEntries: positiveInteger(name('memory.maxEntries'), memory.maxEntries ?? CACHE_DEFAULTS.memory.maxEntries),
  };
}

const STORE_METHODS = [
  'get',
  'mget',
  'set',
  'mset',
  'delete',
  'has',
  'ttl',
  'deletePrefix',
  'acquireLock',
  'releaseLock',
  'ensureTokens',
  'replaceTokens',
  'extendTokens',
  'putToken',
  'connect',
  'close',
] as const;

function resolveStore(store: CacheStore | undefined): CacheStore | undefined {
  if (store === undefined) return undefined;
  const missing = STORE_METHODS.filter((method) => typeof (store as unknown as Record<string, unknown>)?.[method] !== 'function');
  if (missing.length > 0 || typeof store?.kind !== 'string') {
    throw configError(`option "store" must implement CacheStore: missing ${[...missing, ...(typeof store?.kind === 'string' ? [] : ['kind'])].join(', ')}`);
  }
  return store;
}

function resolveRedis(redis: CacheRedisOptions): ResolvedRedisOptions {
  if (redis === null || typeof redis !== 'object') throw configError('option "redis" must be an object');
  const given = (['url', 'client', 'cluster', 'sentinels'] as const).filter((name) => redis[name] !== undefined);
  if (redis.host !== undefined || redis.port !== undefined) given.push('host/port' as never);
  if (given.length > 1) {
    throw configError(`options ${given.map((name) => `"redis.${name}"`).join(' and ')} contradict each other: give one`);
  }
  if (redis.client !== undefined) {
    if (redis.options !== undefined)
      throw configError('option "redis.options" cannot be used with "redis.client": configure your own client');
    return redactedWhenPrinted({ mode: 'client', client: redis.client });
  }
  if (redis.cluster !== undefined) {
    if (!Array.isArray(redis.cluster.nodes) || redis.cluster.nodes.length === 0) {
      throw configError('option "redis.cluster.nodes" must list at least one node');
    }
    if (redis.options !== undefined)
      throw configError(
        'option "redis.options" is not used with "redis.cluster": put ioredis options in "redis.cluster.options" (per node: its "redisOptions")',
      );
    return redactedWhenPrinted({ mode: 'cluster', nodes: redis.cluster.nodes, clusterOptions: { ...redis.cluster.options } });
  }
  if (redis.sentinels !== undefined) {
    if (!Array.isArray(redis.sentinels) || redis.sentinels.length === 0)
      throw configError('option "redis.sentinels" must list at least one sentinel');
    if (typeof redis.name !== 'string' || redis.name === '')
      throw configError('option "redis.name" (the Sentinel master name) is required with "redis.sentinels"');
    return redactedWhenPrinted({ mode: 'sentinel', options: { ...redis.options, sentinels: redis.sentinels, name: redis.name } });
  }
  if (redis.name !== undefined) throw configError('option "redis.name" is only used with "redis.sentinels"');
  if (redis.url !== undefined) {
    const address = resolveRedisUrl(redis.url);
    return redactedWhenPrinted({ mode: 'url', url: redis.url as string, options: { ...redis.options } }, address);
  }
  // `redis: {}` names nothing; `redis: { options: { password } }` is ioredis's own default address, as ioredis reads it.
  if (redis.host === undefined && redis.port === undefined && Object.keys(redis.options ?? {}).length === 0) {
    throw configError(
      'option "redis" names no server: give "url", "host"/"port", "client", "cluster" or "sentinels" (or leave "redis" out for the embedded store)',
    );
  }
  return redactedWhenPrinted({
    mode: 'standalone',
    options: { ...redis.options, host: redis.host ?? redis.options?.host, port: redisPort(redis.port) ?? redis.options?.port },
  });
}

/** A port number, or a string of digits (an environment variable, as ioredis itself takes it). */
function redisPort(port: unknown): number | undefined {
  if (port === undefined) return undefined;
  const number = typeof port === 'string' && /^\d{1,5}$/.test(port) ? Number(port) : port;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 65535) {
    throw configError(`option "redis.port" must be a port number (or a string of digits), got ${JSON.stringify(port)}`);
  }
  return number;
}
