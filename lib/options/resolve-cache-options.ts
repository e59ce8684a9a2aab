import type { Registry } from 'prom-client';
import { CacheError } from '../kernel/cache-error.js';
import { assertValidNamespace } from '../kernel/cache-keys.js';
import type { EntryCodecSettings } from '../entry/entry-codec.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { CacheModuleOptions, CacheRedisOptions, ResolvedCacheOptions, ResolvedRedisOptions } from './cache-options.js';
import { NO_EXPIRY, parseEntryTtl, parseTtl } from '../kernel/ttl.js';
import { assertNoExpiryAllowed } from '../entry/entry-ttl.js';
import { DEFAULT_COMPRESSION, resolveEncoding } from './resolve-encoding.js';
import { DEFAULT_PENDING } from '../invalidation/pending-invalidations.js';
import { DEFAULT_FAILED_LOADER_THROTTLE_MS, NO_STALE_POLICY, type StalePolicy } from '../entry/stale-policy.js';
import { hasStaleOptions, resolveStalePolicy } from './resolve-stale-policy.js';
import { resolveL1 } from './resolve-l1.js';
import { resolveNamespaceVersions } from './resolve-namespace-versions.js';
import { resolveFootprint, resolveRedisInfo } from './resolve-monitoring.js';
import { resolveHealthOptions } from './resolve-health-options.js';
import { resolveHttpOptions } from './resolve-http-options.js';
import { resolveRedisUrl } from './resolve-redis-url.js';
import { redactedWhenPrinted } from './redacted-redis-options.js';
import { refuseLegacyStore } from './legacy-store.js';

const DEFAULT_TTL = '5m';
const DEFAULT_MEMORY_MAX_ENTRIES = 10_000;
const DEFAULT_OPERATION_TIMEOUT_MS = 250;
const DEFAULT_MAX_VALUE_BYTES = 5 * 1024 * 1024;
const DEFAULT_MAX_RUNTIME_NAMESPACES = 100;

/** Validates the module options once, failing the boot with a message that names the option. */
export function resolveCacheOptions(options: CacheModuleOptions | undefined): ResolvedCacheOptions {
  if (options === null || typeof options !== 'object') {
    throw configError(`CacheModule options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  assertValidNamespace(options.namespace);
  const memoryMaxEntries = positiveInteger('memoryMaxEntries', options.memoryMaxEntries ?? DEFAULT_MEMORY_MAX_ENTRIES);
  const maxValueBytes = positiveInteger('maxValueBytes', options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES);
  const encodingDefaults = {
    serializer: options.serializer ?? 'json',
    compression: options.compression ?? DEFAULT_COMPRESSION,
    maxValueBytes,
    msgpackTypes: options.msgpackTypes ?? [],
  };
  const stalePolicy = resolveStalePolicy(
    options,
    {
      ...NO_STALE_POLICY,
      failedLoaderThrottleMs: parseTtl(
        options.failedLoaderThrottle ?? DEFAULT_FAILED_LOADER_THROTTLE_MS,
        'configure',
        undefined,
        'option "failedLoaderThrottle"',
      ),
    },
    (option) => `option "${option}"`,
  );
  refuseLegacyStore(options.store);
  if (options.redis !== undefined && options.store !== undefined) throw configError('options "redis" and "store" contradict each other: give one');
  const defaultTtlMs = parseEntryTtl(options.defaultTtl ?? DEFAULT_TTL, 'configure', undefined, 'option "defaultTtl"');
  if (defaultTtlMs === NO_EXPIRY) assertNoExpiryAllowed(stalePolicy, 'configure', undefined, `option "defaultTtl" 'never'`);
  const l1 = resolveL1(options.l1, 'l1');
  const namespaceVersions = resolveNamespaceVersions(options);
  return {
    namespace: options.namespace,
    version: namespaceVersions.get(options.namespace),
    namespaceVersions,
    redis: options.redis === undefined ? undefined : resolveRedis(options.redis),
    store: resolveStore(options.store),
    defaultTtlMs,
    encoding: resolveEncoding(encodingDefaults.serializer, encodingDefaults.compression, maxValueBytes, 'option ', encodingDefaults.msgpackTypes),
    namespaceEncodings: resolveNamespaces(options.namespaces, encodingDefaults),
    configuredNamespaces: new Set([options.namespace, ...Object.keys(options.namespaces ?? {})]),
    maxRuntimeNamespaces: nonNegativeInteger('maxRuntimeNamespaces', options.maxRuntimeNamespaces ?? DEFAULT_MAX_RUNTIME_NAMESPACES),
    encodingDefaults,
    memoryMaxEntries,
    failOnStartup: optionalBoolean('failOnStartup', options.failOnStartup) ?? false,
    lock: resolveLock(options.lock),
    operationTimeoutMs: parseTtl(
      options.operationTimeout ?? DEFAULT_OPERATION_TIMEOUT_MS,
      'configure',
      undefined,
      'option "operationTimeout"',
    ),
    circuitBreaker: resolveCircuitBreaker(options.circuitBreaker),
    maxValueBytes,
    invalidationQueue: resolveInvalidationQueue(options.invalidationQueue),
    required: optionalBoolean('required', options.required) ?? false,
    health: resolveHealthOptions(options.health),
    http: resolveHttpOptions(options.http),
    stalePolicy,
    namespacePolicies: resolveNamespacePolicies(options.namespaces, stalePolicy),
    warming: resolveWarming(options.warming),
    l1,
    namespaceL1: new Map(
      Object.entries(options.namespaces ?? {}).map(([namespace, settings]) => [
        namespace,
        resolveL1(settings?.l1, `namespaces.${namespace}.l1`, l1),
      ]),
    ),
    footprint: resolveFootprint(options.footprint),
    redisInfo: resolveRedisInfo(options.redisInfo),
    metricsRegistry: resolveMetricsRegistry(options.metrics),
  };
}

function resolveNamespacePolicies(namespaces: CacheModuleOptions['namespaces'], base: StalePolicy): ReadonlyMap<string, StalePolicy> {
  const resolved = new Map<string, StalePolicy>();
  for (const [namespace, settings] of Object.entries(namespaces ?? {})) {
    if (hasStaleOptions(settings))
      resolved.set(
        namespace,
        resolveStalePolicy(settings, base, (option) => `option "namespaces.${namespace}.${option}"`),
      );
  }
  return resolved;
}

function resolveWarming(warming: CacheModuleOptions['warming']): ResolvedCacheOptions['warming'] {
  if (warming !== undefined && (warming === null || typeof warming !== 'object'))
    throw configError(
      `option "warming" must be { blockBoot?, concurrency?, singleInstance?, skipIfFresh?, lockTtl? }, got ${JSON.stringify(warming)}`,
    );
  return {
    blockBoot: optionalBoolean('warming.blockBoot', warming?.blockBoot) ?? false,
    concurrency: positiveInteger('warming.concurrency', warming?.concurrency ?? 16),
    singleInstance: optionalBoolean('warming.singleInstance', warming?.singleInstance) ?? true,
    skipIfFresh: optionalBoolean('warming.skipIfFresh', warming?.skipIfFresh) ?? true,
    lockTtlMs: parseTtl(warming?.lockTtl ?? '5m', 'configure', undefined, 'option "warming.lockTtl"'),
  };
}

/** The app's prom-client Registry, checked for what registering and reusing a metric needs. */
function resolveMetricsRegistry(metrics: CacheModuleOptions['metrics']): Registry | undefined {
  if (metrics === undefined) return undefined;
  if (metrics === null || typeof metrics !== 'object') throw configError('option "metrics" must be { registry? }');
  const registry = metrics.registry as Partial<Registry> | undefined;
  if (registry === undefined) return undefined;
  if (registry === null || typeof registry.getSingleMetric !== 'function' || typeof registry.registerMetric !== 'function') {
    throw configError('option "metrics.registry" must be a prom-client Registry (new Registry() from prom-client)');
  }
  return registry as Registry;
}

function resolveInvalidationQueue(queue: CacheModuleOptions['invalidationQueue']): ResolvedCacheOptions['invalidationQueue'] {
  if (queue !== undefined && (queue === null || typeof queue !== 'object'))
    throw configError(`option "invalidationQueue" must be { maxEntries?, maxKeys?, maxBytes?, maxAge? }, got ${JSON.stringify(queue)}`);
  return {
    ...DEFAULT_PENDING,
    maxEntries: positiveInteger('invalidationQueue.maxEntries', queue?.maxEntries ?? DEFAULT_PENDING.maxEntries),
    maxKeys: positiveInteger('invalidationQueue.maxKeys', queue?.maxKeys ?? DEFAULT_PENDING.maxKeys),
    maxBytes: positiveInteger('invalidationQueue.maxBytes', queue?.maxBytes ?? DEFAULT_PENDING.maxBytes),
    maxAgeMs: parseTtl(queue?.maxAge ?? DEFAULT_PENDING.maxAgeMs, 'configure', undefined, 'option "invalidationQueue.maxAge"'),
  };
}

function resolveNamespaces(
  namespaces: CacheModuleOptions['namespaces'],
  defaults: ResolvedCacheOptions['encodingDefaults'],
): ResolvedCacheOptions['namespaceEncodings'] {
  const resolved = new Map<string, EntryCodecSettings>();
  if (namespaces === undefined) return resolved;
  if (namespaces === null || typeof namespaces !== 'object') throw configError('option "namespaces" must be an object of namespace names');
  for (const [namespace, settings] of Object.entries(namespaces)) {
    assertValidNamespace(namespace, `option "namespaces" key`);
    const where = `option "namespaces.${namespace}." `;
    resolved.set(
      namespace,
      resolveEncoding(
        settings?.serializer ?? defaults.serializer,
        settings?.compression ?? defaults.compression,
        defaults.maxValueBytes,
        where,
        settings?.msgpackTypes ?? defaults.msgpackTypes,
      ),
    );
  }
  return resolved;
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

function resolveCircuitBreaker(breaker: CacheModuleOptions['circuitBreaker']): ResolvedCacheOptions['circuitBreaker'] {
  if (breaker === false) return undefined;
  if (breaker !== undefined && (typeof breaker !== 'object' || breaker === null))
    throw configError(`option "circuitBreaker" must be false or { failureThreshold?, cooldown? }, got ${JSON.stringify(breaker)}`);
  return {
    failureThreshold: positiveInteger('circuitBreaker.failureThreshold', breaker?.failureThreshold ?? 5),
    cooldownMs: parseTtl(breaker?.cooldown ?? '1s', 'configure', undefined, 'option "circuitBreaker.cooldown"'),
  };
}

function optionalBoolean(option: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw configError(`option "${option}" must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function nonNegativeInteger(option: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw configError(`option "${option}" must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function positiveInteger(option: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw configError(`option "${option}" must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

/** `lock: true` (or `{ enabled: true, … }`) turns it on for every read-through; the object's settings also serve per-call locks. */
function resolveLock(lock: CacheModuleOptions['lock']): ResolvedCacheOptions['lock'] {
  if (lock !== undefined && typeof lock !== 'boolean' && (typeof lock !== 'object' || lock === null))
    throw configError(`option "lock" must be a boolean or { enabled?, ttl?, maxWait? }, got ${JSON.stringify(lock)}`);
  const settings = typeof lock === 'object' ? lock : { enabled: lock === true };
  return {
    enabled: optionalBoolean('lock.enabled', settings.enabled) ?? false,
    ttlMs: parseTtl(settings.ttl ?? '10s', 'configure', undefined, 'option "lock.ttl"'),
    maxWaitMs: parseTtl(settings.maxWait ?? '5s', 'configure', undefined, 'option "lock.maxWait"'),
    pollMs: 20,
  };
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

function configError(message: string): CacheError {
  return new CacheError('configure', undefined, message);
}
