import { newLease } from '../../lib/entry/load-lease.js';
import { RateLimitedLogger } from '../../lib/kernel/rate-limited-logger.js';
import { StampedeLock } from '../../lib/read-through/stampede-lock.js';
import type { CacheStore } from '../../lib/stores/cache-store.interface.js';
import { createRedisConnection } from '../../lib/stores/redis/redis-connection.js';
import { RedisStore } from '../../lib/stores/redis/redis.store.js';
import { useRedisServer } from '../support/redis-fixture.js';

const SETTINGS = { ttlMs: 10_000, maxWaitMs: 2_000, pollMs: 20 };

/**
 * A waiter's view of one key while another instance holds its lock, on a real redis-server. The holder is played with
 * plain Redis commands in the order the read-through writes them: its value first, then the lock released.
 */
describe('StampedeLock.waitForValue: a waiter takes the holder’s value, whenever within a poll the holder finishes', () => {
  const db = useRedisServer();
  let store: RedisStore;

  beforeAll(async () => {
    store = new RedisStore(createRedisConnection({ mode: 'url', url: db.server.url, options: {} }, 1000), new RateLimitedLogger('stampede-lock'));
    await store.connect();
  });
  afterAll(() => store?.close());
  beforeEach(() => db.redis.flushdb());

  /** The store, except that the holder finishes right after the waiter's first read comes back (whichever key it read). */
  function finishingAfterFirstRead(finish: () => Promise<unknown>): CacheStore {
    let reads = 0;
    const get = async (key: string): Promise<Buffer | null | undefined> => {
      const found = await store.get(key);
      if (++reads === 1) await finish();
      return found;
    };
    return { get } as Partial<CacheStore> as CacheStore;
  }

  const holding = async (): Promise<void> => {
    await db.redis.set('w:k', newLease(), 'PX', 10_000); // the holder's load lease
    await db.redis.set('w:lock', 'holder-token', 'PX', 10_000);
  };

  it('the holder stores and releases between the waiter’s two reads: the waiter gets the value, it does not load', async () => {
    await holding();
    const lock = new StampedeLock(
      finishingAfterFirstRead(() => db.redis.multi().set('w:k', 'the value').del('w:lock').exec()),
      SETTINGS,
    );
    const found = await lock.waitForValue('w:k', 'w:lock');
    expect(found?.toString()).toBe('the value');
  });

  it('the lock released without a value (the load stored nothing): the waiter stops waiting at once, to load itself', async () => {
    await holding();
    const lock = new StampedeLock(finishingAfterFirstRead(() => db.redis.multi().del('w:k').del('w:lock').exec()), SETTINGS);
    const startedAt = performance.now();
    expect(await lock.waitForValue('w:k', 'w:lock')).toBeUndefined();
    expect(performance.now() - startedAt).toBeLessThan(SETTINGS.maxWaitMs);
  });

  it('while the holder is still loading, the waiter keeps polling and takes the value once stored', async () => {
    await holding();
    const lock = new StampedeLock(store, SETTINGS);
    const waiting = lock.waitForValue('w:k', 'w:lock');
    await new Promise((resolve) => setTimeout(resolve, 5 * SETTINGS.pollMs));
    await db.redis.multi().set('w:k', 'stored later').del('w:lock').exec();
    expect((await waiting)?.toString()).toBe('stored later');
  });

  describe('markFailed: the holder whose loader failed leaves a failure marker in its lock', () => {
    it('turns its own lock into the marker, for the throttle window', async () => {
      const lock = new StampedeLock(store, SETTINGS);
      const token = await lock.acquire('w:lock');
      await lock.markFailed('w:lock', token!, 1_000);
      expect(await lock.isFailedMarker('w:lock')).toBe(true);
      const ttl = await db.redis.pttl('w:lock');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_000);
    });

    it('leaves alone the lock another instance took after its own expired', async () => {
      const lock = new StampedeLock(store, SETTINGS);
      await db.redis.set('w:lock', 'the next holder', 'PX', 10_000); // ours lapsed; another instance holds the key now
      await lock.markFailed('w:lock', 'our lapsed token', 1_000);
      expect(await db.redis.get('w:lock')).toBe('the next holder');
      expect(await db.redis.pttl('w:lock')).toBeGreaterThan(1_000);
    });
  });
});
