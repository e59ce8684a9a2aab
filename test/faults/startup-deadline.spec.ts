import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { freePort } from '../support/redis-server.js';

/**
 * ioredis's connect() never settles while no Sentinel answers (it retries them forever): the module's start must
 * not wait on it. The deadline with the default operationTimeout (250 ms) is 3 s.
 */
describe('faults: no Sentinel answers at startup', () => {
  const unreachable = async () => ({ sentinels: [{ host: '127.0.0.1', port: await freePort() }], name: 'mymaster' });

  it('the app still boots, within the startup deadline, logs why, and fails open', async () => {
    const logger = warningCollector();
    const startedAt = performance.now();
    const { module, cache } = await bootCache({ namespace: 'no-sentinel', redis: await unreachable() }, logger);
    try {
      const bootMs = performance.now() - startedAt;
      expect(bootMs).toBeGreaterThanOrEqual(2900);
      expect(bootMs).toBeLessThan(6000); // the deadline plus generous slack for a loaded CI box
      expect(logger.warnings.join('\n')).toMatch(/Redis is not reachable at startup \(connect: Redis did not answer within 3000 ms\)/);
      expect(await cache.getOrSet('k', () => 'from loader')).toBe('from loader');
      await expect(cache.get('k')).rejects.toBeInstanceOf(CacheError);
    } finally {
      await module.close();
    }
  });

  it('with failOnStartup the boot fails with a CacheError instead of hanging', async () => {
    const failure = await bootCache({ namespace: 'no-sentinel-strict', redis: await unreachable(), failOnStartup: true }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CacheError);
    expect((failure as CacheError).operation).toBe('connect');
    expect((failure as CacheError).message).toMatch(/did not answer within 3000 ms/);
  });
});
