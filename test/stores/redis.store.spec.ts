import { RateLimitedLogger } from '../../lib/kernel/rate-limited-logger.js';
import { createRedisConnection } from '../../lib/stores/redis/redis-connection.js';
import { RedisStore } from '../../lib/stores/redis/redis.store.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { describeStoreContract } from '../../lib/testing/describe-store-contract.js';

const db = useRedisServer();
let store: RedisStore;

beforeAll(async () => {
  store = new RedisStore(createRedisConnection({ mode: 'url', url: db.server.url, options: {} }, 1000), new RateLimitedLogger('contract'));
  await store.connect();
});
afterAll(() => store?.close());

describeStoreContract('RedisStore on a single redis-server', () => store, { describe, it });
