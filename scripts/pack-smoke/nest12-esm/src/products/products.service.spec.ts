import { Test, TestingModule } from '@nestjs/testing';
import { ConfigModule } from '@nestjs/config';
import * as root from '@datapunk/nestjs-cache';
import { CacheManager } from '@datapunk/nestjs-cache';
import { Cache, CACHE_MANAGER } from '@datapunk/nestjs-cache/compat';
import { Redis } from 'ioredis';
import { cacheModule } from '../cache.config.js';
import { ProductsService } from './products.service.js';

// Real Redis: the pack smoke starts a redis-server and passes REDIS_URL and CACHE_NAMESPACE.
describe('ProductsService', () => {
  const namespace = process.env.CACHE_NAMESPACE ?? 'shop';
  let moduleRef: TestingModule;
  let service: ProductsService;
  let redis: Redis;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ isGlobal: true }), cacheModule()],
      providers: [ProductsService],
    }).compile();
    await moduleRef.init(); // binds @Cacheable methods
    service = moduleRef.get(ProductsService);
    redis = new Redis(process.env.REDIS_URL!);
    await moduleRef.get<Cache>(CACHE_MANAGER).clear();
  });

  afterAll(async () => {
    redis.disconnect();
    await moduleRef.close();
  });

  it('@Cacheable loads a product once, then serves it from Redis', async () => {
    expect(await service.findOne(1)).toEqual({ id: 1, name: 'Keyboard', price: 49 });
    expect(await service.findOne(1)).toEqual({ id: 1, name: 'Keyboard', price: 49 });
    expect(service.loads).toBe(1);
    expect(await redis.exists(`${namespace}:product:1`)).toBe(1);
  });

  it('CacheManager.getOrSet runs the loader on a miss only', async () => {
    const before = service.loads;
    expect(await service.count()).toBe(2);
    expect(await service.count()).toBe(2);
    expect(service.loads).toBe(before + 1);
    expect(await moduleRef.get(CacheManager).get('product-count')).toBe(2);
  });

  it('/compat and the root hand back the same CACHE_MANAGER token and Cache class (one copy of the package)', () => {
    expect(CACHE_MANAGER).toBe(root.CACHE_MANAGER);
    expect(Cache).toBe(root.Cache);
    expect(moduleRef.get<Cache>(CACHE_MANAGER)).toBe(moduleRef.get(root.CACHE_MANAGER));
  });

  it('the CACHE_MANAGER facade writes what CacheManager reads', async () => {
    await service.markViewed(2);
    expect(await service.lastViewed()).toBe(2);
    expect(await moduleRef.get(CacheManager).get('last-viewed')).toBe(2);
    expect(await redis.exists(`${namespace}:last-viewed`)).toBe(1);
  });
});
