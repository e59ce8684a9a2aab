import { metricValue } from '../faults/fault-harness.js';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { storedValue } from '../support/stored-entry.js';

describe('entries on a real Redis: the upgrade from 0.1.0 and unknown formats', () => {
  const db = useRedisServer();

  it('reads entries 0.1.0 wrote (bare JSON text) as hits, and rewrites them in the current format on the next set', async () => {
    await db.redis.set('legacy:order:1', '{"id":1,"items":["a"]}', 'PX', 60_000);
    await db.redis.set('legacy:flag', 'true', 'PX', 60_000);
    const { module, cache } = await bootCache({ namespace: 'legacy', redis: { url: db.server.url } });
    try {
      expect(await cache.get('order:1')).toEqual({ id: 1, items: ['a'] });
      expect(await cache.mget(['order:1', 'flag', 'absent'])).toEqual([{ id: 1, items: ['a'] }, true, undefined]);
      expect(await cache.getOrSet('flag', () => false)).toBe(true);
      expect(await metricValue('cache_hits_total', { namespace: 'legacy' })).toBe(4);
      await cache.set('order:1', { id: 1, items: ['a', 'b'] });
      expect(await storedValue(db.redis, 'legacy:order:1')).toEqual({ id: 1, items: ['a', 'b'] });
    } finally {
      await module.close();
    }
  });

  it('treats an entry of a newer format version as a miss: counted, removed, never thrown', async () => {
    const { module, cache } = await bootCache({ namespace: 'future', redis: { url: db.server.url } });
    try {
      await cache.set('k', { v: 1 });
      const entry = (await db.redis.getBuffer('future:k'))!;
      entry[0] = 0x82; // format version 2
      await db.redis.set('future:k', entry, 'PX', 60_000);
      expect(await cache.get('k')).toBeUndefined();
      expect(await metricValue('cache_errors_total', { namespace: 'future', operation: 'deserialize', reason: 'unknown_format' })).toBe(1);
      expect(await metricValue('cache_misses_total', { namespace: 'future' })).toBe(1);
      expect(await db.redis.exists('future:k')).toBe(0); // removed (best effort, right after the read)
      expect(await cache.getOrSet('k', () => 'reloaded')).toBe('reloaded');
    } finally {
      await module.close();
    }
  });

  it('stores values as bytes, never base64: a 4 KiB binary-heavy msgpack value is stored in about its own size', async () => {
    const { module, cache } = await bootCache({
      namespace: 'bytes',
      serializer: 'msgpack',
      compression: false,
      redis: { url: db.server.url },
    });
    try {
      const bytes = Buffer.alloc(4096);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131) % 256;
      await cache.set('blob', bytes);
      const stored = (await db.redis.getBuffer('bytes:blob'))!;
      expect(stored.length).toBeLessThan(4096 + 64); // base64 would be 5462+
      expect(stored.includes(bytes)).toBe(true);
      expect(await cache.get('blob')).toEqual(bytes);
    } finally {
      await module.close();
    }
  });

  it('a payload written by something else that would decompress past maxDecodedBytes is a miss', async () => {
    const { module, cache } = await bootCache({
      namespace: 'bomb',
      redis: { url: db.server.url },
      compression: { maxDecodedBytes: 64 * 1024 },
    });
    try {
      await cache.set('big', 'x'.repeat(60_000)); // compresses, and fits the bound
      expect(await cache.get('big')).toBe('x'.repeat(60_000));
      const writer = await bootCache({ namespace: 'bomb', redis: { url: db.server.url } }); // default bound: 64 MiB
      await writer.cache.set('bomb', 'x'.repeat(1024 * 1024));
      await writer.module.close();
      expect(await cache.get('bomb')).toBeUndefined();
      expect(await metricValue('cache_errors_total', { namespace: 'bomb', operation: 'deserialize', reason: 'too_large' })).toBe(1);
    } finally {
      await module.close();
    }
  });
});
