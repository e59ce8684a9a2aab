import type { Registry } from 'prom-client';
import type { CacheSerializer } from '../serialization/cache-serializer.interface.js';
import type { CompressionAlgorithm } from '../serialization/compression/compressor.js';
import type { Ttl } from '../kernel/ttl.js';

/*
 * The module's options, one interface per concept. Every field's `@default` is the value in CACHE_DEFAULTS
 * (options/defaults.ts): test/options/defaults.spec.ts reads these comments and compares.
 */

/**
 * How read-through treats an entry's age (module, `namespaces.<ns>.policy`, `withNamespace`, and per call). Entries
 * record their logical expiry; Redis keeps them for the logical TTL plus the longer stale window, and `ttl(key)`
 * reports the logical remainder.
 */
export interface StaleOptions {
  /**
   * Refresh a hot key before it expires, in the background, while callers get the current value (XFetch: a read
   * refreshes with probability exp(−timeToExpiry / (loadTime·beta)); one refresh per key fleet-wide, under the key's
   * Redis lock). Larger `beta` refreshes earlier. `true` is `{ beta: 1 }`.
   * @default false
   */
  refreshAhead?: boolean | RefreshAheadOptions;
  /**
   * After the logical TTL, serve the old value for this long while one background load replaces it.
   * @default false (0)
   */
  staleWhileRevalidate?: Ttl | false;
  /**
   * After the logical TTL (and staleWhileRevalidate), callers wait for the loader; when it throws or passes
   * `loaderTimeout`, they get the old value if it expired less than this long ago.
   * @default false (0)
   */
  staleIfError?: Ttl | false;
  /**
   * Soft timeout of a load that has a stale value to fall back on (staleIfError): past it the caller gets the stale
   * value and the load goes on in the background, storing its value when it finishes.
   * @default false (none)
   */
  loaderTimeout?: Ttl | false;
  /**
   * Spread each TTL by ± this fraction (`0.1`: ±10 %), so keys written together do not expire together.
   * @default 0
   */
  ttlJitter?: number;
}

export interface RefreshAheadOptions {
  /**
   * XFetch β: larger refreshes earlier.
   * @default 1
   */
  beta?: number;
}

/** `policy`: the read-through policy of every call of the module (a namespace and a call may override the stale fields). */
export interface CachePolicyOptions extends StaleOptions {
  /**
   * TTL of entries set without one: milliseconds, `'30s'`/`'5m'`/`'1h'`, or `'never'` (no expiry; not with module-wide
   * `refreshAhead` / `staleWhileRevalidate` / `staleIfError`, which need an expiry).
   * @default '5m' (`CacheModule.register()` without `ttl`: `'never'`, as `@nestjs/cache-manager`)
   */
  ttl?: Ttl;
  /**
   * Cross-process stampede protection for read-through calls: on a miss one instance takes a Redis lock and runs the
   * loader while the others poll for its value. `true` turns it on for every `getOrSet` and `@Cacheable`; per call,
   * `{ lock: true }` (the object's `ttl`/`maxWait` serve those too).
   * @default { enabled: false, ttl: '10s', maxWait: '5s' }
   */
  lock?: boolean | LockOptions;
  /**
   * After a loader fails with a stale value to serve (staleIfError), the key's loader is not called again for this long:
   * in this process, and (through the key's stampede lock) in every instance.
   * @default '10s'
   */
  failedLoaderThrottle?: Ttl;
}

export interface LockOptions {
  /**
   * Take the lock on every read-through call.
   * @default false
   */
  enabled?: boolean;
  /**
   * How long the lock lives if its holder dies mid-load.
   * @default '10s'
   */
  ttl?: Ttl;
  /**
   * How long a caller polls for the holder's value before running its own loader.
   * @default '5s'
   */
  maxWait?: Ttl;
}

/** `entries`: how values become stored bytes. */
export interface CacheEntriesOptions {
  /**
   * How values become bytes: `'json'` (strict: refuses what JSON would change), `'msgpack'` (msgpackr: keeps Date, Map,
   * Set, BigInt, typed arrays, `undefined` in arrays) or your own CacheSerializer. Entries record which one wrote them,
   * so a namespace can switch without a flag day.
   * @default 'json'
   */
  serializer?: SerializerOption;
  /**
   * Types beyond plain data that msgpack entries may hold: `'RegExp'`, `'Error'`. Off unless named here, for writes
   * and reads alike: a read rebuilds them from whatever bytes are in Redis (a pattern chosen by anyone who can write
   * there, an Error the code never threw), so an entry holding one the namespace does not allow is corrupt (a miss,
   * counted and removed). Shared or cyclic references are never stored or read.
   * @default []
   */
  msgpackTypes?: ReadonlyArray<'RegExp' | 'Error'>;
  /**
   * Compress values whose serialized size reaches `threshold` bytes; smaller ones are stored as they are. `false` turns
   * it off for writes (compressed entries are still read).
   * @default { threshold: 4096, algorithm: 'deflate', maxDecodedBytes: 67_108_864 }
   */
  compression?: CompressionOption;
  /**
   * Largest entry `set` stores, in bytes after compression; larger is a CacheError naming both sizes.
   * @default 5_242_880 (5 MiB)
   */
  maxValueBytes?: number;
}

/** The entry settings one namespace may change (`maxValueBytes` is the module's). */
export type NamespaceEntriesOptions = Pick<CacheEntriesOptions, 'serializer' | 'msgpackTypes' | 'compression'>;

export type SerializerOption = 'json' | 'msgpack' | CacheSerializer;

export type CompressionOption = false | CompressionSettings;

export interface CompressionSettings {
  /**
   * Serialized size, in bytes, from which a value is compressed.
   * @default 4096
   */
  threshold?: number;
  /**
   * Also `'gzip'`, `'brotli'` (quality 4), and `'lz4'` with the optional package `lz4-napi`.
   * @default 'deflate' (zlib, level 6)
   */
  algorithm?: CompressionAlgorithm;
  /**
   * Largest value a read decompresses (a bigger one is a miss) and a write serializes.
   * @default 67_108_864 (64 MiB)
   */
  maxDecodedBytes?: number;
}

/** `resilience`: what the module does when Redis is slow, failing or unreachable. */
export interface CacheResilienceOptions {
  /**
   * The longest any call waits on Redis: each command's ioredis `commandTimeout`, and the whole Redis budget of a
   * read-through (lookup plus write-back). Past it, read-through calls serve the loader's value and direct calls reject
   * with a CacheError.
   * @default 250 (ms)
   */
  operationTimeout?: Ttl;
  /**
   * After `failureThreshold` consecutive Redis failures, stop sending commands for `cooldown` (read-through goes
   * straight to the loader), then let one probe decide. `false` turns it off.
   * @default { failureThreshold: 5, cooldown: '1s' }
   */
  circuitBreaker?: false | CircuitBreakerOptions;
  /**
   * Invalidations (keys, prefixes, tags, clear) that fail because Redis is unreachable are kept, in order, and applied
   * once it answers; until then what they cover is not served from the cache. A replay removes only entries created
   * before the failed call (plus 1 s for clock skew between hosts), so a write made since survives it.
   * @default {} (each bound at its default)
   */
  invalidationQueue?: InvalidationQueueOptions;
  /**
   * Fail the application's boot when the first PING to Redis fails (otherwise: one warning line, and the cache serves
   * once Redis answers).
   * @default false
   */
  failOnStartup?: boolean;
}

export interface CircuitBreakerOptions {
  /**
   * Consecutive Redis failures that open the circuit.
   * @default 5
   */
  failureThreshold?: number;
  /**
   * How long the circuit stays open before one probe decides.
   * @default '1s'
   */
  cooldown?: Ttl;
}

/** Bounds of the queue of invalidations kept while Redis is unreachable (`resilience.invalidationQueue`). */
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
   * @default 16_777_216 (16 MiB)
   */
  maxBytes?: number;
  /**
   * Oldest invalidation kept: an older one is dropped (`cache_invalidations_dropped_total`, reason `age`) and its entries
   * may be served until their TTL. A collapsed queue is dropped once its latest call is this old.
   * @default '5m'
   */
  maxAge?: Ttl;
}

/** `monitoring`: where the metrics go, and the optional samplers of Redis. */
export interface CacheMonitoringOptions {
  /**
   * A prom-client `Registry` the app serves (one it gives PrometheusModule's controller, say): every cache metric is
   * registered there and nowhere else.
   * @default undefined (prom-client's default registry, through `@willsoto/nestjs-prometheus`'s providers when installed)
   */
  registry?: Registry;
  /**
   * Estimate how many keys and bytes each namespace of the module holds in Redis (`cache_footprint_*` gauges,
   * `stats().footprint`), by sampling (RANDOMKEY + MEMORY USAGE, never a full SCAN of a large database). One instance of
   * the fleet samples per interval (a lock in the namespace) and shares its estimate with the others. Redis only; an ACL
   * user needs `+randomkey +dbsize +memory|usage`. `{}` turns it on.
   * @default false
   */
  footprint?: false | FootprintOptions;
  /**
   * Read Redis INFO (used memory, maxmemory, evicted and expired keys, fragmentation) into `cache_redis_*` metrics, one
   * INFO per master per interval for the whole fleet. Redis only. `{}` turns it on.
   * @default false
   */
  redisInfo?: false | RedisInfoOptions;
}

export interface FootprintOptions {
  /**
   * How often the fleet samples (at least 1 s).
   * @default '1m'
   */
  interval?: Ttl;
}

export interface RedisInfoOptions {
  /**
   * How often the fleet reads INFO (at least 1 s).
   * @default '30s'
   */
  interval?: Ttl;
}

/** `memory`: the embedded in-process store, used when neither `redis` nor `store` is given. */
export interface CacheMemoryOptions {
  /**
   * Entry limit of the embedded store (least recently used go first).
   * @default 10_000
   */
  maxEntries?: number;
}

/** `health`: `CacheHealthIndicator`. */
export interface CacheHealthOptions {
  /**
   * The application cannot work without the cache: `CacheHealthIndicator` reports `down` (HTTP 503) while Redis is
   * unreachable or the circuit is open (otherwise the cache fails open, and health reports `degraded`).
   * @default false
   */
  required?: boolean;
  /**
   * The longest a health check waits for Redis before answering without it.
   * @default '1s'
   */
  timeout?: Ttl;
  /**
   * Redis `used_memory / maxmemory` from which health reports `degraded` (0 < x ≤ 1).
   * @default 0.9
   */
  memoryThreshold?: number;
}

/** `http`: how the CacheInterceptor treats credentials. */
export interface CacheHttpOptions {
  /**
   * Request headers that carry credentials, besides Authorization, Cookie, Proxy-Authorization and X-Api-Key (always
   * credentials): a request carrying one is neither served from nor stored in the cache, unless the route varies on it
   * (`@CacheVary('<header>')`, or a vary function). Case-insensitive header names, at most 64.
   * @default []
   */
  credentialHeaders?: string[];
  /**
   * Secret of the HMAC-SHA256 that hashes credential headers into a key (`@CacheVary('authorization')`), so a key read
   * from Redis cannot be tested against guessed passwords offline. At least 16 bytes; give every instance the same one,
   * or they do not share per-credential entries.
   * @default undefined (a random secret per process: per-credential entries are not shared between instances; warned once)
   */
  varySecret?: string | Buffer;
}

/**
 * The in-process tier (L1). Values it returns are shared between callers: do not mutate them, or set `clone`.
 * Redis tells each instance of a change to a key that instance has read (tracking, default mode): one message per
 * write per instance holding the key.
 */
export interface L1Options {
  /**
   * Most entries kept in memory per namespace, least recently used go first (nothing is allocated for them up front).
   * @default 10_000
   */
  maxEntries?: number;
  /**
   * Most bytes kept per namespace, counted as each entry's decoded size: its serialized value before compression,
   * plus its header. The heap a decoded value takes is that times a small factor (1× for strings, more for many
   * small objects).
   * @default 67_108_864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * Longest an entry stays in memory (never past its logical expiry).
   * @default '1m'
   */
  ttl?: Ttl;
  /**
   * The staleness bound: no value is served from memory once a write to it was acknowledged this long ago,
   * whatever fails (connection lost, Redis hung, event loop blocked).
   * @default '2s'
   */
  maxStaleness?: Ttl;
  /**
   * `'tracking'`: Redis invalidation messages (CLIENT TRACKING), required (unavailable is a boot error). `'ttl'`: no
   * messages, entries live at most `maxStaleness`.
   * @default 'auto' (tracking when Redis offers it, else ttl with one warning)
   */
  coherence?: 'auto' | 'tracking' | 'ttl';
  /**
   * Hand every caller its own copy (structuredClone per hit), for code that mutates cached values. A value it cannot
   * copy (nested deeper than structuredClone's stack) is a miss, counted as `cache_errors_total{operation="deserialize",
   * reason="uncloneable"}`.
   * @default false
   */
  clone?: boolean;
}

/** `tags`: how tagged reads check their tags' tokens. */
export interface TagOptions {
  /**
   * Keep the tokens of the tags this instance read in memory, kept coherent by Redis tracking as `l1` is (one more
   * connection per master, `CLIENT TRACKING` on the data connections, heartbeats under `<namespace>:__l1-lease__:`;
   * the grants of the README's l1 line), so that a tagged `get` or `getOrSet` reads only its entry. `true` is `{}`.
   * Where Redis refuses tracking, tagged reads read the tokens as without it (one warning).
   * @default false
   */
  tokenMemo?: boolean | TokenMemoOptions;
}

export interface TokenMemoOptions {
  /**
   * The bound when invalidation messages are late (a lost packet, a stalled connection): no token is served from
   * memory once its change was acknowledged this long ago. In order (the normal case) a change acknowledged before a
   * read began is never missed.
   * @default '2s'
   */
  maxStaleness?: Ttl;
}

/** Startup warming by `@CacheWarmer` methods. */
export interface WarmingOptions {
  /**
   * Hold the application's boot (onApplicationBootstrap) until every warmer finished.
   * @default false
   */
  blockBoot?: boolean;
  /**
   * Loaders of one warmer running at once.
   * @default 16
   */
  concurrency?: number;
  /**
   * One instance runs a warmer at a time (a Redis lock per warmer); the others skip it.
   * @default true
   */
  singleInstance?: boolean;
  /**
   * Leave entries that are still fresh (not past their logical TTL).
   * @default true
   */
  skipIfFresh?: boolean;
  /**
   * How long the singleInstance lock lives if its holder dies mid-warm (it is released when warming ends).
   * @default '5m'
   */
  lockTtl?: Ttl;
}
