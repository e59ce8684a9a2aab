import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { BUDGET_MS, MAX_CACHE_WAIT_MS, metricValue, readThroughLoad, timeUntil } from './fault-harness.js';

describe('faults: Redis outages', () => {
  it('Redis killed mid-load with 64 calls in flight, then restarted on the same port', async () => {
    const server = await RedisServer.start();
    const { module, cache } = await bootCache({ namespace: 'killed', redis: { url: server.url }, operationTimeout: BUDGET_MS });
    try {
      const load = readThroughLoad(cache, { inFlight: 64, durationMs: 2500, maxCalls: 200_000, keys: 50 });
      await new Promise((resolve) => setTimeout(resolve, 700));
      await server.stop('SIGKILL');
      const result = await load;
      expect(result.thrown).toBe(0);
      expect(result.wrongValues).toBe(0);
      expect(result.calls).toBeGreaterThan(1000);
      expect(result.slowestCacheWaitMs).toBeLessThan(MAX_CACHE_WAIT_MS);

      // A direct call gets a CacheError, fast, whose cause says what happened.
      const startedAt = performance.now();
      const failure = await cache.get('load:1').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(CacheError);
      expect((failure as CacheError).operation).toBe('get');
      expect(String((failure as CacheError).cause)).toMatch(/ECONNREFUSED|Connection is closed|connection is down|circuit open/);
      expect(performance.now() - startedAt).toBeLessThan(MAX_CACHE_WAIT_MS);
      expect(await metricValue('cache_errors_total', { namespace: 'killed' })).toBeGreaterThan(0);

      await server.launch();
      await cache.getOrSet('after', () => 'stored again').catch(() => undefined);
      const recoveryMs = await timeUntil(async () => {
        await cache.set('after', 'stored again');
        return (await cache.get('after')) === 'stored again';
      }, 5000);
      expect(recoveryMs).toBeLessThan(2000);
      console.info(
        `faults: killed mid-load: ${result.calls} calls, slowest cache wait ${result.slowestCacheWaitMs.toFixed(0)} ms, recovered in ${recoveryMs.toFixed(0)} ms`,
      );
    } finally {
      await module.close();
      await server.dispose();
    }
  });

  it('Redis hung with SIGSTOP for 5 s: calls stay within budget, the circuit opens, then closes again', async () => {
    const server = await RedisServer.start();
    const { module, cache } = await bootCache({
      namespace: 'hung',
      redis: { url: server.url },
      operationTimeout: BUDGET_MS,
      circuitBreaker: { failureThreshold: 5, cooldown: 500 },
    });
    try {
      await cache.set('warm', 1);
      process.kill(server.pid!, 'SIGSTOP');
      // A direct call on a hung server: a CacheError saying timeout, within the budget.
      const startedAt = performance.now();
      const failure = await cache.get('warm').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(performance.now() - startedAt).toBeLessThan(MAX_CACHE_WAIT_MS);
      expect(failure).toBeInstanceOf(CacheError);
      expect(String((failure as CacheError).cause)).toMatch(/timed? ?out/i);
      const result = await readThroughLoad(cache, { inFlight: 16, durationMs: 5000, maxCalls: 100_000, keys: 20 });
      expect(result.thrown).toBe(0);
      expect(result.wrongValues).toBe(0);
      expect(result.slowestCacheWaitMs).toBeLessThan(MAX_CACHE_WAIT_MS);
      expect(await metricValue('cache_circuit_state', { namespace: 'hung' })).toBeGreaterThan(0);
      expect(await metricValue('cache_errors_total', { namespace: 'hung', reason: 'circuit_open' })).toBeGreaterThan(0);
      expect(await metricValue('cache_errors_total', { namespace: 'hung', reason: 'timeout' })).toBeGreaterThan(0);

      process.kill(server.pid!, 'SIGCONT');
      const recoveryMs = await timeUntil(async () => (await cache.get('warm')) === 1, 5000);
      expect(recoveryMs).toBeLessThan(2000);
      expect(await metricValue('cache_circuit_state', { namespace: 'hung' })).toBe(0);
      console.info(
        `faults: SIGSTOP 5 s: ${result.calls} calls, slowest cache wait ${result.slowestCacheWaitMs.toFixed(0)} ms, recovered in ${recoveryMs.toFixed(0)} ms`,
      );
    } finally {
      if (server.pid) process.kill(server.pid, 'SIGCONT');
      await module.close();
      await server.dispose();
    }
  });

  it('Redis never started: the app boots, read-through serves the loader, and the cache serves once Redis is up', async () => {
    const server = await RedisServer.start();
    await server.stop(); // keep its port, but nothing listens
    const logger = warningCollector();
    const { module, cache } = await bootCache({ namespace: 'late', redis: { url: server.url }, operationTimeout: BUDGET_MS }, logger);
    try {
      expect(logger.warnings.filter((line) => line.includes('Redis is not reachable at startup'))).toHaveLength(1);
      const startedAt = performance.now();
      expect(await cache.getOrSet('k', () => 'from loader')).toBe('from loader');
      expect(performance.now() - startedAt).toBeLessThan(MAX_CACHE_WAIT_MS);
      await expect(cache.set('k', 1)).rejects.toThrow(CacheError);
      expect(await metricValue('cache_errors_total', { namespace: 'late', operation: 'getOrSet' })).toBeGreaterThan(0);
      expect(await metricValue('cache_errors_total', { namespace: 'late', operation: 'set' })).toBeGreaterThan(0);

      await server.launch();
      const recoveryMs = await timeUntil(async () => {
        await cache.set('k', 'cached');
        return (await cache.get('k')) === 'cached';
      }, 5000);
      expect(recoveryMs).toBeLessThan(2000);
    } finally {
      await module.close();
      await server.dispose();
    }
  });

  it('logs an outage at thousands of calls as a handful of lines', async () => {
    const server = await RedisServer.start();
    const logger = warningCollector();
    const { module, cache } = await bootCache({ namespace: 'noisy', redis: { url: server.url }, operationTimeout: BUDGET_MS }, logger);
    try {
      await server.stop('SIGKILL');
      const result = await readThroughLoad(cache, { inFlight: 64, durationMs: 1500, maxCalls: 20_000, keys: 100 });
      expect(result.calls).toBeGreaterThan(2000);
      expect(result.thrown).toBe(0);
      // Each kind of failure is logged once per interval (connection errors, failed lookups, failed writes, the circuit opening).
      expect(logger.warnings.length).toBeGreaterThan(0);
      expect(logger.warnings.length).toBeLessThan(15);
    } finally {
      await module.close();
      await server.dispose();
    }
  });
});
