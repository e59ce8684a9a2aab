import { Cluster, Redis } from 'ioredis';
import type { CacheModuleOptions } from '@datapunk/nestjs-cache';
import { RedisCluster } from './redis-cluster.js';
import { RedisServer } from './redis-server.js';

/** A promise and the function that resolves it: lets a test hold a loader while it invalidates. */
export function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** A running Redis: the module's `redis` option for it, a raw client, its key count, and how to stop it. */
export interface RunningRedis {
  redis: CacheModuleOptions['redis'];
  raw: Redis | Cluster;
  keyCount(): Promise<number>;
  stop(): Promise<void>;
}

export interface Topology {
  name: string;
  start(): Promise<RunningRedis>;
}

/** A single redis-server and a real 3-master Cluster, for suites that must hold on both (describe.each). */
export const TOPOLOGIES: readonly Topology[] = [
  {
    name: 'a single redis-server',
    async start() {
      const server = await RedisServer.start();
      const raw = new Redis(server.port, '127.0.0.1');
      return { redis: { url: server.url }, raw, keyCount: () => raw.dbsize(), stop: async () => (raw.disconnect(), server.dispose()) };
    },
  },
  {
    name: 'a 3-master Redis Cluster',
    async start() {
      const cluster = await RedisCluster.start();
      const raw = new Cluster(cluster.nodes);
      const keyCount = async () => (await Promise.all(raw.nodes('master').map((node) => node.dbsize()))).reduce((a, b) => a + b, 0);
      return { redis: { cluster: { nodes: cluster.nodes } }, raw, keyCount, stop: async () => (raw.disconnect(), cluster.stop()) };
    },
  },
];
