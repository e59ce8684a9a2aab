import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheManager, CacheStore } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { RateLimitedLogger } from '../../lib/kernel/rate-limited-logger.js';
import { createRedisConnection } from '../../lib/stores/redis/redis-connection.js';
import { RedisStore } from '../../lib/stores/redis/redis.store.js';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * Read-through races with another instance, each played at a chosen point: the other instance's call runs when this
 * instance's store is first asked for `method` (a real RedisStore on a real redis-server, given as option "store").
 */
describe('read-through races with another instance, at the moment they matter', () => {
  const db = useRedisServer();
  const opened: Array<{ close(): Promise<unknown> }> = [];

  beforeEach(() => db.redis.flushdb());
  afterEach(async () => {
    for (const closable of opened.splice(0).reverse()) await closable.close();
  });

  /** A real RedisStore whose first call of `method` runs `meanwhile` first (then every call goes straight through). */
  async function storeWith(method: keyof CacheStore, meanwhile: () => Promise<unknown>): Promise<CacheStore> {
    const real = new RedisStore(createRedisConnection({ mode: 'url', url: db.server.url, options: {} }, 1000), new RateLimitedLogger('races'));
    opened.push(real); // the module leaves a store it was given open
    let pending: (() => Promise<unknown>) | undefined = meanwhile;
    return new Proxy(real, {
      get(target, property, receiver) {
        const member: unknown = Reflect.get(target, property, receiver);
        if (property !== method || typeof member !== 'function') return member;
        return async (...args: unknown[]) => {
          const run = pending;
          pending = undefined;
          await run?.();
          return (member as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  async function boot(options: Parameters<typeof bootCache>[0]): Promise<CacheManager> {
    const { module, cache } = await bootCache(options);
    opened.push(module as TestingModule);
    return cache;
  }

  it("the lock holder takes a value the previous holder stored with ttl 'never' instead of loading it again", async () => {
    const other = await boot({ namespace: 'races', redis: { url: db.server.url } });
    // Between this instance's miss and its lock, the other instance stores the key without expiry.
    const store = await storeWith('acquireLock', () => other.set('report', 'stored by the other', { ttl: 'never' }));
    const cache = await boot({ namespace: 'races', store, policy: { lock: true } });
    let loads = 0;
    const value = await cache.getOrSet('report', () => {
      loads++;
      return 'loaded again';
    });
    expect(value).toBe('stored by the other');
    expect(loads).toBe(0);
  });

  it('a lock waiter does not serve the entry the holder is replacing once it is past its TTL, even while it is kept for a stale window', async () => {
    const other = await boot({ namespace: 'races', redis: { url: db.server.url } });
    await other.getOrSet('report', () => 'old', { ttl: 50, staleWhileRevalidate: '1h' }); // kept an hour past its TTL
    await sleep(100);
    // Another instance holds the lock (refreshing it): the old entry stays in Redis until that holder writes.
    await db.redis.set('races:__lock__:report', 'the refresher', 'PX', 10_000);
    const cache = await boot({ namespace: 'races', redis: { url: db.server.url }, policy: { lock: true } });
    const reading = cache.getOrSet('report', () => 'loaded here');
    await sleep(100); // several polls
    await db.redis.del('races:__lock__:report'); // the refresher gave up: no new value is coming
    expect(await reading).toBe('loaded here');
  });

  it('a load that finds another writer’s entry is not shared with a call that joins after an invalidation', async () => {
    const other = await boot({ namespace: 'races', redis: { url: db.server.url } });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // Between this instance's miss and its lease, the other instance stores the key: the load will not store.
    const store = await storeWith('acquireLease', () => other.set('report', 'stored by the other'));
    const cache = await boot({ namespace: 'races', store });
    const first = cache.getOrSet('report', async () => {
      await gate;
      return 'loaded before the invalidation';
    });
    await sleep(50); // the first call's loader is running
    await other.invalidate('report');
    const joined = cache.getOrSet('report', () => 'loaded after the invalidation'); // starts after it completed
    open();
    expect(await first).toBe('loaded before the invalidation'); // started before the invalidation: may have the old value
    expect(await joined).toBe('loaded after the invalidation');
  });

  it('the lock holder keeps its lock until its write-back lands, though it answers its caller within the budget', async () => {
    // The write-back is held past the 250 ms operation budget (as a slow node of a Cluster would), in front of Redis.
    const store = await storeWith('setIfUnchanged', () => sleep(600));
    const cache = await boot({ namespace: 'races', store, policy: { lock: true } });
    expect(await cache.getOrSet('report', () => 'loaded')).toBe('loaded'); // answered before the write landed
    await sleep(100);
    expect(await db.redis.exists('races:report')).toBe(1); // the lease: the value is not there yet
    expect(await db.redis.exists('races:__lock__:report')).toBe(1); // so waiters keep waiting for it
    await waitUntil('the write-back landed and the lock was released', 3_000, async () => (await db.redis.exists('races:__lock__:report')) === 0);
    const other = await boot({ namespace: 'races', redis: { url: db.server.url } });
    expect(await other.get('report')).toBe('loaded');
  });
});
