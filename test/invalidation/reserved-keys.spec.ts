import 'reflect-metadata';
import { Injectable, type CanActivate, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheAdminModule, CacheError, CacheManager, CacheModule } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';
import type { Redis } from 'ioredis';

/**
 * The package's own keys inside a namespace (tag tokens, the tag epoch, stampede and warmer locks, l1 heartbeats,
 * monitor reports), at the root and under a version: what no user-facing removal may take.
 */
const RESERVED = [
  'res:__tag__:team',
  'res:__tag-epoch__',
  'res:__lock__:hot',
  'res:__lock__:__warmer__:Warmer.run',
  'res:__monitor__:footprint',
  'res:__monitor__:footprint:turn',
  'res:__l1-lease__:instance-1:7',
  'res:v3:__tag__:team',
  'res:v3:__tag-epoch__',
  'res:v3:__lock__:hot',
];

async function seedReserved(redis: Redis): Promise<void> {
  const seed = redis.pipeline();
  for (const key of RESERVED) seed.set(key, 'the package’s own', 'PX', 60_000);
  await seed.exec();
}

async function survivingReserved(redis: Redis): Promise<string[]> {
  const found = await Promise.all(RESERVED.map((key) => redis.exists(key)));
  return RESERVED.filter((_key, i) => found[i] === 1);
}

/** Fake a user's entries under a prefix the reserved segments share (`_`, `__`, `v3:`). */
async function seedUserKeys(cache: CacheManager): Promise<void> {
  await cache.mset([
    { key: '_draft', value: 1 },
    { key: '__meta', value: 2 },
    { key: '__tagline', value: 3 },
    { key: 'v3:item', value: 4 },
  ]);
}

describe('reserved keys: user-facing removal never touches them', () => {
  const db = useRedisServer();
  let app: INestApplication;
  let cache: CacheManager;
  const admin = () => request(app.getHttpServer());

  @Injectable()
  class AllowAll implements CanActivate {
    canActivate(): boolean {
      return true;
    }
  }

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'res', redis: { url: db.server.url } }), CacheAdminModule.forRoot({ guard: AllowAll })],
    }).compile();
    app = module.createNestApplication(new ExpressAdapter(), { logger: false });
    await app.init();
    cache = app.get(CacheManager);
  });
  afterAll(() => app?.close());
  beforeEach(() => db.redis.flushdb());

  it.each(['_', '__', '__t', '__tag', '__tag-', '__lock', '__l1', '__monitor', 'v', 'v3', 'v3:', 'v3:_', 'v3:__tag'])(
    'invalidatePrefix(%j) removes the user keys it covers and skips every reserved key',
    async (prefix) => {
      await seedReserved(db.redis);
      await seedUserKeys(cache);
      const covered = ['_draft', '__meta', '__tagline', 'v3:item'].filter((key) => key.startsWith(prefix));
      expect(await cache.invalidatePrefix(prefix)).toBe(covered.length);
      expect(await survivingReserved(db.redis)).toEqual(RESERVED);
      for (const key of covered) expect(await db.redis.exists(`res:${key}`)).toBe(0);
    },
  );

  it('a prefix or key inside a reserved segment, at the root or under a version, is a CacheError naming it', async () => {
    for (const prefix of ['__tag__:', '__lock__:hot', 'v3:__tag__:', 'v3:__lock__:', 'v3:__tag-epoch__', 'v3:__l1-lease__:']) {
      await expect(cache.invalidatePrefix(prefix)).rejects.toThrow(CacheError);
      await expect(cache.invalidatePrefix(prefix)).rejects.toThrow(/reserved/);
    }
    await expect(cache.invalidate('v3:__lock__:hot')).rejects.toThrow(/"v3:__lock__:" are reserved for stampede locks/);
    await expect(cache.set('v3:__tag__:team', 'forged')).rejects.toThrow(/reserved for tag tokens/);
    await expect(cache.get('v3:__tag-epoch__')).rejects.toThrow(/reserved for the tag invalidation epoch/);
    // A key that only looks like a version is an ordinary key.
    await cache.set('v3:__ok', 1);
    await cache.set('vx y:__tag__:z', 1);
    expect(await cache.get('v3:__ok')).toBe(1);
  });

  it('a versioned namespace’s invalidatePrefix skips its own reserved keys', async () => {
    const v3 = cache.withNamespace('res', { version: 3 });
    await seedReserved(db.redis);
    await v3.set('__x', 1);
    expect(await v3.invalidatePrefix('_')).toBe(1);
    expect(await survivingReserved(db.redis)).toEqual(RESERVED);
  });

  it('through the admin endpoint: POST /cache/invalidate { prefix } skips them, a reserved prefix or key is a 400', async () => {
    await seedReserved(db.redis);
    await seedUserKeys(cache);
    for (const prefix of ['_', '__tag', 'v3:']) {
      await admin().post('/cache/invalidate').send({ prefix }).expect(200);
    }
    expect(await survivingReserved(db.redis)).toEqual(RESERVED);
    expect(await cache.mget(['_draft', '__tagline', 'v3:item'])).toEqual([undefined, undefined, undefined]);

    const refused = await admin().post('/cache/invalidate').send({ prefix: 'v3:__tag__:' }).expect(400);
    expect(refused.body.message).toMatch(/prefix is invalid: .*"v3:__tag__:" are reserved for tag tokens/);
    const key = await admin().delete('/cache/keys/v3:__lock__:hot').expect(400);
    expect(key.body.message).toMatch(/reserved for stampede locks/);
    expect(await survivingReserved(db.redis)).toEqual(RESERVED);
  });

  it('clear() stays the namespace reset it is documented to be: every key under the prefix, its own included', async () => {
    await seedReserved(db.redis);
    await seedUserKeys(cache);
    await db.redis.set('other:keep', '1');
    expect(await cache.clear()).toBe(RESERVED.length + 4);
    expect(await db.redis.keys('*')).toEqual(['other:keep']);
  });
});
