import { Redis } from 'ioredis';
import type { CacheManager, CacheModuleOptions } from '@datapunk/nestjs-cache';
import type { LoggerService } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * One ioredis client passed to two modules (`redis.client`): a connection redirects its tracking to one channel only,
 * so if both modules tracked it each heartbeat would point the redirect at its own channel and the invalidations sent
 * meanwhile would never reach the other. The first module tracks; the second falls back, saying why.
 */
describe('one redis.client shared by two modules with tracking (l1, tags.tokenMemo)', () => {
  let server: RedisServer;
  let shared: Redis;
  const modules: TestingModule[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    shared = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    await Promise.all(modules.splice(0).map((module) => module.close()));
    shared?.disconnect();
    await server?.dispose();
  });

  async function boot(options: CacheModuleOptions, logger?: LoggerService): Promise<CacheManager> {
    const { module, cache } = await bootCache(options, logger);
    modules.push(module);
    return cache;
  }

  it('the second module falls back with one warning, and the first hears every invalidation', async () => {
    const memo = { tags: { tokenMemo: { maxStaleness: '300ms' } } } as const;
    const reader = await boot({ namespace: 'orders', redis: { client: shared }, ...memo });
    const second = warningCollector();
    await boot({ namespace: 'reports', redis: { client: shared }, l1: { maxStaleness: '300ms' }, ...memo }, second);
    expect(second.warnings.filter((line) => line.includes('already tracks reads on this ioredis client'))).toHaveLength(2); // memo and l1
    const writer = await boot({ namespace: 'orders', redis: { url: server.url } });
    for (let round = 1; round <= 6; round++) {
      await writer.set('k', `v${round}`, { tags: ['t'] });
      await waitUntil('the reader sees the new value', 5000, async () => (await reader.get('k')) === `v${round}`);
      await new Promise((resolve) => setTimeout(resolve, 100 * (round % 3)));
      await writer.invalidateTags('t');
      // Past 3× maxStaleness: whatever the redirect did meanwhile, the reader must not serve the invalidated value.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect({ round, value: await reader.get('k') }).toEqual({ round, value: undefined });
    }
  }, 60_000);
});
