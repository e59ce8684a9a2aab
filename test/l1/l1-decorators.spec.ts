import 'reflect-metadata';
import { Controller, Get, Injectable, Param, UseInterceptors, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Cacheable, CacheInterceptor, CacheManager, CacheModule } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from '../faults/fault-harness.js';

let loads = 0;

@Injectable()
class Prices {
  @Cacheable({ key: (id: string) => `price:${id}` })
  async price(id: string): Promise<{ id: string; load: number }> {
    return { id, load: ++loads };
  }
}

@Controller('items')
@UseInterceptors(CacheInterceptor)
class ItemsController {
  @Get(':id')
  item(@Param('id') id: string) {
    return { id, load: ++loads };
  }
}

/** @Cacheable and the interceptor read through the tier like getOrSet: hits from memory, writes elsewhere evict. */
describe('l1 under the decorators and the interceptor', () => {
  const redis = useRedisServer();
  let app: INestApplication;
  let other: INestApplication;

  beforeAll(async () => {
    const make = async () => {
      const module = await Test.createTestingModule({
        imports: [CacheModule.forRoot({ namespace: 'l1deco', redis: { url: redis.server.url }, l1: {} })],
        providers: [Prices],
        controllers: [ItemsController],
      }).compile();
      const created = module.createNestApplication();
      await created.init();
      return created;
    };
    [app, other] = await Promise.all([make(), make()]);
  });
  afterAll(async () => {
    await app?.close();
    await other?.close();
  });

  async function l1Hits(): Promise<number> {
    return metricValue('cache_l1_hits_total', { namespace: 'l1deco' });
  }

  it('@Cacheable serves from memory and sees another instance’s write', async () => {
    const prices = app.get(Prices);
    const first = await prices.price('a');
    await waitUntil('served from memory', 2000, async () => {
      const hits = await l1Hits();
      await prices.price('a');
      return (await l1Hits()) > hits;
    });
    expect((await prices.price('a')).load).toBe(first.load);
    await other.get(CacheManager).set('price:a', { id: 'a', load: -1 });
    await waitUntil('the write reaches this instance', 2000, async () => (await prices.price('a')).load === -1);
  });

  it('the interceptor serves from memory and sees an invalidation made elsewhere', async () => {
    const server = app.getHttpServer();
    const first = await request(server).get('/items/x').expect(200);
    await waitUntil('served from memory', 2000, async () => {
      const hits = await l1Hits();
      await request(server).get('/items/x');
      return (await l1Hits()) > hits;
    });
    expect((await request(server).get('/items/x')).body).toEqual(first.body);
    await redis.redis.flushall();
    await waitUntil(
      'the flush reaches this instance',
      2000,
      async () => (await request(server).get('/items/x')).body.load !== first.body.load,
    );
  });
});
