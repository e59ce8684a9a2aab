import { RateLimitedLogger } from '../../lib/kernel/rate-limited-logger.js';
import { createRedisConnection } from '../../lib/stores/redis/redis-connection.js';
import { RedisStore } from '../../lib/stores/redis/redis.store.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { describeStoreContract } from '../../lib/testing/describe-store-contract.js';

let cluster: RedisCluster;
let store: RedisStore;

beforeAll(async () => {
  cluster = await RedisCluster.start();
  store = new RedisStore(
    createRedisConnection({ mode: 'cluster', nodes: cluster.nodes, clusterOptions: {} }, 1000),
    new RateLimitedLogger('contract'),
  );
  await store.connect();
}, 30_000);
afterAll(async () => {
  await store?.close();
  await cluster?.stop();
});

describeStoreContract('RedisStore on a 3-master Redis Cluster', () => store, { describe, it });
