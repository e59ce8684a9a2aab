import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { CacheError, CacheManager, CacheModule, type CacheModuleOptions, type CacheRegisterOptions } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';

/** What apps written for cache-manager 4/5 stores pass, as those packages shape it (the packages are not installed). */
async function redisStore(config: Record<string, unknown>) {
  const client = { config };
  return {
    name: 'redis',
    client,
    isCacheable: (value: unknown) => value !== undefined,
    get: async () => undefined,
    set: async () => undefined,
    mset: async () => undefined,
    mget: async () => [],
    mdel: async () => undefined,
    del: async () => undefined,
    ttl: async () => -1,
    keys: async () => [],
    reset: async () => undefined,
  };
}

async function bootFailure(imports: unknown[]): Promise<CacheError> {
  const failure = await Test.createTestingModule({ imports: imports as never[] })
    .compile()
    .then(
      async (module) => {
        await module.close();
        return undefined;
      },
      (error: unknown) => error,
    );
  expect(failure).toBeInstanceOf(CacheError);
  return failure as CacheError;
}

describe('options apps bring from cache-manager 4/5 stores', () => {
  const db = useRedisServer();

  const legacyStores: Array<[string, () => Promise<unknown>]> = [
    ['store: redisStore (cache-manager-redis-store 3, -redis-yet, -ioredis-yet)', async () => redisStore],
    ['store: await redisStore({ url }) (a store instance)', () => redisStore({ url: 'redis://127.0.0.1:1' })],
    ['store: redisStore with create() (cache-manager-redis-store 2)', async () => ({ create: () => redisStore({}) })],
    ["store: 'memory'", async () => 'memory'],
  ];

  it.each(legacyStores)('%s fails the boot of register() and forRoot() with a CacheError naming redis: { url }', async (_shape, make) => {
    const store = await make();
    const viaRegister = await bootFailure([CacheModule.register({ store, ttl: 1000 } as unknown as CacheRegisterOptions)]);
    const viaForRoot = await bootFailure([CacheModule.forRoot({ namespace: 'legacy', store } as unknown as CacheModuleOptions)]);
    for (const error of [viaRegister, viaForRoot]) {
      expect(error.message).toMatch(/option "store" looks like a cache-manager or Keyv store/);
      expect(error.message).toMatch(/give redis: \{ url \} instead/);
    }
  });

  it.each(['host', 'port', 'password', 'url'])(
    'register({ %s }) beside or instead of a store fails the boot, pointing into redis: { ... } (it would be ignored)',
    async (name) => {
      const error = await bootFailure([CacheModule.register({ [name]: name === 'port' ? 6379 : 'x' } as unknown as CacheRegisterOptions)]);
      expect(error.message).toMatch(new RegExp(`option "${name}" is a connection setting of a cache-manager store: give it inside redis: \\{ \\.\\.\\. \\}`));
    },
  );

  it('refuses refreshThreshold in register(), naming staleWhileRevalidate and refreshAhead as its equivalents', async () => {
    const error = await bootFailure([CacheModule.register({ ttl: 60_000, refreshThreshold: 10_000 } as unknown as CacheRegisterOptions)]);
    expect(error.message).toMatch(/\{ ttl: T, refreshThreshold: R \} is \{ ttl: T - R, staleWhileRevalidate: R \} here/);
    expect(error.message).toMatch(/refreshAhead: \{ beta: 1 \}/);
  });

  it('takes redis.port as a string of digits (an environment variable) and connects to that port', async () => {
    const module = await Test.createTestingModule({
      imports: [CacheModule.register({ namespace: 'env-port', redis: { host: '127.0.0.1', port: String(db.server.port) } })],
    }).compile();
    await module.init();
    try {
      await module.get(CacheManager).set('k', 'v');
      expect(await db.redis.exists('env-port:k')).toBe(1);
    } finally {
      await module.close();
    }
  });

  it.each(['63a9', '', '0', '65536', ' 6379'])('refuses redis.port %p with a CacheError naming the option', async (port) => {
    const error = await bootFailure([CacheModule.forRoot({ namespace: 'bad-port', redis: { host: '127.0.0.1', port } })]);
    expect(error.message).toMatch(/option "redis.port" must be a port number \(or a string of digits\), got "/);
  });
});
