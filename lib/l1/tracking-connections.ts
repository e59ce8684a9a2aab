import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { TrackingReplyError, type Heartbeat } from './tracking-channel.js';
import type { RedisClient } from '../stores/redis/redis-connection.js';

/**
 * How the tracking channels reach Redis: built from the data client, so they share its address, auth, TLS and db;
 * and the data client's connections, whose reads Redis tracks.
 */
export interface TrackingTopology {
  /** ioredis `keyPrefix` of the data client: Redis sees it on every key, so it is tracked and stripped. */
  keyPrefix: string;
  /** "host:port" of every master (one entry, "", outside a cluster). */
  masters(): Promise<string[]>;
  /** A new, unconnected tracking connection to that master. */
  open(node: string): Redis;
  /** Heartbeats of the channel to `node`: keys under `base` that the data client sends to that node. */
  heartbeat(node: string, base: string): Heartbeat;
  /** Calls `changed` with the current masters whenever the cluster's view of them may have changed. */
  watch(changed: (masters: string[]) => void): () => void;
  /** Calls `lost` with the node ("" outside a cluster) whenever a data connection to it closes. */
  watchData(lost: (node: string) => void): () => void;
  /** Turns tracking off on the data connections (a client the user passed in outlives the module). */
  untrack(): void;
  /** Why the data client's reads cannot be tracked (reads from replicas), if they cannot. */
  unsupported?: string;
}

/**
 * What a tracking connection must be whatever the user configured: RESP2 (ioredis 6 drops RESP3 invalidation
 * pushes, so it is the redirect target of the data connections' tracking), no offline queue and no resent commands,
 * no automatic resubscribe (the handshake does it, after CLIENT ID), no command timeout (it only subscribes), and no
 * key prefix (it sends no keys).
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
    heartbeat: (_node, base) => ({ keyBase: base, send: (id, key, ttlMs) => sendHeartbeat(client, id, key, ttlMs) }),
    watch: () => () => undefined,
    untrack: () => void client.call('CLIENT', 'TRACKING', 'OFF').catch(() => undefined),
    watchData: (lost) => {
      const closed = (): void => lost('');
      client.on('close', closed);
      return () => void client.off('close', closed);
    },
    unsupported:
      options.sentinels && options.role === 'slave' ? "role: 'slave' sends reads to a replica, whose reads are not tracked" : undefined,
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
    heartbeat: (node, base) => ({
      keyBase: `${base}:{${hashTagOn(cluster, node)}}`,
      send: (id, key, ttlMs) => sendHeartbeat(cluster, id, key, ttlMs),
    }),
    watch: (changed) => {
      // One check per burst of events (a slot refresh adds and removes many nodes at once).
      let queued = false;
      const check = (): void => {
        if (queued) return;
        queued = true;
        setImmediate(() => {
          queued = false;
          if (cluster.status === 'ready') changed(mastersNow());
        });
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
    watchData: (lost) => {
      // A node's connection never reconnects in ioredis's pool: it closes, leaves (-node) and a new one joins (+node).
      const address = (redis: Redis): string => `${redis.options.host}:${redis.options.port}`;
      const watched = new Map<Redis, () => void>();
      const watchNode = (redis: Redis): void => {
        if (watched.has(redis)) return;
        const closed = (): void => lost(address(redis));
        watched.set(redis, closed);
        redis.on('close', closed);
      };
      const left = (redis: Redis): void => {
        const closed = watched.get(redis);
        if (closed !== undefined) redis.off('close', closed);
        watched.delete(redis);
        lost(address(redis));
      };
      for (const redis of cluster.nodes('all')) watchNode(redis);
      cluster.on('+node', watchNode);
      cluster.on('-node', left);
      return () => {
        cluster.off('+node', watchNode);
        cluster.off('-node', left);
        for (const [redis, closed] of watched) redis.off('close', closed);
        watched.clear();
      };
    },
    untrack: () => {
      for (const node of cluster.nodes('master')) void node.call('CLIENT', 'TRACKING', 'OFF').catch(() => undefined);
    },
    unsupported:
      (cluster.options.scaleReads ?? 'master') === 'master' ? undefined : 'scaleReads sends reads to replicas, whose reads are not tracked',
  };
}

/**
 * One pipeline on the data connection the key routes to: turn tracking on there (again: a reconnected connection
 * lost it), redirected to the channel; read the key (so Redis tracks it for this connection) and write it (so Redis
 * sends its invalidation to the channel). An error reply to any of them rejects (TrackingReplyError for the first).
 */
async function sendHeartbeat(client: RedisClient, redirectId: number, key: string, ttlMs: number): Promise<void> {
  const replies = await client
    .pipeline()
    .call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(redirectId))
    .get(key)
    .set(key, '1', 'PX', ttlMs)
    .exec();
  const tracking = replies?.[0]?.[0];
  if (tracking) throw new TrackingReplyError(tracking);
  const failed = replies?.find(([error]) => error !== null);
  if (failed !== undefined) throw failed[0];
}

/** A hash tag whose slot `node` serves now (per the client's slot map), so a heartbeat key lands on that master. */
function hashTagOn(cluster: Cluster, node: string): string {
  const known = tags.get(cluster)?.get(node);
  if (known !== undefined && cluster.slots[calculateSlot(known)]?.[0] === node) return known;
  for (let i = 0; i < 100_000; i++) {
    const tag = `l1-${i}`;
    if (cluster.slots[calculateSlot(tag)]?.[0] !== node) continue;
    (tags.get(cluster) ?? tags.set(cluster, new Map()).get(cluster)!).set(node, tag);
    return tag;
  }
  return 'l1-0'; // the node serves no slot (leaving): its heartbeats go elsewhere, so its lease lapses and it is dropped
}

const tags = new WeakMap<Cluster, Map<string, string>>();
