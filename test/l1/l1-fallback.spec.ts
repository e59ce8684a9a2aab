import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggerService } from '@nestjs/common';
import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from '../faults/fault-harness.js';

/** Where Redis refuses CLIENT TRACKING (here: an ACL user without CLIENT), l1 falls back to ttl-only or refuses to boot. */
describe('l1 without Redis invalidation messages', () => {
  const redis = useRedisServer();
  const redisAs = () => ({ host: '127.0.0.1', port: redis.server.port, options: { username: 'notrack', password: 'pw' } });

  beforeAll(async () => {
    await redis.redis.call('ACL', 'SETUSER', 'notrack', 'on', '>pw', '~*', '&*', '+@all', '-client');
  });

  it('falls back to ttl-only with one warning: entries live at most maxStaleness', async () => {
    const logger = warningCollector();
    const { module, cache } = await bootCache({ namespace: 'fb1', redis: redisAs(), l1: { maxStaleness: 300 } }, logger);
    try {
      expect(logger.warnings.filter((line) => line.includes('l1 runs ttl-only'))).toHaveLength(1);
      await cache.set('k', 'one');
      expect(await cache.get('k')).toBe('one');
      const hits = await metricValue('cache_l1_hits_total', { namespace: 'fb1' });
      expect(await cache.get('k')).toBe('one');
      expect(await metricValue('cache_l1_hits_total', { namespace: 'fb1' })).toBe(hits + 1);
      const stored = await redis.redis.getBuffer('fb1:k');
      await cache.set('k', 'two'); // own writes still evict
      expect(await cache.get('k')).toBe('two');
      await redis.redis.set('fb1:k', stored!); // a write it hears nothing of: served stale for at most maxStaleness
      await waitUntil('the entry outlives maxStaleness', 1000, async () => (await cache.get('k')) === 'one');
    } finally {
      await module.close();
    }
  });

  it("coherence: 'tracking' makes it a boot error that says what to do", async () => {
    const failure = await bootCache({ namespace: 'fb2', redis: redisAs(), l1: { coherence: 'tracking' } }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CacheError);
    expect((failure as Error).message).toMatch(/CLIENT TRACKING.*Potential solutions/s);
  });

  it("coherence: 'ttl' asks nothing of Redis and warns nothing", async () => {
    const logger = warningCollector();
    const { module, cache } = await bootCache({ namespace: 'fb3', redis: redisAs(), l1: { coherence: 'ttl', maxStaleness: 200 } }, logger);
    try {
      expect(logger.warnings).toEqual([]);
      await cache.set('k', 1);
      expect(await cache.get('k')).toBe(1);
      await sleep(250);
      await redis.redis.del('fb3:k');
      expect(await cache.get('k')).toBeUndefined(); // expired from memory after maxStaleness
    } finally {
      await module.close();
    }
  });

  it('with the embedded store, l1 says it is unnecessary and stays off', async () => {
    const lines: string[] = [];
    const logger: LoggerService = { ...warningCollector(), log: (message: unknown) => void lines.push(String(message)) };
    const { module, cache } = await bootCache({ namespace: 'fb4', l1: {} }, logger);
    try {
      expect(lines.some((line) => line.includes('l1 is ignored'))).toBe(true);
      await cache.set('k', 1);
      await cache.get('k');
      await cache.get('k');
      expect(await metricValue('cache_l1_hits_total', { namespace: 'fb4' })).toBe(0);
    } finally {
      await module.close();
    }
  });

  it('rejects bad l1 settings naming the option', async () => {
    await expect(bootCache({ namespace: 'fb5', redis: redisAs(), l1: { maxEntries: 0 } })).rejects.toThrow('option "l1.maxEntries"');
    await expect(bootCache({ namespace: 'fb5', redis: redisAs(), l1: { coherence: 'bus' as never } })).rejects.toThrow('l1.coherence');
    await expect(bootCache({ namespace: 'fb5', redis: redisAs(), namespaces: { other: { l1: { maxStaleness: '1ms' } } } })).rejects.toThrow(
      'option "namespaces.other.l1.maxStaleness"',
    );
  });
});
