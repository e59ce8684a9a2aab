import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisClient } from '../stores/redis/redis-connection.js';

/** How the tracking channels reach Redis: built from the data client, so they share its address, auth, TLS and db. */
export interface TrackingTopology {
  /** ioredis `keyPrefix` of the data client: Redis sees it on every key, so it is tracked and stripped. */
  keyPrefix: string;
  /** "host:port" of every master (one entry, "", outside a cluster). */
  masters(): Promise<string[]>;
  /** A new, unconnected tracking connection to that master. */
  open(node: string): Redis;
  /** Calls `changed` with the current masters whenever the cluster's view of them may have changed. */
  watch(changed: (masters: string[]) => void): () => void;
}

/**
 * What a tracking connection must be whatever the user configured: RESP2 (ioredis 6 drops RESP3 invalidation
 * pushes), no offline queue and no resent commands (a PING from a dead connection must not renew a lease), no
 * automatic resubscribe (the handshake does it, after CLIENT TRACKING), no command timeout (a late PONG is still a
 * PONG), and Sentinel's failover detector so a promoted replica is followed at once.
 */
const TRACKING_OVERRIDES: RedisOptions = {
  protocol: 2,
  lazyConnect: true,
  enableOfflineQueue: false,
  autoResubscribe: false,
  autoResendUnfulfilledCommands: false,
  commandTimeout: undefined,
  maxRetriesPerRequest: null,
  keyPrefix: undefined,
  failoverDetector: true,
  retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 500),
  reconnectOnError: () => false,
};

export function trackingTopology(client: RedisClient): TrackingTopology {
  if (client instanceof Cluster) return clusterTopology(client);
  const options = client.options;
  return {
    keyPrefix: options.keyPrefix ?? '',
    masters: () => Promise.resolve(['']),
    open: () => new Redis({ ...options, ...TRACKING_OVERRIDES, role: 'master' }),
    watch: () => () => undefined,
  };
}

function clusterTopology(cluster: Cluster): TrackingTopology {
  const mastersNow = (): string[] =>
    cluster
      .nodes('master')
      .map((node) => `${node.options.host}:${node.options.port}`)
      .sort();
  return {
    keyPrefix: cluster.options.keyPrefix ?? '',
    masters: async () => {
      if (cluster.status !== 'ready') await cluster.connect().catch(() => undefined);
      return mastersNow();
    },
    open: (node) => {
      const master = cluster.nodes('master').find((redis) => `${redis.options.host}:${redis.options.port}` === node);
      const [host, port] = [node.slice(0, node.lastIndexOf(':')), Number(node.slice(node.lastIndexOf(':') + 1))];
      return new Redis({ ...cluster.options.redisOptions, ...master?.options, host, port, ...TRACKING_OVERRIDES, readOnly: false });
    },
    watch: (changed) => {
      const check = (): void => {
        if (cluster.status === 'ready') changed(mastersNow());
      };
      // Masters join and leave the pool on a slot refresh (failover, resharding); +node/-node fire as the pool changes.
      cluster.on('refresh', check);
      cluster.on('+node', check);
      cluster.on('-node', check);
      return () => {
        cluster.off('refresh', check);
        cluster.off('+node', check);
        cluster.off('-node', check);
      };
    },
  };
}
