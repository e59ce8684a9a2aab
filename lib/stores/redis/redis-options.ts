import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** How to reach Redis, resolved from the `redis` option: one connection shape per mode. */
export type ResolvedRedisOptions =
  | { mode: 'client'; client: Redis | Cluster }
  | { mode: 'cluster'; nodes: ClusterNode[]; clusterOptions: ClusterOptions }
  | { mode: 'url'; url: string; options: RedisOptions }
  | { mode: 'standalone' | 'sentinel'; options: RedisOptions };
