import 'reflect-metadata';
import { Controller, Get, Inject, Injectable, Param, UseInterceptors, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Cache, CACHE_MANAGER, CacheInterceptor, CacheKey, CacheModule, CacheTTL } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { HTTP_PLATFORMS, startHttpApp } from '../support/http-platforms.js';

/** As in the peer's custom-ttl app: a route TTL overrides the controller's, both in milliseconds. */
@Controller('ttl')
@CacheTTL(600)
class TtlController {
  counter = 0;

  @Get()
  @CacheTTL(500)
  @UseInterceptors(CacheInterceptor)
  route() {
    return this.counter++;
  }

  @Get('controller')
  @UseInterceptors(CacheInterceptor)
  controller() {
    return this.counter++;
  }
}

/** As in the peer's multi-store and async-register apps: a controller using the Cache interface directly. */
@Controller('direct')
class DirectController {
  constructor(@Inject(CACHE_MANAGER) private readonly cache: Cache) {}

  @Get()
  async read(): Promise<unknown> {
    const value = await this.cache.get('multi-store-key');
    if (!value) await this.cache.set('multi-store-key', 'multi-store-value');
    return value;
  }
}

/** A subclass customising the key through the peer's protected hook, as apps do with @nestjs/cache-manager. */
@Injectable()
class TenantCacheInterceptor extends CacheInterceptor {
  protected override trackBy(context: ExecutionContext): string | undefined {
    const tenant = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['x-tenant'];
    return tenant === undefined ? undefined : `tenant:${tenant}:${super.trackBy(context) as string}`;
  }
}

@Controller('keys')
class KeysController {
  runs = 0;

  @Get('by-factory/:id')
  @CacheKey((context: ExecutionContext) => `item-${context.switchToHttp().getRequest<{ params: { id: string } }>().params.id}`)
  @UseInterceptors(CacheInterceptor)
  byFactory(@Param('id') id: string) {
    return { id, run: ++this.runs };
  }

  @Get('factory-says-no')
  @CacheKey(() => undefined)
  @UseInterceptors(CacheInterceptor)
  notCached() {
    return { run: ++this.runs };
  }

  @Get('tenant')
  @UseInterceptors(TenantCacheInterceptor)
  tenant() {
    return { run: ++this.runs };
  }

  @Get('private')
  @UseInterceptors(CacheInterceptor)
  privateData() {
    return { run: ++this.runs };
  }

  @Get('null')
  @UseInterceptors(CacheInterceptor)
  nothing() {
    this.runs++;
    return null;
  }
}

describe.each(HTTP_PLATFORMS)('@nestjs/cache-manager routes on %s', (_platform, makeAdapter) => {
  let app: INestApplication;
  afterAll(async () => {
    await app.close(); // before the server's hooks: the app closes while Redis still answers
  });
  const db = useRedisServer();

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [CacheModule.register({ redis: { url: db.server.url } })],
      controllers: [TtlController, DirectController, KeysController],
      providers: [TenantCacheInterceptor],
    }).compile();
    app = await startHttpApp(module, makeAdapter);
  });

  beforeEach(async () => {
    await db.redis.flushdb();
    app.get(TtlController).counter = 0;
    app.get(KeysController).runs = 0;
  });

  const http = () => request(app.getHttpServer());

  it('sets X-Cache MISS, then HIT (peer: cache-header)', async () => {
    await http().get('/ttl').expect('X-Cache', 'MISS');
    await http().get('/ttl').expect('X-Cache', 'HIT');
  });

  it('keeps a route response for the route @CacheTTL, else the controller one, in milliseconds (peer: custom-ttl)', async () => {
    await http().get('/ttl').expect(200, '0');
    await http().get('/ttl/controller').expect(200, '1');
    const [route, controller] = await Promise.all([db.redis.pttl('cache:http:GET:127.0.0.1/ttl'), db.redis.pttl('cache:http:GET:127.0.0.1/ttl/controller')]);
    expect(route).toBeGreaterThan(0);
    expect(route).toBeLessThanOrEqual(500);
    expect(controller).toBeGreaterThan(500);
    expect(controller).toBeLessThanOrEqual(600);
    await http().get('/ttl').expect(200, '0'); // within the TTL
    await waitUntil('the route entry to expire', 5_000, async () => (await db.redis.exists('cache:http:GET:127.0.0.1/ttl')) === 0);
    await http().get('/ttl').expect(200, '2');
  });

  it('serves a controller that uses CACHE_MANAGER directly (peer: multi-store, on Redis)', async () => {
    await http().get('/direct').expect(200, '');
    await http().get('/direct').expect(200, 'multi-store-value');
    expect(await db.redis.exists('cache:multi-store-key')).toBe(1);
  });

  it('keys a route by a @CacheKey function of the context; undefined leaves it uncached', async () => {
    await http().get('/keys/by-factory/3').expect(200);
    const again = await http().get('/keys/by-factory/3').expect(200);
    expect(again.body).toEqual({ id: '3', run: 1 });
    expect(await db.redis.exists('cache:http:GET:item-3')).toBe(1);
    await http().get('/keys/factory-says-no').expect(200);
    const uncached = await http().get('/keys/factory-says-no').expect(200);
    expect(uncached.body.run).toBe(3);
    expect(uncached.headers['x-cache']).toBeUndefined();
  });

  it('lets a subclass key responses through the protected trackBy hook', async () => {
    const a = await http().get('/keys/tenant').set('X-Tenant', 'a').expect(200);
    const b = await http().get('/keys/tenant').set('X-Tenant', 'b').expect(200);
    const aAgain = await http().get('/keys/tenant').set('X-Tenant', 'a').expect(200);
    expect([a.body.run, b.body.run, aAgain.body.run]).toEqual([1, 2, 1]);
    await http().get('/keys/tenant').expect(200); // no tenant: trackBy says undefined, not cached
    expect((await db.redis.keys('cache:*')).sort()).toEqual([
      'cache:http:GET:127.0.0.1|tenant:a:/keys/tenant', // the site (host name) stays in a key of trackBy's
      'cache:http:GET:127.0.0.1|tenant:b:/keys/tenant',
    ]);
  });

  it('differs on purpose: a credentialed request is neither served from nor stored in the cache without @CacheVary', async () => {
    await http().get('/keys/private').set('Authorization', 'Bearer alice').expect(200);
    const bob = await http().get('/keys/private').set('Authorization', 'Bearer bob').expect(200);
    expect(bob.body.run).toBe(2); // the peer would have served alice's response to bob
    expect(await db.redis.dbsize()).toBe(0);
  });

  it('differs on purpose: a null response is cached as a value (the peer reads null as a miss)', async () => {
    await http().get('/keys/null').expect(200);
    const second = await http().get('/keys/null').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(app.get(KeysController).runs).toBe(1);
  });
});
