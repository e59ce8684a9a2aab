import { Redis } from 'ioredis';
import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { metricValue } from './fault-harness.js';
import { incompressibleText } from '../support/incompressible.js';
import { storedValue } from '../support/stored-entry.js';

describe('faults: Redis answers with errors, or with data it should not hold', () => {
  it('maxmemory reached (noeviction): direct writes get a CacheError, read-through serves the loader, the circuit stays closed', async () => {
    const server = await RedisServer.start(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction']);
    const raw = new Redis(server.port, '127.0.0.1');
    const { module, cache } = await bootCache({ namespace: 'full', redis: { url: server.url } });
    try {
      const filler = incompressibleText(100_000); // compression must not let it fit
      let oom: unknown;
      for (let i = 0; i < 200 && !oom; i++)
        oom = await cache.set(`fill:${i}`, filler).then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(oom).toBeInstanceOf(CacheError);
      expect((oom as CacheError).operation).toBe('set');
      expect(String((oom as CacheError).cause)).toMatch(/^ReplyError: OOM/);
      expect(await metricValue('cache_errors_total', { namespace: 'full', operation: 'set', reason: 'oom' })).toBeGreaterThan(0);

      expect(await cache.getOrSet('new-key', () => ({ fresh: true }))).toEqual({ fresh: true });
      expect(await metricValue('cache_circuit_state', { namespace: 'full' })).toBe(0);
      expect(await cache.get('fill:0')).toBe(filler); // reads still work
      await raw.config('SET', 'maxmemory', '0');
      await cache.set('after', 1);
      expect(await cache.get('after')).toBe(1);
    } finally {
      raw.disconnect();
      await module.close();
      await server.dispose();
    }
  });

  it('a corrupt or foreign value is a miss, is replaced, and never crashes the caller', async () => {
    const server = await RedisServer.start();
    const raw = new Redis(server.port, '127.0.0.1');
    const { module, cache } = await bootCache({ namespace: 'dirty', redis: { url: server.url } });
    try {
      await raw.set('dirty:truncated', '{"a":[1,2');
      await raw.set('dirty:foreign', '\x00\x01binary');
      expect(await cache.get('truncated')).toBeUndefined();
      expect(await cache.getOrSet('foreign', () => 'rebuilt')).toBe('rebuilt');
      expect(await storedValue(raw, 'dirty:foreign')).toEqual('rebuilt');
      expect(await cache.mget(['truncated', 'foreign'])).toEqual([undefined, 'rebuilt']);
      expect(await metricValue('cache_errors_total', { namespace: 'dirty', reason: 'corrupt' })).toBeGreaterThanOrEqual(2);
    } finally {
      raw.disconnect();
      await module.close();
      await server.dispose();
    }
  });

  it('refuses a value over maxValueBytes, naming its size in bytes of UTF-8', async () => {
    const { module, cache } = await bootCache({ namespace: 'sized', maxValueBytes: 1000, compression: false });
    try {
      await cache.set('small', 'x'.repeat(900));
      await expect(cache.set('big', 'é'.repeat(600))).rejects.toThrow(/1202 bytes, over maxValueBytes \(1000\)/);
      expect(await cache.has('big')).toBe(false);
    } finally {
      await module.close();
    }
  });

  it('applies maxValueBytes to the compressed size, and names both sizes when even that is over', async () => {
    const { module, cache } = await bootCache({ namespace: 'sized-compressed', maxValueBytes: 1000, compression: { threshold: 1024 } });
    try {
      await cache.set('compressible', 'é'.repeat(5000));
      expect(await cache.get('compressible')).toBe('é'.repeat(5000));
      await expect(cache.set('random', incompressibleText(2000))).rejects.toThrow(
        /value is \d+ bytes compressed with deflate \(2002 bytes serialized\), over maxValueBytes \(1000\)/,
      );
      expect(await cache.has('random')).toBe(false);
    } finally {
      await module.close();
    }
  });

  it('takes prefixes literally: glob characters in user input cannot widen an invalidation', async () => {
    const server = await RedisServer.start();
    const raw = new Redis(server.port, '127.0.0.1');
    const { module, cache } = await bootCache({ namespace: 'tenant-a', redis: { url: server.url } });
    try {
      await cache.mset([
        { key: 'user:1', value: 1 },
        { key: 'user:2', value: 2 },
        { key: 'order:1', value: 3 },
      ]);
      await raw.set('tenant-b:user:1', 'other tenant');
      expect(await cache.invalidatePrefix('*')).toBe(0);
      expect(await cache.invalidatePrefix('user:[12]')).toBe(0);
      expect(await cache.invalidatePrefix('user:')).toBe(2);
      expect(await cache.get('order:1')).toBe(3);
      expect(await raw.get('tenant-b:user:1')).toBe('other tenant');
    } finally {
      raw.disconnect();
      await module.close();
      await server.dispose();
    }
  });
});
