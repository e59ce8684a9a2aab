import 'reflect-metadata';
import { Controller, Get, Injectable, type INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Cacheable, CacheInterceptor, CacheInvalidate, CacheModule, CachePut } from '@datapunk/nestjs-cache';
import { RedisServer } from '../support/redis-server.js';
import { metricValue } from './fault-harness.js';

let runs = 0;

@Injectable()
class PricesService {
  @Cacheable({ key: (sku: string) => `price:${sku}` })
  async price(sku: string) {
    runs++;
    return { sku, cents: 1299 };
  }

  @CachePut({ key: (sku: string) => `price:${sku}` })
  async reprice(sku: string) {
    return { sku, cents: 999 };
  }

  @CacheInvalidate({ keys: (sku: string) => [`price:${sku}`] })
  async remove(sku: string) {
    return sku;
  }
}

@Controller('prices')
class PricesController {
  constructor(private readonly prices: PricesService) {}

  @Get('abc')
  abc() {
    return this.prices.price('abc');
  }
}

describe('faults: decorators and the interceptor with Redis stopped', () => {
  let server: RedisServer;
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisServer.start();
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'prices', redis: { url: server.url }, operationTimeout: 200 })],
      providers: [PricesService, { provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
      controllers: [PricesController],
    }).compile();
    app = module.createNestApplication();
    await app.init();
    await server.stop('SIGKILL');
  });

  afterAll(async () => {
    await app.close();
    await server.dispose();
  });

  it('runs the method and returns its value; decorators never throw because of the cache', async () => {
    const prices = app.get(PricesService);
    expect(await prices.price('abc')).toEqual({ sku: 'abc', cents: 1299 });
    expect(await prices.price('abc')).toEqual({ sku: 'abc', cents: 1299 });
    expect(runs).toBe(2);
    expect(await prices.reprice('abc')).toEqual({ sku: 'abc', cents: 999 });
    expect(await prices.remove('abc')).toBe('abc');
    expect(await metricValue('cache_errors_total', { namespace: 'prices' })).toBeGreaterThan(0);
  });

  it('serves HTTP responses through the interceptor', async () => {
    const response = await request(app.getHttpServer()).get('/prices/abc').expect(200);
    expect(response.body).toEqual({ sku: 'abc', cents: 1299 });
    expect(response.headers['x-cache']).toBe('MISS'); // served by the handler, not from the cache
  });
});
