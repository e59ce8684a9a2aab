import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError } from '@datapunk/nestjs-cache';
import { REPLAY_CLOCK_MARGIN_MS } from '../../lib/invalidation/pending-invalidations.js';
import { bootCache } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from './fault-harness.js';

/**
 * A replayed invalidation removes what was there when it was called, never a write made after it. Instance `a` reaches
 * Redis through a proxy that is shut (connections refused, nothing held for later) while `b` keeps writing directly:
 * `b`'s writes land after `a`'s failed calls and before `a`'s replay, in that order every run.
 */
describe('faults: a replayed invalidation keeps writes made after the call it replays', () => {
  it('invalidate and invalidatePrefix replayed after Redis is back leave a set made before the replay in place', async () => {
    const server = await RedisServer.start();
    const proxy = await TcpProxy.start(server.port);
    const a = await bootCache({ namespace: 'lost-write', redis: { url: proxy.url }, operationTimeout: 200 });
    const b = await bootCache({ namespace: 'lost-write', redis: { url: server.url } });
    try {
      await a.cache.mset(['price', 'stock', 'list:1', 'list:2'].map((key) => ({ key, value: `old ${key}` })));
      await proxy.shut();
      await expect(a.cache.invalidate('price')).rejects.toBeInstanceOf(CacheError);
      await expect(a.cache.invalidate(['stock'])).rejects.toBeInstanceOf(CacheError);
      await expect(a.cache.invalidatePrefix('list:')).rejects.toBeInstanceOf(CacheError);
      expect(await metricValue('cache_invalidations_pending', { namespace: 'lost-write' })).toBe(3);
      await sleep(REPLAY_CLOCK_MARGIN_MS + 50); // a write within the clock margin of the failed call may go with it

      await b.cache.set('price', 'new price'); // after the call, before its replay
      await b.cache.set('list:2', 'new list:2');
      await proxy.reopen();
      await waitUntil(
        'a to replay its queue',
        10_000,
        async () => (await metricValue('cache_invalidations_pending', { namespace: 'lost-write' })) === 0,
      );

      expect(await b.cache.mget(['price', 'list:2'])).toEqual(['new price', 'new list:2']);
      expect(await a.cache.mget(['price', 'list:2'])).toEqual(['new price', 'new list:2']);
      expect(await b.cache.mget(['stock', 'list:1'])).toEqual([undefined, undefined]); // there at the call: removed
    } finally {
      await a.module.close();
      await b.module.close();
      await proxy.close();
      await server.dispose();
    }
  });
});
