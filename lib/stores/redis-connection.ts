import { Cluster, Redis } from 'ioredis';
import type { ResolvedRedisOptions } from '../cache-options.js';

export type RedisClient = Redis | Cluster;

export interface RedisConnection {
  client: RedisClient;
  /** False for a client the user passed in: the module never closes what it did not create. */
  owned: boolean;
}

/** Builds the ioredis client the options describe, without connecting yet (lazyConnect). */
export function createRedisConnection(redis: ResolvedRedisOptions): RedisConnection {
  switch (redis.mode) {
    case 'client':
      return { client: redis.client, owned: false };
    case 'cluster':
      return {
        client: new Redis.Cluster(redis.nodes, { lazyConnect: true, ...redis.clusterOptions }),
        owned: true,
      };
    case 'url':
      return { client: new Redis(redis.url, { ...clientDefaults, ...redis.options }), owned: true };
    case 'standalone':
    case 'sentinel':
      return { client: new Redis({ ...clientDefaults, ...redis.options }), owned: true };
  }
}

const clientDefaults = {
  lazyConnect: true,
} as const;
