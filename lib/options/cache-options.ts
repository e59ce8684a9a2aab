import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions, SentinelAddress } from 'ioredis';
import type { CacheSerializer } from '../serialization/cache-serializer.interface.js';
import type { Ttl } from '../core/ttl.js';

/** Options of `CacheModule.forRoot()` / `forRootAsync()`. Validated once, at startup. */
export interface CacheModuleOptions {
  /** Prefix of every key of this service (`<namespace>:<key>`). Required: letters, digits, `_`, `.`, `-`. */
  namespace: string;
  /** Where the cache lives. Default: none, which selects the embedded in-process store (for local runs). */
  redis?: CacheRedisOptions;
  /** TTL of entries set without one: milliseconds or `'30s'`/`'5m'`/`'1h'`. Default: `'5m'`. */
  defaultTtl?: Ttl;
  /** How values become strings. Default: strict JSON (refuses what JSON would change). */
  serializer?: CacheSerializer;
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
  /** Largest serialized value `set` accepts (bytes of UTF-8); larger is a CacheError. Default: 5 MiB. */
  maxValueBytes?: number;
  /** Fail the application's boot when the first PING to Redis fails. Default: `false` (log and keep serving). */
  failOnStartup?: boolean;
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
  serializer: CacheSerializer;
  memoryMaxEntries: number;
  failOnStartup: boolean;
  lock: { enabled: boolean; ttlMs: number; maxWaitMs: number; pollMs: number };
  operationTimeoutMs: number;
  circuitBreaker: { failureThreshold: number; cooldownMs: number } | undefined;
  maxValueBytes: number;
}
