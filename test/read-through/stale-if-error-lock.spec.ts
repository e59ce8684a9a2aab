import { setTimeout as sleep } from 'node:timers/promises';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from '../faults/fault-harness.js';

const NAMESPACE = 'sie-lock';
const LOCK_KEY = `${NAMESPACE}:__lock__:k`;

/**
 * Two instances on one real redis-server. Instance A reaches Redis through a TcpProxy that holds A's bytes from the
 * moment A sends its lock's SET NX, so instance H can refresh the key exactly between A's lookup and A's lock.
 */
describe('staleIfError: the lock holder reads the key again under the lock', () => {
  const db = useRedisServer();
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxy = await TcpProxy.start(db.server.port);
  });
  afterAll(() => proxy?.close());

  it('another instance refreshed the key between the lookup and the lock: its value is served, the loader does not run', async () => {
    const options = { namespace: NAMESPACE, staleIfError: '1m', failedLoaderThrottle: '1m' } as const;
    const a = await bootCache({ ...options, redis: { url: proxy.url } });
    const h = await bootCache({ ...options, redis: { url: db.server.url } });
    try {
      await h.cache.getOrSet('k', () => 'old', { ttl: 50 });
      await sleep(100); // past its logical TTL, inside staleIfError

      let lockRequested!: () => void;
      const atLock = new Promise<void>((resolve) => (lockRequested = resolve));
      proxy.observer = {
        request: (chunk) => {
          if (!chunk.includes(LOCK_KEY)) return;
          proxy.partition(); // holds this very chunk: A has read the stale entry and waits for its lock
          lockRequested();
        },
        reply: () => undefined,
      };
      let loads = 0;
      const served = a.cache.getOrSet('k', () => (loads++, Promise.reject(new Error('database down'))), { ttl: '1m' });
      await atLock;
      proxy.observer = undefined;

      expect(await h.cache.getOrSet('k', () => 'new', { ttl: '1m' })).toBe('new'); // H takes the lock and refreshes
      await waitUntil('H to release the lock', 2000, async () => (await db.redis.exists(LOCK_KEY)) === 0);
      proxy.heal(); // A's SET NX now takes the free lock

      expect(await served).toBe('new');
      expect(loads).toBe(0);
      expect(await db.redis.get(LOCK_KEY)).not.toBe('loader-failed'); // no failure marker for the other instances
      expect(await metricValue('cache_stale_served_total', { namespace: NAMESPACE })).toBe(0);
    } finally {
      proxy.heal();
      await a.module.close();
      await h.module.close();
    }
  });
});
