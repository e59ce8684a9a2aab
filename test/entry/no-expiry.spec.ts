import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cache, CACHE_MANAGER, Cacheable, CacheError, CacheManager, CacheModule, type CacheRegisterOptions } from '@datapunk/nestjs-cache';
import { parseEntryTtl, parseTtl } from '../../lib/kernel/ttl.js';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';

/** The logical expiry an entry header records (u48 at byte 10; 0: none). */
async function logicalExpiry(redis: { getBuffer(key: string): Promise<Buffer | null> }, key: string): Promise<number> {
  return (await redis.getBuffer(key))!.readUIntBE(10, 6);
}

async function rejection(call: Promise<unknown> | (() => unknown)): Promise<CacheError> {
  const error = await (typeof call === 'function' ? Promise.resolve().then(call) : call).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(CacheError);
  return error as CacheError;
}

@Injectable()
class Settings {
  loads = 0;

  @Cacheable({ key: (name: string) => `setting:${name}`, ttl: 'never' })
  async read(name: string): Promise<string> {
    this.loads++;
    return `value of ${name}`;
  }
}

describe("parseEntryTtl: 'never' is an entry's explicit no-expiry, and only an entry's", () => {
  it("reads 'never' as no expiry; every other TTL as parseTtl does", () => {
    expect(parseEntryTtl('never', 'set')).toBe(Number.POSITIVE_INFINITY);
    expect(parseEntryTtl('30s', 'set')).toBe(30_000);
    expect(() => parseEntryTtl(0, 'set')).toThrow(/0 does not mean "no expiry"/);
  });

  it("refuses 'never' where a duration is needed (a lock, a cooldown), naming the option", async () => {
    expect(() => parseTtl('never', 'configure', undefined, 'option "lock.ttl"')).toThrow(/option "lock.ttl" cannot be 'never'/);
    const error = await rejection(() => bootCache({ namespace: 'never-lock', lock: { enabled: true, ttl: 'never' } }));
    expect(error.message).toMatch(/option "lock.ttl" cannot be 'never'/);
  });
});

describe("ttl 'never' on real Redis: stored without expiry where asked for", () => {
  const db = useRedisServer();

  it("set, mset, getOrSet and set with tags store with no Redis TTL (PTTL -1) and no logical expiry", async () => {
    const { module, cache } = await bootCache({ namespace: 'never', redis: { url: db.server.url } });
    try {
      await cache.set('set', 'v', { ttl: 'never' });
      await cache.mset([{ key: 'mset', value: 'v', ttl: 'never' }]);
      expect(await cache.getOrSet('read-through', () => 'v', { ttl: 'never' })).toBe('v');
      await cache.set('tagged', 'v', { ttl: 'never', tags: ['plan'] });
      for (const key of ['set', 'mset', 'read-through', 'tagged']) {
        expect(await db.redis.pttl(`never:${key}`)).toBe(-1);
        expect(await logicalExpiry(db.redis, `never:${key}`)).toBe(0);
        expect(await cache.get(key)).toBe('v');
      }
      expect(await cache.ttl('set')).toBe(Number.POSITIVE_INFINITY);
      // The tag's token outlives the entry (else the entry would turn into a miss when the token expired).
      const tokenKeys = (await db.redis.keys('never:*')).filter((key) => key.includes('plan'));
      expect(tokenKeys).toHaveLength(1);
      expect(await db.redis.pttl(tokenKeys[0])).toBe(-1);
      await cache.invalidateTags('plan');
      expect(await cache.get('tagged')).toBeUndefined();
      // A later set with a TTL gives the key one again.
      await cache.set('set', 'w', { ttl: '1m' });
      expect(await db.redis.pttl('never:set')).toBeGreaterThan(0);
    } finally {
      await module.close();
    }
  });

  it("@Cacheable({ ttl: 'never' }) and the CACHE_MANAGER facade's set and wrap store with no expiry", async () => {
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'never-api', redis: { url: db.server.url } })],
      providers: [Settings],
    }).compile();
    await module.init();
    try {
      const settings = module.get(Settings);
      expect(await settings.read('theme')).toBe('value of theme');
      expect(await settings.read('theme')).toBe('value of theme');
      expect(settings.loads).toBe(1);
      const facade = module.get<Cache>(CACHE_MANAGER);
      await facade.set('facade-set', 1, 'never');
      expect(await facade.wrap('facade-wrap', () => 2, 'never')).toBe(2);
      for (const key of ['setting:theme', 'facade-set', 'facade-wrap']) expect(await db.redis.pttl(`never-api:${key}`)).toBe(-1);
      expect(await facade.ttl('facade-set')).toBe(Number.POSITIVE_INFINITY);
    } finally {
      await module.close();
    }
  });

  it('refuses it, naming the setting, where refresh-ahead or a stale window needs an expiry; nothing loads or is stored', async () => {
    const { module, cache } = await bootCache({ namespace: 'never-refused', redis: { url: db.server.url }, staleIfError: '1m' });
    try {
      let loads = 0;
      const loader = () => ++loads;
      const withSwr = await rejection(cache.getOrSet('a', loader, { ttl: 'never', staleWhileRevalidate: '30s', staleIfError: 0 }));
      expect(withSwr.message).toMatch(/ttl 'never' \(no expiry\) cannot be used with "staleWhileRevalidate"/);
      const withRefresh = await rejection(cache.getOrSet('a', loader, { ttl: 'never', refreshAhead: { beta: 1 }, staleIfError: 0 }));
      expect(withRefresh.message).toMatch(/cannot be used with "refreshAhead"/);
      // The module's staleIfError applies unless the call turns it off.
      expect((await rejection(cache.getOrSet('a', loader, { ttl: 'never' }))).message).toMatch(/"staleIfError"/);
      expect((await rejection(cache.set('a', 1, { ttl: 'never' }))).message).toMatch(/"staleIfError"/);
      expect((await rejection(cache.getOrSetMany(['a'], () => [1], { ttl: 'never' }))).message).toMatch(/"staleIfError"/);
      expect(loads).toBe(0);
      expect(await cache.getOrSet('a', loader, { ttl: 'never', staleIfError: 0 })).toBe(1);
      expect(await db.redis.pttl('never-refused:a')).toBe(-1);
    } finally {
      await module.close();
    }
  });

  it("refuses defaultTtl 'never' with a module-wide refresh-ahead at boot, naming both", async () => {
    const error = await rejection(() =>
      bootCache({ namespace: 'never-boot', redis: { url: db.server.url }, defaultTtl: 'never', refreshAhead: { beta: 1 } }),
    );
    expect(error.message).toMatch(/option "defaultTtl" 'never' \(no expiry\) cannot be used with "refreshAhead"/);
  });
});

describe('CacheModule.register() without ttl keeps entries forever, as @nestjs/cache-manager; forRoot keeps its 5 minutes', () => {
  const db = useRedisServer();

  async function boot(imports: unknown[]) {
    const module = await Test.createTestingModule({ imports: imports as never[] }).compile();
    await module.init();
    return module;
  }

  it('register() with no ttl: a set without a TTL, through the facade or CacheManager, has no expiry', async () => {
    const module = await boot([CacheModule.register({ redis: { url: db.server.url } })]);
    try {
      await module.get<Cache>(CACHE_MANAGER).set('peer', 1);
      expect(await module.get<Cache>(CACHE_MANAGER).wrap('peer-wrap', () => 2)).toBe(2);
      await module.get(CacheManager).set('own', 1);
      for (const key of ['peer', 'peer-wrap', 'own']) expect(await db.redis.pttl(`cache:${key}`)).toBe(-1);
      await module.get<Cache>(CACHE_MANAGER).set('bounded', 1, 60_000);
      expect(await db.redis.pttl('cache:bounded')).toBeGreaterThan(0);
    } finally {
      await module.close();
    }
  });

  it('register() on the embedded store: no expiry either', async () => {
    const module = await boot([CacheModule.register()]);
    try {
      await module.get<Cache>(CACHE_MANAGER).set('peer', 1);
      expect(await module.get<Cache>(CACHE_MANAGER).ttl('peer')).toBe(Number.POSITIVE_INFINITY);
    } finally {
      await module.close();
    }
  });

  it('forRoot without defaultTtl: a set without a TTL expires after 5 minutes', async () => {
    const module = await boot([CacheModule.forRoot({ namespace: 'own', redis: { url: db.server.url } })]);
    try {
      await module.get<Cache>(CACHE_MANAGER).set('k', 1);
      const pttl = await db.redis.pttl('own:k');
      expect(pttl).toBeGreaterThan(290_000);
      expect(pttl).toBeLessThanOrEqual(300_000);
    } finally {
      await module.close();
    }
  });

  it('register() without ttl but with a stale setting fails the boot: give ttl', async () => {
    const error = await rejection(() => boot([CacheModule.register({ redis: { url: db.server.url }, staleWhileRevalidate: '1m' } as CacheRegisterOptions)]));
    expect(error.message).toMatch(/register\(\) without "ttl" keeps entries without expiry .* "staleWhileRevalidate" cannot work with: give "ttl"/);
  });
});
