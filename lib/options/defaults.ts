const MiB = 1024 * 1024;

/**
 * Every default of `CacheModule.forRoot()`, in one place, as a user would write it (TTLs as given, not in ms). The
 * option interfaces repeat each value in an `@default` line (test/options/defaults.spec.ts holds them to this object);
 * the resolvers read no other default.
 */
export const CACHE_DEFAULTS = {
  version: undefined,
  redis: undefined,
  store: undefined,
  namespaces: undefined,
  maxRuntimeNamespaces: 100,
  memory: { maxEntries: 10_000 },
  policy: {
    ttl: '5m',
    ttlJitter: 0,
    refreshAhead: false,
    staleWhileRevalidate: false,
    staleIfError: false,
    loaderTimeout: false,
    lock: { enabled: false, ttl: '10s', maxWait: '5s' },
    failedLoaderThrottle: '10s',
  },
  entries: {
    serializer: 'json',
    msgpackTypes: [],
    compression: { threshold: 4096, algorithm: 'deflate', maxDecodedBytes: 64 * MiB },
    maxValueBytes: 5 * MiB,
  },
  resilience: {
    operationTimeout: 250,
    circuitBreaker: { failureThreshold: 5, cooldown: '1s' },
    invalidationQueue: { maxEntries: 10_000, maxKeys: 100_000, maxBytes: 16 * MiB, maxAge: '5m' },
    failOnStartup: false,
  },
  l1: undefined,
  tags: { tokenMemo: false },
  warming: { blockBoot: false, concurrency: 16, singleInstance: true, skipIfFresh: true, lockTtl: '5m' },
  monitoring: { registry: undefined, footprint: false, redisInfo: false },
  health: { required: false, timeout: '1s', memoryThreshold: 0.9 },
  http: { credentialHeaders: [], varySecret: undefined },
  /** The settings of what is off by default, once turned on (`true`, `{}`). */
  whenOn: {
    refreshAhead: { beta: 1 },
    footprint: { interval: '1m' },
    redisInfo: { interval: '30s' },
    tokenMemo: { maxStaleness: '2s' },
    l1: { maxEntries: 10_000, maxBytes: 64 * MiB, ttl: '1m', maxStaleness: '2s', coherence: 'auto', clone: false },
  },
} as const;
