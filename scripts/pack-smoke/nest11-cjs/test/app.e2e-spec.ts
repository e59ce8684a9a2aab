import { Test, TestingModule } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import * as request from 'supertest';
import { Redis } from 'ioredis';
import { Cache, CACHE_MANAGER } from '@datapunk/nestjs-cache/compat';
import { AppModule } from './../src/app.module';
import { ProductsController } from './../src/products/products.controller';

// Real Redis: the pack smoke starts a redis-server and passes REDIS_URL and CACHE_NAMESPACE.
describe('AppController (e2e)', () => {
  const namespace = process.env.CACHE_NAMESPACE ?? 'shop';
  let app: INestApplication;
  let redis: Redis;

  beforeAll(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
    redis = new Redis(process.env.REDIS_URL!);
    await app.get<Cache>(CACHE_MANAGER).clear();
  });

  afterAll(async () => {
    redis.disconnect();
    await app.close();
  });

  it('/products/1 (GET): a miss runs the handler, the second request is served from Redis', async () => {
    const first = await request(app.getHttpServer()).get('/products/1').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    const second = await request(app.getHttpServer()).get('/products/1').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual({ id: 1, name: 'Keyboard', price: 49 });
    expect(app.get(ProductsController).served).toBe(1);
    expect(await redis.exists(`${namespace}:http:GET:127.0.0.1/products/1`)).toBe(1);
    expect(await app.get<Cache>(CACHE_MANAGER).get('last-viewed')).toBe(1);
  });

  it('/products/99 (GET): a 404 is not cached', async () => {
    await request(app.getHttpServer()).get('/products/99').expect(404);
    await request(app.getHttpServer()).get('/products/99').expect(404);
    expect(await redis.exists(`${namespace}:http:GET:127.0.0.1/products/99`)).toBe(0);
  });

  it('/health (GET): terminus reports the cache up', async () => {
    const response = await request(app.getHttpServer()).get('/health').expect(200);
    expect(response.body.info.cache.status).toBe('up');
  });
});
