import type { LoggerService } from '@nestjs/common';
import { CACHE_MANAGER, type Cache } from '@datapunk/nestjs-cache';
import { CacheError } from '../../lib/kernel/cache-error.js';
import { maxTtlMs, parseTtl } from '../../lib/kernel/ttl.js';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';

describe('parseTtl', () => {
  it.each([
    [1500, 1500],
    [0.4, 1],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['250', 250],
  ])('reads %p as %p milliseconds', (ttl, expected) => {
    expect(parseTtl(ttl, 'set')).toBe(expected);
  });

  it.each([0, -1, '-5m', '0s', 'soon', '', Number.NaN, Number.POSITIVE_INFINITY, null, {}])('refuses %p', (ttl) => {
    expect(() => parseTtl(ttl, 'set', 'k')).toThrow(CacheError);
  });

  it('names the operation, the key and what was parsed', () => {
    try {
      parseTtl(0, 'configure', undefined, 'option "defaultTtl"');
      throw new Error('expected a CacheError');
    } catch (error) {
      expect(error).toBeInstanceOf(CacheError);
      expect((error as CacheError).operation).toBe('configure');
      expect((error as CacheError).message).toMatch(/option "defaultTtl" must be positive/);
    }
  });

  it.each([
    [Number.NaN, /ttl NaN is neither/],
    [Number.POSITIVE_INFINITY, /ttl Infinity is neither/],
    [Number.NEGATIVE_INFINITY, /ttl -Infinity is neither/],
  ])('names %p as such, not as null', (ttl, message) => {
    expect(() => parseTtl(ttl, 'set', 'k')).toThrow(message);
  });

  it('refuses a TTL past the latest expiry an entry header records (48-bit ms: the year 10889), naming the maximum', () => {
    const max = maxTtlMs();
    expect(2 ** 48 - 1 - Date.now() - max).toBeLessThanOrEqual(0);
    expect(max).toBeGreaterThan(8_000 * 365 * 24 * 3_600_000); // ~8,800 years from 2026
    expect(parseTtl(max - 60_000, 'set')).toBe(max - 60_000);
    expect(() => parseTtl(Number.MAX_SAFE_INTEGER, 'set', 'k')).toThrow(/ttl 9007199254740991 is over the longest TTL an entry can have \(\d+ ms/);
    expect(() => parseTtl('10000000y', 'set', 'k')).toThrow(/over the longest TTL/);
  });
});

describe('a TTL beyond what the entry format or Redis takes is refused at the call (real Redis)', () => {
  const db = useRedisServer();
  const tooLong = Number.MAX_SAFE_INTEGER;

  async function refusal(call: Promise<unknown>): Promise<CacheError> {
    const error = await call.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CacheError);
    expect((error as CacheError).message).toMatch(/^\w+( "[^"]*")?: ttl /);
    return error as CacheError;
  }

  it('set, mset, getOrSet, getOrSetMany and wrap reject with a CacheError naming ttl; no loader runs, nothing is stored', async () => {
    const { module, cache } = await bootCache({ namespace: 'ttlmax', redis: { url: db.server.url } });
    try {
      let loads = 0;
      const loader = () => {
        loads++;
        return 'v';
      };
      await refusal(cache.set('k', 'v', { ttl: tooLong }));
      await refusal(cache.mset([{ key: 'k', value: 'v', ttl: tooLong }]));
      await refusal(cache.getOrSet('k', loader, { ttl: tooLong }));
      await refusal(cache.getOrSetMany(['k'], () => [loader()], { ttl: tooLong }));
      await refusal(module.get<Cache>(CACHE_MANAGER).wrap('k', loader, tooLong));
      expect((await refusal(cache.set('k', 'v', { ttl: Number.POSITIVE_INFINITY }))).message).toMatch(/Infinity/);
      expect(loads).toBe(0);
      expect(await db.redis.keys('ttlmax:*')).toEqual([]);
    } finally {
      await module.close();
    }
  });

  it('counts ttlJitter in: a TTL that fits alone but not spread by +50 % is refused, naming both', async () => {
    const { module, cache } = await bootCache({ namespace: 'ttljitter', redis: { url: db.server.url } });
    try {
      const ttl = maxTtlMs() - 3_600_000;
      const error = await refusal(cache.getOrSet('k', () => 'v', { ttl, ttlJitter: 0.5 }));
      expect(error.message).toMatch(/ttlJitter 0\.5/);
      await refusal(cache.set('k', 'v', { ttl, ttlJitter: 0.5 }));
      await refusal(cache.getOrSetMany(['k'], () => ['v'], { ttl, ttlJitter: 0.5 }));
      expect(await db.redis.exists('ttljitter:k')).toBe(0);
      const fitting = Math.floor(ttl / 2);
      expect(await cache.getOrSet('k', () => 'v', { ttl: fitting, ttlJitter: 0.5, staleWhileRevalidate: fitting })).toBe('v');
      expect(await cache.get('k')).toBe('v');
      expect(await db.redis.pttl('ttljitter:k')).toBeGreaterThan(fitting); // the stale window is added to Redis's TTL
    } finally {
      await module.close();
    }
  });

  it('the longest TTL is stored: Redis keeps the key that long, and the header records the expiry', async () => {
    const { module, cache } = await bootCache({ namespace: 'ttllongest', redis: { url: db.server.url } });
    try {
      const ttl = maxTtlMs() - 60_000;
      expect(await cache.getOrSet('k', () => 'v', { ttl })).toBe('v');
      expect(await cache.get('k')).toBe('v');
      expect(await db.redis.pttl('ttllongest:k')).toBeGreaterThan(ttl - 60_000);
      expect((await db.redis.getBuffer('ttllongest:k'))!.readUIntBE(10, 6)).toBeGreaterThan(2 ** 48 - 1 - 120_000);
    } finally {
      await module.close();
    }
  });

  it('a TTL computed from the loaded value that is too long leaves the value unstored, and says so in a warning', async () => {
    const logger: LoggerService & { warnings: string[] } = warningCollector();
    const { module } = await bootCache({ namespace: 'ttlvalue', redis: { url: db.server.url } }, logger);
    try {
      const facade = module.get<Cache>(CACHE_MANAGER);
      expect(await facade.wrap('k', () => 'v', () => tooLong)).toBe('v');
      expect(await db.redis.exists('ttlvalue:k')).toBe(0);
      expect(logger.warnings.join('\n')).toMatch(/ttl 9007199254740991 is over the longest TTL/);
    } finally {
      await module.close();
    }
  });
});
