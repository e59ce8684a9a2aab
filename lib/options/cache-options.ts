import type { KeyObject } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions, SentinelAddress } from 'ioredis';
import type { EntryCodecSettings } from '../entry/entry-codec.js';
import type { CacheSerializer } from '../serialization/cache-serializer.interface.js';
import type { CompressionAlgorithm } from '../serialization/compression/compressor.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { PendingSettings } from '../invalidation/pending-invalidations.js';
import type { Ttl } from '../kernel/ttl.js';
import type { StalePolicy } from '../entry/stale-policy.js';
import type { CacheVersion } from '../kernel/cache-version.js';
import type { L1Settings } from '../l1/l1-settings.js';
import type { ResolvedRedisOptions } from '../stores/redis/redis-options.js';

/** Options of `CacheModule.forRoot()` / `forRootAsync()`. Validated once, at startup. */
export interface CacheModuleOptions {
  /** Prefix of every key of this service (`<namespace>:<key>`). Required: letters, digits, `_`, `.`, `-`. */
  namespace: string;
  /**
   * Version of the cached shape in `namespace`: keys become `<namespace>:v<version>:<key>`, so after a deploy that
   * changes it no entry of the old shape is read (remove those with `clearVersion`). A non-negative integer or a short
   * string (letters, digits, `_`, `.`, `-`). Other namespaces take theirs from `namespaces`. Default: none (`<namespace>:<key>`).
   */
  version?: CacheVersion;
  /** Where the cache lives. Default: none, which selects the embedded in-process store (for local runs). */
  redis?: CacheRedisOptions;
  /**
   * TTL of entries set without one: milliseconds, `'30s'`/`'5m'`/`'1h'`, or `'never'` (no expiry; not with module-wide
   * `refreshAhead` / `staleWhileRevalidate` / `staleIfError`, which need an expiry).
   * @default '5m' (`CacheModule.register()` without `ttl`: `'never'`, as @nestjs/cache-manager)
   */
  defaultTtl?: Ttl;
  /**
   * How values become bytes: `'json'` (strict: refuses what JSON would change), `'msgpack'` (msgpackr: keeps
   * Date, Map, Set, BigInt, typed arrays, `undefined` in arrays) or your own CacheSerializer. Entries record
   * which one wrote them, so a namespace can switch without a flag day. Default: `'json'`.
   */
  serializer?: SerializerOption;
  /**
   * Types beyond plain data that msgpack entries may hold: `'RegExp'`, `'Error'`. Off unless named here, for writes
   * and reads alike: a read rebuilds them from whatever bytes are in Redis (a pattern chosen by anyone who can write
   * there, an Error the code never threw), so an entry holding one the namespace does not allow is corrupt (a miss,
   * counted and removed). Shared or cyclic references are never stored or read. Default: `[]`.
   */
  msgpackTypes?: ReadonlyArray<'RegExp' | 'Error'>;
  /**
   * Compress values whose serialized size reaches `threshold` bytes; smaller ones are stored as they are.
   * `false` turns it off for writes (compressed entries are still read). Default: `{ threshold: 1024, algorithm: 'deflate' }`.
   */
  compression?: CompressionOption;
  /** Serializer, compression and version per namespace (for `withNamespace(name)` and decorators' `namespace`). Default: none. */
  namespaces?: Record<string, NamespaceOptions>;
  /**
   * Most namespaces `withNamespace` (and decorators' `namespace`) may create besides `namespace` and those in
   * `namespaces` (each at its configured version); another version of a namespace counts as one more. A namespace lives
   * as long as the module (its metric series, counters and in-process tier with it), so the number is bounded: past it,
   * `withNamespace` throws a CacheError. `0` allows only the configured ones.
   * @default 100
   */
  maxRuntimeNamespaces?: number;
  /** Bring your own backend instead of `redis` (it gets the circuit breaker and the metrics). Default: none. */
  store?: CacheStore;
  /** Entry limit of the embedded in-process store. Default: `10_000`. */
  memoryMaxEntries?: number;
  /**
   * Cross-process stampede protection for read-through calls: on a miss one instance takes a Redis
   * lock and runs the loader while the others poll for its value. `true` turns it on for every
   * `getOrSet` and `@Cacheable`; per call, `{ lock: true }`. Default: off, with `ttl: '10s'`, `maxWait: '5s'`.
   */
  lock?: boolean | { enabled?: boolean; ttl?: Ttl; maxWait?: Ttl };
  /**
   * The longest any call waits on Redis (ioredis `commandTimeout`); past it, read-through calls
   * serve the loader's value and direct calls reject with a CacheError. Default: `250` (ms).
   */
  operationTimeout?: Ttl;
  /**
   * After `failureThreshold` consecutive Redis failures, stop sending commands for `cooldown`
   * (read-through goes straight to the loader), then let one probe decide. `false` turns it off.
   * Default: `{ failureThreshold: 5, cooldown: '1s' }`.
   */
  circuitBreaker?: false | { failureThreshold?: number; cooldown?: Ttl };
  /** Largest entry `set` stores, in bytes after compression; larger is a CacheError naming both sizes. Default: 5 MiB. */
  maxValueBytes?: number;
  /**
   * Invalidations (keys, prefixes, tags, clear) that fail because Redis is unreachable are kept, in order, and applied
   * once it answers; until then what they cover is not served from the cache. A replay removes only entries created
   * before the failed call (plus 1 s for clock skew between hosts), so a write made since survives it.
   * Default: `{ maxEntries: 10_000, maxKeys: 100_000, maxBytes: 16 MiB, maxAge: '5m' }`.
   */
  invalidationQueue?: InvalidationQueueOptions;
  /** Fail the application's boot when the first PING to Redis fails. Default: `false` (log and keep serving). */
  failOnStartup?: boolean;
  /**
   * Where the metrics are registered: `registry`, a prom-client `Registry` the app serves (one it gives
   * PrometheusModule's controller, say). Default: prom-client's default registry, through @willsoto/nestjs-prometheus's
   * providers when it is installed.
   */
  metrics?: { registry?: Registry };
  /**
   * Refresh-ahead, stale serving, loader timeout and TTL jitter for every read-through call (`getOrSet`, `@Cacheable`,
   * `getOrSetMany`, the interceptor) of the module; a namespace (`namespaces`) and a call may override each field.
   */
  refreshAhead?: StaleOptions['refreshAhead'];
  staleWhileRevalidate?: StaleOptions['staleWhileRevalidate'];
  staleIfError?: StaleOptions['staleIfError'];
  loaderTimeout?: StaleOptions['loaderTimeout'];
  ttlJitter?: StaleOptions['ttlJitter'];
  /**
   * After a loader fails with a stale value to serve (staleIfError), the key's loader is not called again for this long:
   * in this process, and (through the key's stampede lock) in every instance. Default: `'10s'`.
   */
  failedLoaderThrottle?: Ttl;
  /** How `@CacheWarmer` methods run at startup. Default: `{ blockBoot: false, concurrency: 16, singleInstance: true, skipIfFresh: true, lockTtl: '5m' }`. */
  warming?: WarmingOptions;
  /**
   * An in-process tier in front of Redis for every namespace of the module (a namespace in `namespaces` may change
   * it or turn it off with `l1: false`), kept coherent by Redis's own invalidation messages. Default: off.
   */
  l1?: L1Options;
  /**
   * Estimate how many keys and bytes each namespace of the module holds in Redis (`cache_footprint_*` gauges,
   * `stats().footprint`), by sampling (RANDOMKEY + MEMORY USAGE, never a full SCAN of a large database). One instance of
   * the fleet samples per interval (a lock in the namespace) and shares its estimate with the others. Redis only; an ACL
   * user needs `+randomkey +dbsize +memory|usage`. Default: `false`; `{}` samples every `'1m'` (at least 1 s).
   */
  footprint?: false | { interval?: Ttl };
  /**
   * Read Redis INFO (used memory, maxmemory, evicted and expired keys, fragmentation) into `cache_redis_*` metrics, one
   * INFO per master per interval for the whole fleet. Redis only. Default: `false`; `{}` reads every `'30s'`.
   */
  redisInfo?: false | { interval?: Ttl };
  /**
   * The application cannot work without the cache: `CacheHealthIndicator` reports `down` (HTTP 503) while Redis is
   * unreachable or the circuit is open. Default: `false` (the cache fails open, and health reports `degraded`).
   */
  required?: boolean;
  /** `CacheHealthIndicator` settings. Default: `{ timeout: '1s', memoryThreshold: 0.9 }`. */
  health?: CacheHealthOptions;
  /** `CacheInterceptor` settings: which request headers are credentials, and the secret credential keys are hashed with. */
  http?: CacheHttpOptions;
}

/** How the CacheInterceptor treats credentials. */
export interface CacheHttpOptions {
  /**
   * Request headers that carry credentials, besides Authorization, Cookie, Proxy-Authorization and X-Api-Key (always
   * credentials): a request carrying one is neither served from nor stored in the cache, unless the route varies on it
   * (`@CacheVary('<header>')`, or a vary function). Case-insensitive header names.
   * @default []
   */
  credentialHeaders?: string[];
  /**
   * Secret of the HMAC-SHA256 that hashes credential headers into a key (`@CacheVary('authorization')`), so a key read
   * from Redis cannot be tested against guessed passwords offline. At least 16 bytes; give every instance the same one,
   * or they do not share per-credential entries.
   * @default none: a random secret per process (per-credential entries are not shared between instances; warned once)
   */
  varySecret?: string | Buffer;
}

/**
 * The in-process tier (L1). Values it returns are shared between callers: do not mutate them, or set `clone`.
 * Every instance receives every key change under a namespace with L1 on (one message per write).
 */
export interface L1Options {
  /** Most entries kept in memory per namespace (nothing is allocated for them up front). Default: `10_000`. */
  maxEntries?: number;
  /**
   * Most bytes kept per namespace, counted as each entry's decoded size: its serialized value before compression,
   * plus its header. The heap a decoded value takes is that times a small factor (1× for strings, more for many
   * small objects). Default: `64 MiB`.
   */
  maxBytes?: number;
  /** Longest an entry stays in memory (never past its logical expiry). Default: `'1m'`. */
  ttl?: Ttl;
  /**
   * The staleness bound: no value is served from memory once a write to it was acknowledged this long ago,
   * whatever fails (connection lost, Redis hung, event loop blocked). Default: `'2s'`.
   */
  maxStaleness?: Ttl;
  /**
   * `'tracking'`: Redis invalidation messages (CLIENT TRACKING), required (unavailable is a boot error). `'ttl'`: no
   * messages, entries live at most `maxStaleness`. Default: tracking when Redis offers it, else ttl with one warning.
   */
  coherence?: 'tracking' | 'ttl';
  /**
   * Hand every caller its own copy (structuredClone per hit), for code that mutates cached values. A value it cannot
   * copy (nested deeper than structuredClone's stack) is a miss, counted as `cache_errors_total{operation="deserialize",
   * reason="uncloneable"}`. Default: `false`.
   */
  clone?: boolean;
}

/**
 * How read-through treats an entry's age. Entries record their logical expiry; Redis keeps them for the logical TTL plus
 * the longer stale window, and `ttl(key)` reports the logical remainder.
 */
export interface StaleOptions {
  /**
   * Refresh a hot key before it expires, in the background, while callers get the current value (XFetch: a read
   * refreshes with probability exp(−timeToExpiry / (loadTime·beta)); one refresh per key fleet-wide, under the key's
   * Redis lock). Larger `beta` refreshes earlier. `true` is `{ beta: 1 }`. Default: `false`.
   */
  refreshAhead?: boolean | { beta?: number };
  /** After the logical TTL, serve the old value for this long while one background load replaces it. Default: `false` (0). */
  staleWhileRevalidate?: Ttl | false;
  /**
   * After the logical TTL (and staleWhileRevalidate), callers wait for the loader; when it throws or passes
   * `loaderTimeout`, they get the old value if it expired less than this long ago. Default: `false` (0).
   */
  staleIfError?: Ttl | false;
  /**
   * Soft timeout of a load that has a stale value to fall back on (staleIfError): past it the caller gets the stale
   * value and the load goes on in the background, storing its value when it finishes. Default: `false` (none).
   */
  loaderTimeout?: Ttl | false;
  /** Spread each TTL by ± this fraction (`0.1`: ±10 %), so keys written together do not expire together. Default: `0`. */
  ttlJitter?: number;
}

/** Startup warming by `@CacheWarmer` methods. */
export interface WarmingOptions {
  /** Hold the application's boot (onApplicationBootstrap) until every warmer finished. Default: `false`. */
  blockBoot?: boolean;
  /** Loaders of one warmer running at once. Default: `16`. */
  concurrency?: number;
  /** One instance runs a warmer at a time (a Redis lock per warmer); the others skip it. Default: `true`. */
  singleInstance?: boolean;
  /** Leave entries that are still fresh (not past their logical TTL). Default: `true`. */
  skipIfFresh?: boolean;
  /** How long the singleInstance lock lives if its holder dies mid-warm (it is released when warming ends). Default: `'5m'`. */
  lockTtl?: Ttl;
}

export interface CacheHealthOptions {
  /** The longest a health check waits for Redis before answering without it. Default: `'1s'`. */
  timeout?: Ttl;
  /** Redis `used_memory / maxmemory` from which health reports `degraded` (0 < x ≤ 1). Default: `0.9`. */
  memoryThreshold?: number;
}

export type SerializerOption = 'json' | 'msgpack' | CacheSerializer;

export type CompressionOption =
  | false
  | {
      /** Serialized size, in bytes, from which a value is compressed. Default: `1024`. */
      threshold?: number;
      /** Default: `'deflate'` (zlib, level 6). Also `'gzip'`, `'brotli'` (quality 4), and `'lz4'` with the optional package `lz4-napi`. */
      algorithm?: CompressionAlgorithm;
      /** Largest value a read decompresses (a bigger one is a miss) and a write serializes. Default: 64 MiB. */
      maxDecodedBytes?: number;
    };

/** Settings one namespace may change; the rest it shares with the module. */
export interface NamespaceOptions extends StaleOptions {
  serializer?: SerializerOption;
  /** Types beyond plain data this namespace's msgpack entries may hold (see the module's option). Default: the module's. */
  msgpackTypes?: ReadonlyArray<'RegExp' | 'Error'>;
  compression?: CompressionOption;
  /** The in-process tier for this namespace: settings over the module's `l1`, or `false` to turn it off. Default: the module's. */
  l1?: L1Options | false;
  /** Version of the namespace's cached shape (`<namespace>:v<version>:`). Default: the `namespaces` option's, else none. */
  version?: CacheVersion;
}

/**
 * Give exactly one of: `url`, `host`/`port`, `client`, `cluster`, or `sentinels` + `name`.
 * `options` are ioredis options passed through (not used with `client` or `cluster`).
 */
export interface CacheRedisOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`. */
  url?: string;
  host?: string;
  /** A number, or a string of digits (as an environment variable gives it). */
  port?: number | string;
  /** An ioredis client you own: the module uses it and never closes it. */
  client?: Redis | Cluster;
  /** Redis Cluster seed nodes, with ioredis cluster options. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** Sentinel addresses; requires `name`, the monitored master's name. */
  sentinels?: Array<Partial<SentinelAddress>>;
  name?: string;
  /** Further ioredis options (password, db, tls, …). */
  options?: RedisOptions;
}

/** Declared by the connection it configures (stores sit below options). */
export type { ResolvedRedisOptions };

/** Bounds of the queue of invalidations kept while Redis is unreachable (`invalidationQueue`). */
export interface InvalidationQueueOptions {
  /**
   * Most failed calls kept. Past this, or past `maxKeys` or `maxBytes`, the queue collapses into one invalidation of the
   * whole namespace: nothing of it is served from the cache (reads go to the loaders, nothing is stored) until Redis
   * answers and every entry created before the last failed call is removed (the package's own keys stay). Counted in
   * `cache_invalidations_collapsed_total`.
   * @default 10_000
   */
  maxEntries?: number;
  /**
   * Most keys kept, summed over the kept calls (a prefix or a tag counts one).
   * @default 100_000
   */
  maxKeys?: number;
  /**
   * Most heap the kept calls may hold, in bytes, estimated from above (two bytes a character plus 128 a key).
   * @default 16 MiB (16_777_216)
   */
  maxBytes?: number;
  /**
   * Oldest invalidation kept: an older one is dropped (`cache_invalidations_dropped_total`, reason `age`) and its entries
   * may be served until their TTL. A collapsed queue is dropped once its latest call is this old.
   * @default '5m'
   */
  maxAge?: Ttl;
}

/** Options after validation: every default applied, every TTL in milliseconds. */
export interface ResolvedCacheOptions {
  namespace: string;
  /** The namespace's version, as it appears in keys; undefined when unversioned. */
  version?: string;
  /** The version each namespace gets when none is asked for (from `version` and `namespaces`). */
  namespaceVersions: ReadonlyMap<string, string>;
  redis?: ResolvedRedisOptions;
  defaultTtlMs: number;
  /** How the root namespace writes and reads entries. */
  encoding: EntryCodecSettings;
  /** The same for the namespaces configured in `namespaces`. */
  namespaceEncodings: ReadonlyMap<string, EntryCodecSettings>;
  /** The module's own namespace and those in `namespaces`: they never count against `maxRuntimeNamespaces`. */
  configuredNamespaces: ReadonlySet<string>;
  maxRuntimeNamespaces: number;
  /** The options encodings were resolved from, for `withNamespace(name, overrides)`. */
  encodingDefaults: {
    serializer: SerializerOption;
    compression: CompressionOption;
    maxValueBytes: number;
    msgpackTypes: CacheModuleOptions['msgpackTypes'];
  };
  store?: CacheStore;
  memoryMaxEntries: number;
  failOnStartup: boolean;
  lock: { enabled: boolean; ttlMs: number; maxWaitMs: number; pollMs: number };
  operationTimeoutMs: number;
  circuitBreaker: { failureThreshold: number; cooldownMs: number } | undefined;
  maxValueBytes: number;
  invalidationQueue: PendingSettings;
  /** The module's refresh/stale policy. */
  stalePolicy: StalePolicy;
  /** The same for the namespaces configured in `namespaces`. */
  namespacePolicies: ReadonlyMap<string, StalePolicy>;
  warming: { blockBoot: boolean; concurrency: number; singleInstance: boolean; skipIfFresh: boolean; lockTtlMs: number };
  /** The in-process tier of the module's namespace, and the default of the others; undefined: off. */
  l1?: ResolvedL1Options;
  /** The same for the namespaces configured in `namespaces` (undefined: off there). */
  namespaceL1: ReadonlyMap<string, ResolvedL1Options | undefined>;
  /** Undefined: off. */
  footprint: { intervalMs: number } | undefined;
  /** Undefined: off. */
  redisInfo: { intervalMs: number } | undefined;
  required: boolean;
  health: ResolvedHealthOptions;
  http: ResolvedHttpOptions;
  /** The app's registry for the metrics; undefined: the default one. */
  metricsRegistry?: Registry;
}

/** Declared by the tier it configures (l1 sits below options). */
export type ResolvedL1Options = L1Settings;

export interface ResolvedHealthOptions {
  timeoutMs: number;
  memoryThreshold: number;
}

export interface ResolvedHttpOptions {
  /** Lower-case names of every credential header: the four built in and `credentialHeaders`. */
  credentialHeaders: ReadonlySet<string>;
  /** The HMAC key of credential-keyed entries (a KeyObject: printing the options never shows the secret). */
  varyKey: KeyObject;
  /** false: `varyKey` is random, made for this process. */
  varySecretGiven: boolean;
}
