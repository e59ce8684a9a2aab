import 'reflect-metadata';
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  Cache,
  CACHE_MANAGER,
  CacheError,
  CacheManager,
  CacheModule,
  type CacheOptionsFactory,
  type CacheRegisterOptions,
} from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';
import { warningCollector } from '../support/cache-app.js';

/** CacheModule.register() / registerAsync(): @nestjs/cache-manager's options and tokens, on a real Redis. */
describe('CacheModule.register and registerAsync', () => {
  const db = useRedisServer();

  beforeEach(async () => {
    await db.redis.flushdb();
  });

  async function boot(imports: unknown[], extra: { controllers?: unknown[]; providers?: unknown[] } = {}) {
    const module = await Test.createTestingModule({
      imports: imports as never[],
      controllers: extra.controllers as never[],
      providers: extra.providers as never[],
    }).compile();
    const app = module.createNestApplication();
    await app.init();
    return app;
  }

  it('register() with no options boots on the embedded store, namespace "cache", one Cache under both tokens', async () => {
    const app = await boot([CacheModule.register()]);
    try {
      const byToken = app.get<Cache>(CACHE_MANAGER);
      expect(app.get(Cache)).toBe(byToken);
      await byToken.set('greeting', 'hello');
      expect(await byToken.get('greeting')).toBe('hello');
      expect(app.get(CacheManager).namespace).toBe('cache');
      expect(await app.get(CacheManager).get('greeting')).toBe('hello'); // the same CacheManager serves both APIs
      expect(await db.redis.dbsize()).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('register({ ttl, redis }) stores under "cache:" with ttl as the default TTL in milliseconds', async () => {
    const app = await boot([CacheModule.register({ ttl: 30_000, redis: { url: db.server.url } })]);
    try {
      await app.get(Cache).set('k', { a: 1 });
      const pttl = await db.redis.pttl('cache:k');
      expect(pttl).toBeGreaterThan(25_000);
      expect(pttl).toBeLessThanOrEqual(30_000);
    } finally {
      await app.close();
    }
  });

  it('registerAsync({ useClass, extraProviders, isGlobal }): the options class injects an extra provider; other modules see the cache', async () => {
    @Injectable()
    class Settings {
      ttlMs(): number {
        return 40_000;
      }
    }
    @Injectable()
    class FromSettings implements CacheOptionsFactory {
      constructor(private readonly settings: Settings) {}
      createCacheOptions(): CacheRegisterOptions {
        return { namespace: 'orders', ttl: this.settings.ttlMs(), redis: { url: db.server.url } };
      }
    }
    @Controller()
    class OrdersController {
      constructor(@Inject(CACHE_MANAGER) private readonly cache: Cache) {}
      @Get()
      async read(): Promise<string> {
        const value = await this.cache.get<string>('key');
        if (!value) await this.cache.set('key', 'value');
        return value ?? 'Not found';
      }
    }
    @Module({ controllers: [OrdersController] })
    class OrdersModule {}

    const app = await boot([
      CacheModule.registerAsync({ useClass: FromSettings, extraProviders: [Settings], isGlobal: true }),
      OrdersModule,
    ]);
    try {
      await request(app.getHttpServer()).get('/').expect(200, 'Not found');
      await request(app.getHttpServer()).get('/').expect(200, 'value');
      const pttl = await db.redis.pttl('orders:key');
      expect(pttl).toBeGreaterThan(35_000);
      expect(pttl).toBeLessThanOrEqual(40_000);
    } finally {
      await app.close();
    }
  });

  it('registerAsync({ imports, inject, useFactory }) and ({ useExisting }) read their options from providers', async () => {
    @Injectable()
    class Url {
      readonly value = db.server.url;
    }
    @Module({ providers: [Url], exports: [Url] })
    class UrlModule {}
    @Injectable()
    class Existing implements CacheOptionsFactory {
      createCacheOptions(): CacheRegisterOptions {
        return { namespace: 'existing', redis: { url: db.server.url } };
      }
    }
    @Module({ providers: [Existing], exports: [Existing] })
    class ExistingModule {}

    const fromFactory = await boot([
      CacheModule.registerAsync({
        imports: [UrlModule],
        inject: [Url],
        useFactory: async (url: Url) => ({ namespace: 'factory', redis: { url: url.value } }),
      }),
    ]);
    const fromExisting = await boot([CacheModule.registerAsync({ imports: [ExistingModule], useExisting: Existing })]);
    try {
      await fromFactory.get(Cache).set('a', 1);
      await fromExisting.get(Cache).set('b', 2);
      expect((await db.redis.keys('*')).sort()).toEqual(['existing:b', 'factory:a']);
    } finally {
      await fromFactory.close();
      await fromExisting.close();
    }
  });

  it.each([
    [
      'stores',
      { stores: [{}] },
      /option "stores" of @nestjs\/cache-manager is not supported: Keyv stores are not used: give `redis: \{ url \}`/,
    ],
    ['nonBlocking', { nonBlocking: true }, /option "nonBlocking"/],
    ['refreshThreshold', { refreshThreshold: 1000 }, /option "refreshThreshold"/],
    ['ttl with defaultTtl', { ttl: 1000, defaultTtl: '1s' }, /options "ttl" and "defaultTtl" name the same setting/],
    ['ttl of 0', { ttl: 0 }, /must be positive, got 0 \(0 does not mean "no expiry"\)/],
  ])('fails the boot with a CacheError naming a refused option: %s', async (_case, options, message) => {
    const failure = await boot([CacheModule.register(options as CacheRegisterOptions)]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CacheError);
    expect((failure as Error).message).toMatch(message);
  });

  it('registerAsync without a factory, class or existing provider is a CacheError at once', () => {
    expect(() => CacheModule.registerAsync({ isGlobal: true })).toThrow(/registerAsync needs one of useFactory, useClass or useExisting/);
  });

  it('logs the embedded store once, as forRoot does', async () => {
    const logger = warningCollector();
    const lines: string[] = [];
    logger.log = (message: unknown) => void lines.push(String(message));
    const module = await Test.createTestingModule({ imports: [CacheModule.register({ namespace: 'local' })] })
      .setLogger(logger)
      .compile();
    await module.init();
    await module.close();
    expect(lines.filter((line) => line.includes('embedded in-process store'))).toHaveLength(1);
  });
});
