import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions, SentinelAddress } from 'ioredis';
import type { EntryCodecSettings } from '../entry/entry-codec.js';
import type { CacheSerializer } from '../serialization/cache-serializer.interface.js';
import type { CompressionAlgorithm } from '../serialization/compression/compressor.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { PendingSettings } from '../invalidation/pending-invalidations.js';
import type { Ttl } from '../core/ttl.js';

/** Options of `CacheModule.forRoot()` / `forRootAsync()`. Validated once, at startup. */
export interface CacheModuleOptions {
  /** Prefix of every key of this service (`<namespace>:<key>`). Required: letters, digits, `_`, `.`, `-`. */
  namespace: string;
  /** Where the cache lives. Default: none, which selects the embedded in-process store (for local runs). */
  redis?: CacheRedisOptions;
  /** TTL of entries set without one: milliseconds or `'30s'`/`'5m'`/`'1h'`. Default: `'5m'`. */
  defaultTtl?: Ttl;
  /**
   * How values become bytes: `'json'` (strict: refuses what JSON would change), `'msgpack'` (msgpackr: keeps
   * Date, Map, Set, BigInt, typed arrays, `undefined` in arrays) or your own CacheSerializer. Entries record
   * which one wrote them, so a namespace can switch without a flag day. Default: `'json'`.
   */
  serializer?: SerializerOption;
  /**
   * Compress values whose serialized size reaches `threshold` bytes; smaller ones are stored as they are.
   * `false` turns it off for writes (compressed entries are still read). Default: `{ threshold: 1024, algorithm: 'deflate' }`.
   */
  compression?: CompressionOption;
  /** Serializer and compression per namespace (for `withNamespace(name)` and decorators' `namespace`). Default: none. */
  namespaces?: Record<string, NamespaceOptions>;
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
   * once it answers; until then what they cover is not served from the cache. At most `maxEntries` are kept (the
   * oldest is dropped first) for at most `maxAge`. Default: `{ maxEntries: 10_000, maxAge: '5m' }`.
   */
  invalidationQueue?: { maxEntries?: number; maxAge?: Ttl };
  /** Fail the application's boot when the first PING to Redis fails. Default: `false` (log and keep serving). */
  failOnStartup?: boolean;
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
export interface NamespaceOptions {
  serializer?: SerializerOption;
  compression?: CompressionOption;
}

/**
 * Give exactly one of: `url`, `host`/`port`, `client`, `cluster`, or `sentinels` + `name`.
 * `options` are ioredis options passed through (not used with `client` or `cluster`).
 */
export interface CacheRedisOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`. */
  url?: string;
  host?: string;
  port?: number;
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

export type ResolvedRedisOptions =
  | { mode: 'client'; client: Redis | Cluster }
  | { mode: 'cluster'; nodes: ClusterNode[]; clusterOptions: ClusterOptions }
  | { mode: 'url'; url: string; options: RedisOptions }
  | { mode: 'standalone' | 'sentinel'; options: RedisOptions };

/** Options after validation: every default applied, every TTL in milliseconds. */
export interface ResolvedCacheOptions {
  namespace: string;
  redis?: ResolvedRedisOptions;
  defaultTtlMs: number;
  /** How the root namespace writes and reads entries. */
  encoding: EntryCodecSettings;
  /** The same for the namespaces configured in `namespaces`. */
  namespaceEncodings: ReadonlyMap<string, EntryCodecSettings>;
  /** The options encodings were resolved from, for `withNamespace(name, overrides)`. */
  encodingDefaults: { serializer: SerializerOption; compression: CompressionOption; maxValueBytes: number };
  store?: CacheStore;
  memoryMaxEntries: number;
  failOnStartup: boolean;
  lock: { enabled: boolean; ttlMs: number; maxWaitMs: number; pollMs: number };
  operationTimeoutMs: number;
  circuitBreaker: { failureThreshold: number; cooldownMs: number } | undefined;
  maxValueBytes: number;
  invalidationQueue: PendingSettings;
}
