import type { KeyObject } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions, SentinelAddress } from 'ioredis';
import type { EntryCodecSettings } from '../entry/entry-codec.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { PendingSettings } from '../invalidation/pending-invalidations.js';
import type { EntryPolicy } from '../entry/entry-policy.js';
import type { CacheVersion } from '../kernel/cache-version.js';
import type { L1Settings } from '../l1/l1-settings.js';
import type { ResolvedRedisOptions } from '../stores/redis/redis-options.js';
import type {
  CacheEntriesOptions,
  CacheHealthOptions,
  CacheHttpOptions,
  CacheMemoryOptions,
  CacheMonitoringOptions,
  CachePolicyOptions,
  CacheResilienceOptions,
  CompressionOption,
  L1Options,
  NamespaceEntriesOptions,
  TagOptions,
  SerializerOption,
  StaleOptions,
  WarmingOptions,
} from './concept-options.js';
import type { DeprecatedModuleOptions, DeprecatedNamespaceOptions } from './deprecated-options.js';

export type * from './concept-options.js';

/**
 * Options of `CacheModule.forRoot()` / `forRootAsync()`, by concept: `policy` (read-through), `entries` (stored bytes),
 * `resilience`, `monitoring`, `memory`, `health`, plus the connection (`redis` / `store`), `l1`, `warming`, `http`.
 * Validated once, at startup. The flat keys of 0.2 still work in 0.x (each marked `@deprecated`, warned once).
 */
export interface CacheModuleOptions extends DeprecatedModuleOptions {
  /**
   * Prefix of every key of this service (`<namespace>:<key>`) and the `namespace` label of its metrics. Required: 1 to 64
   * letters, digits, `_`, `.`, `-`, starting with a letter or a digit.
   */
  namespace: string;
  /**
   * Version of the cached shape in `namespace`: keys become `<namespace>:v<version>:<key>`, so after a deploy that
   * changes it no entry of the old shape is read (remove those with `clearVersion`). A non-negative integer or a short
   * string (letters, digits, `_`, `.`, `-`). Other namespaces take theirs from `namespaces`.
   * @default undefined (unversioned: `<namespace>:<key>`)
   */
  version?: CacheVersion;
  /**
   * Where the cache lives.
   * @default undefined (the embedded in-process store, for local runs)
   */
  redis?: CacheRedisOptions;
  /**
   * Bring your own backend instead of `redis` (it gets the circuit breaker and the metrics).
   * @default undefined
   */
  store?: CacheStore;
  /**
   * Entry, policy, l1 and version settings per namespace (for `withNamespace(name)` and decorators' `namespace`).
   * @default undefined (none)
   */
  namespaces?: Record<string, NamespaceOptions>;
  /**
   * Most namespaces `withNamespace` (and decorators' `namespace`) may create besides `namespace` and those in
   * `namespaces` (each at its configured version); another version of a namespace counts as one more. A namespace lives
   * as long as the module (its metric series, counters and in-process tier with it), so the number is bounded: past it,
   * `withNamespace` throws a CacheError. `0` allows only the configured ones.
   * @default 100
   */
  maxRuntimeNamespaces?: number;
  /**
   * The read-through policy: default TTL, jitter, refresh-ahead, stale serving, loader timeout, stampede lock.
   * @default {} (each field at its default)
   */
  policy?: CachePolicyOptions;
  /**
   * How values become stored bytes: serializer, msgpack types, compression, largest entry.
   * @default {} (each field at its default)
   */
  entries?: CacheEntriesOptions;
  /**
   * When Redis is slow or down: operation timeout, circuit breaker, invalidation queue, failing the boot.
   * @default {} (each field at its default)
   */
  resilience?: CacheResilienceOptions;
  /**
   * The metrics registry, and the footprint and Redis INFO samplers.
   * @default {} (each field at its default)
   */
  monitoring?: CacheMonitoringOptions;
  /**
   * The embedded in-process store (no `redis`, no `store`).
   * @default {} (each field at its default)
   */
  memory?: CacheMemoryOptions;
  /**
   * An in-process tier in front of Redis for every namespace of the module (a namespace in `namespaces` may change it
   * or turn it off with `l1: false`), kept coherent by Redis's own invalidation messages. `{}` turns it on.
   * @default undefined (off)
   */
  l1?: L1Options;
  /**
   * How tagged reads check their tags' tokens: `tokenMemo` keeps them in memory, kept coherent by Redis tracking.
   * @default {} (each field at its default)
   */
  tags?: TagOptions;
  /**
   * How `@CacheWarmer` methods run at startup.
   * @default {} (each field at its default)
   */
  warming?: WarmingOptions;
  /**
   * `CacheHealthIndicator` settings.
   * @default {} (each field at its default)
   */
  health?: CacheHealthOptions;
  /**
   * `CacheInterceptor` settings: which request headers are credentials, and the secret credential keys are hashed with.
   * @default {} (each field at its default)
   */
  http?: CacheHttpOptions;
}

/** Settings one namespace may change; the rest it shares with the module. */
export interface NamespaceOptions extends DeprecatedNamespaceOptions {
  /**
   * How this namespace's values become bytes, field by field over the module's `entries`.
   * @default undefined (the module's)
   */
  entries?: NamespaceEntriesOptions;
  /**
   * Refresh-ahead, stale serving, loader timeout and TTL jitter of this namespace, field by field over the module's
   * `policy`.
   * @default undefined (the module's)
   */
  policy?: StaleOptions;
  /**
   * The in-process tier for this namespace: settings over the module's `l1`, or `false` to turn it off.
   * @default undefined (the module's)
   */
  l1?: L1Options | false;
  /**
   * Version of the namespace's cached shape (`<namespace>:v<version>:`).
   * @default undefined (the `namespaces` option's, else none)
   */
  version?: CacheVersion;
}

/**
 * Give exactly one of: `url`, `host`/`port`, `client`, `cluster`, or `sentinels` + `name`.
 * `options` are ioredis options passed through (not used with `client` or `cluster`).
 */
export interface CacheRedisOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`. */
  url?: string;
  /** With `port` (and `options` for the rest). */
  host?: string;
  /** A number, or a string of digits (as an environment variable gives it). */
  port?: number | string;
  /** An ioredis client you own: the module uses it and never closes it. */
  client?: Redis | Cluster;
  /** Redis Cluster seed nodes, with ioredis cluster options. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** Sentinel addresses; requires `name`, the monitored master's name. */
  sentinels?: Array<Partial<SentinelAddress>>;
  /** The master's name, as the Sentinels know it (with `sentinels`). */
  name?: string;
  /** Further ioredis options (password, db, tls, …). */
  options?: RedisOptions;
}

/** Declared by the connection it configures (stores sit below options). */
export type { ResolvedRedisOptions };

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
    msgpackTypes: CacheEntriesOptions['msgpackTypes'];
  };
  /** The same for the namespaces configured in `namespaces`: their own entry options over the module's. */
  namespaceEncodingDefaults: ReadonlyMap<string, ResolvedCacheOptions['encodingDefaults']>;
  store?: CacheStore;
  memoryMaxEntries: number;
  failOnStartup: boolean;
  lock: { enabled: boolean; ttlMs: number; maxWaitMs: number; pollMs: number };
  operationTimeoutMs: number;
  circuitBreaker: { failureThreshold: number; cooldownMs: number } | undefined;
  maxValueBytes: number;
  invalidationQueue: PendingSettings;
  /** The module's refresh/stale policy. */
  entryPolicy: EntryPolicy;
  /** The same for the namespaces configured in `namespaces`. */
  namespacePolicies: ReadonlyMap<string, EntryPolicy>;
  warming: { blockBoot: boolean; concurrency: number; singleInstance: boolean; skipIfFresh: boolean; lockTtlMs: number };
  /** The in-process tier of the module's namespace, and the default of the others; undefined: off. */
  l1?: ResolvedL1Options;
  /** The same for the namespaces configured in `namespaces` (undefined: off there). */
  namespaceL1: ReadonlyMap<string, ResolvedL1Options | undefined>;
  /** `tags.tokenMemo`; undefined: off. */
  tokenMemo?: { maxStalenessMs: number };
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

/** What each concept's resolver returns: the resolved options are their union. */
export type ConnectionSettings = Pick<ResolvedCacheOptions, 'redis' | 'store' | 'memoryMaxEntries'>;
export type NamespacesSettings = Pick<
  ResolvedCacheOptions,
  'namespace' | 'version' | 'namespaceVersions' | 'configuredNamespaces' | 'maxRuntimeNamespaces'
>;
export type EntriesSettings = Pick<
  ResolvedCacheOptions,
  'encoding' | 'namespaceEncodings' | 'encodingDefaults' | 'namespaceEncodingDefaults' | 'maxValueBytes'
>;
export type PolicySettings = Pick<ResolvedCacheOptions, 'defaultTtlMs' | 'lock' | 'entryPolicy' | 'namespacePolicies'>;
export type ResilienceSettings = Pick<ResolvedCacheOptions, 'operationTimeoutMs' | 'circuitBreaker' | 'invalidationQueue' | 'failOnStartup'>;
export type L1ModuleSettings = Pick<ResolvedCacheOptions, 'l1' | 'namespaceL1'>;
export type WarmingSettings = ResolvedCacheOptions['warming'];
export type MonitoringSettings = Pick<ResolvedCacheOptions, 'metricsRegistry' | 'footprint' | 'redisInfo'>;
export type HealthSettings = Pick<ResolvedCacheOptions, 'required' | 'health'>;

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
