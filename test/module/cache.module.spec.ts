import 'reflect-metadata';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { CacheError, CacheManager, CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { freePort, RedisServer } from '../support/redis-server.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { storedValue } from '../support/stored-entry.js';

@Injectable()
class OrdersService {
  constructor(readonly cache: CacheManager) {}
}

@Injectable()
class CacheConfig {
  createCacheOptions(): CacheModuleOptions {
    return { namespace: 'from-class', defaultTtl: '1s' };
  }
}

describe('CacheModule', () => {
  const db = useRedisServer();

  it('builds from ConfigService with forRootAsync and injects CacheManager into a global scope', async () => {
    @Module({ providers: [OrdersService] })
    class OrdersModule {}

    const module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ REDIS_URL: db.server.url, CACHE_TTL: '2m' })] }),
        CacheModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            namespace: 'orders',
            redis: { url: config.getOrThrow<string>('REDIS_URL') },
            defaultTtl: config.getOrThrow<string>('CACHE_TTL'),
          }),
          isGlobal: true,
        }),
        OrdersModule,
      ],
    }).compile();
    await module.init();
    const service = module.get(OrdersService);
    await service.cache.set('o1', { total: 10 });
    expect(await storedValue(db.redis, 'orders:o1')).toEqual({ total: 10 });
    expect(await db.redis.pttl('orders:o1')).toBeGreaterThan(110_000);
    await module.close();
  });

  it('builds with useClass', async () => {
    const module = await Test.createTestingModule({ imports: [CacheModule.forRootAsync({ useClass: CacheConfig })] }).compile();
    await module.init();
    const cache = module.get(CacheManager);
    expect(cache.namespace).toBe('from-class');
    await cache.set('k', 'v');
    expect(await cache.ttl('k')).toBeLessThanOrEqual(1000);
    await module.close();
  });

  it('builds with useExisting', async () => {
    @Module({ providers: [CacheConfig], exports: [CacheConfig] })
    class ConfigHolder {}
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRootAsync({ imports: [ConfigHolder], useExisting: CacheConfig })],
    }).compile();
    await module.init();
    expect(module.get(CacheManager).namespace).toBe('from-class');
    await module.close();
  });

  it('is connected before importing modules initialise, so a provider can warm the cache in onModuleInit', async () => {
    @Injectable()
    class Warmer implements OnModuleInit {
      warmed?: unknown;
      constructor(private readonly cache: CacheManager) {}
      async onModuleInit() {
        await this.cache.set('warm', { ready: true });
        this.warmed = await this.cache.get('warm');
      }
    }
    @Module({ providers: [Warmer] })
    class WarmModule {}
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'warming', redis: { url: db.server.url }, isGlobal: true }), WarmModule],
    }).compile();
    await module.init();
    expect(module.get(Warmer).warmed).toEqual({ ready: true });
    expect(await storedValue(db.redis, 'warming:warm')).toEqual({ ready: true });
    await module.close();
  });

  it('keeps two namespaces on one Redis apart', async () => {
    const a = await bootCache({ namespace: 'billing', redis: { url: db.server.url } });
    const b = await bootCache({ namespace: 'shipping', redis: { host: '127.0.0.1', port: db.server.port } });
    await a.cache.set('shared-name', 'billing value');
    await b.cache.set('shared-name', 'shipping value');
    expect(await a.cache.get('shared-name')).toBe('billing value');
    expect(await b.cache.get('shared-name')).toBe('shipping value');
    await b.cache.clear();
    expect(await a.cache.get('shared-name')).toBe('billing value');
    expect(await b.cache.get('shared-name')).toBeUndefined();
    await a.module.close();
    await b.module.close();
  });

  it('uses a client the user owns and never closes it', async () => {
    const own = new Redis(db.server.port, '127.0.0.1');
    const { module, cache } = await bootCache({ namespace: 'owned', redis: { client: own } });
    await cache.set('k', 1);
    await module.close();
    expect(own.status).toBe('ready');
    expect(await storedValue(own, 'owned:k')).toBe(1);
    own.disconnect();
  });

  it('closes the connection it created when the app closes', async () => {
    const name = 'closing-test';
    const { module, cache } = await bootCache({ namespace: 'closing', redis: { url: db.server.url, options: { connectionName: name } } });
    await cache.set('k', 1);
    expect(await clientsNamed(db.redis, name)).toBe(1);
    await module.close();
    await waitUntil('the closed client to leave Redis', 3000, async () => (await clientsNamed(db.redis, name)) === 0);
  });

  it('serves the same API from the embedded store when no Redis is configured', async () => {
    const { module, cache } = await bootCache({ namespace: 'local', memoryMaxEntries: 2 });
    await cache.set('a', { x: 1 });
    await cache.set('nil', null);
    expect(await cache.get('a')).toEqual({ x: 1 });
    expect(await cache.get('nil')).toBeNull();
    expect(await cache.mget(['a', 'missing'])).toEqual([{ x: 1 }, undefined]);
    expect(await cache.getOrSet('loaded', () => 'v')).toBe('v');
    expect(await cache.has('nil')).toBe(false); // evicted: the LRU holds two entries, 'nil' was used least recently
    expect(await cache.clear()).toBe(2);
    await expect(cache.set('bad', 1, { ttl: 0 })).rejects.toThrow(CacheError);
    await module.close();
  });

  it('does not fail the boot when Redis is down, unless failOnStartup is set', async () => {
    const deadPort = await freePort();
    const redisOptions = { url: `redis://127.0.0.1:${deadPort}`, options: { maxRetriesPerRequest: 0, retryStrategy: () => null } };
    const { module, cache } = await bootCache({ namespace: 'down', redis: redisOptions });
    await expect(cache.get('k')).rejects.toThrow(CacheError);
    expect(await cache.getOrSet('k', () => 'from loader')).toBe('from loader');
    await module.close();

    await expect(bootCache({ namespace: 'down', redis: redisOptions, failOnStartup: true })).rejects.toThrow(/connect/);
  });

  it('with failOnStartup, a failed boot leaves no client reconnecting behind it', async () => {
    const server = await RedisServer.start();
    await server.stop(); // its port, with nothing listening yet
    try {
      const options = { namespace: 'strict', redis: { url: server.url, options: { connectionName: 'strict-boot' } }, failOnStartup: true };
      await expect(bootCache(options)).rejects.toThrow(/connect/);
      await server.launch();
      const probe = new Redis(server.port, '127.0.0.1');
      try {
        await new Promise((resolve) => setTimeout(resolve, 1500)); // three times the longest reconnect backoff
        expect(await clientsNamed(probe, 'strict-boot')).toBe(0);
      } finally {
        probe.disconnect();
      }
    } finally {
      await server.dispose();
    }
  });

  it.each<[string, CacheModuleOptions['redis']]>([
    ['ioredis options alone (its default address)', { options: { password: 'secret' } }],
    ['Sentinel settings inside ioredis options', { options: { sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster' } }],
    ['a Unix socket path', { options: { path: '/tmp/redis.sock' } }],
    ['a port alone', { port: 6379 }],
  ])('accepts %s', async (_label, redis) => {
    const module = await Test.createTestingModule({ imports: [CacheModule.forRoot({ namespace: 'ok', redis })] }).compile();
    expect(module.get(CacheManager).namespace).toBe('ok');
    await module.close();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no namespace', {}, /option "namespace"/],
    ['a namespace with a glob', { namespace: 'a*' }, /option "namespace"/],
    ['an unparsable TTL', { namespace: 'n', defaultTtl: 'tomorrow' }, /option "defaultTtl"/],
    ['a zero TTL', { namespace: 'n', defaultTtl: 0 }, /option "defaultTtl" must be positive/],
    ['url and client together', { namespace: 'n', redis: { url: 'redis://x', client: {} } }, /"redis.url" and "redis.client" contradict/],
    ['url and host together', { namespace: 'n', redis: { url: 'redis://x', host: 'h' } }, /"redis.url" and "redis.host\/port"/],
    ['cluster and sentinels together', { namespace: 'n', redis: { cluster: { nodes: [] }, sentinels: [] } }, /contradict/],
    ['sentinels without a name', { namespace: 'n', redis: { sentinels: [{ host: 'h', port: 1 }] } }, /"redis.name"/],
    ['a url of another scheme', { namespace: 'n', redis: { url: 'http://x' } }, /"redis.url"/],
    ['a bad port', { namespace: 'n', redis: { port: 70000 } }, /"redis.port"/],
    ['an empty cluster', { namespace: 'n', redis: { cluster: { nodes: [] } } }, /"redis.cluster.nodes"/],
    [
      'redis.options beside a cluster',
      { namespace: 'n', redis: { cluster: { nodes: [{ port: 1 }] }, options: { db: 1 } } },
      /"redis.options" is not used/,
    ],
    ['a redis object naming no server', { namespace: 'n', redis: {} }, /option "redis" names no server/],
    ['a failOnStartup that is not a boolean', { namespace: 'n', failOnStartup: 'yes' }, /option "failOnStartup" must be true or false/],
    ['a lock that is neither boolean nor object', { namespace: 'n', lock: 'on' }, /option "lock" must be/],
    ['a circuitBreaker of true', { namespace: 'n', circuitBreaker: true }, /option "circuitBreaker" must be false or/],
  ])('fails the boot on %s, naming the option', async (_label, options, message) => {
    const build = Test.createTestingModule({ imports: [CacheModule.forRoot(options as unknown as CacheModuleOptions)] }).compile();
    await expect(build).rejects.toThrow(message);
  });
});

async function clientsNamed(redis: Redis, name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}
