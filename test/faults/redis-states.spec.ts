import { Redis } from 'ioredis';
import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { BUDGET_MS, MAX_CACHE_WAIT_MS, metricValue, timeUntil } from './fault-harness.js';

/** The time a call takes, and what it resolved to or the error it rejected with. */
async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const startedAt = performance.now();
  try {
    const value = await call();
    return { ms: performance.now() - startedAt, value };
  } catch (error) {
    return { ms: performance.now() - startedAt, error };
  }
}

describe('faults: Redis in a state that refuses commands', () => {
  it('READONLY (the cache points at a replica): writes get a CacheError within budget, reads and read-through work', async () => {
    const master = await RedisServer.start(['--repl-diskless-sync-delay', '0']);
    const replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const raw = new Redis(master.port, '127.0.0.1');
    const replicaInfo = new Redis(replica.port, '127.0.0.1');
    const { module, cache } = await bootCache({ namespace: 'ro', redis: { url: replica.url }, operationTimeout: BUDGET_MS });
    try {
      await raw.set('ro:present', '"from master"');
      await timeUntil(async () => (await cache.get('present')) === 'from master', 5000);

      const write = await timed(() => cache.set('k', 1));
      expect(write.error).toBeInstanceOf(CacheError);
      expect(String((write.error as CacheError).cause)).toMatch(/READONLY/);
      expect(write.ms).toBeLessThan(MAX_CACHE_WAIT_MS);
      expect(await metricValue('cache_errors_total', { namespace: 'ro', operation: 'set', reason: 'readonly' })).toBeGreaterThan(0);

      const readThrough = await timed(() => cache.getOrSet('absent', () => 'loaded'));
      expect(readThrough.value).toBe('loaded');
      expect(readThrough.ms).toBeLessThan(MAX_CACHE_WAIT_MS);
      expect(await cache.getOrSet('present', () => 'not used')).toBe('from master');

      // Under load, with write-backs failing READONLY all along: the client reconnects at most once per 5 s, the
      // circuit stays closed, and reads of the present key keep coming from the cache.
      const connections = async () => Number(/total_connections_received:(\d+)/.exec(await replicaInfo.info('stats'))![1]);
      const connectionsBefore = await connections();
      let presentCalls = 0;
      let presentFromLoader = 0;
      const deadline = performance.now() + 1500;
      const worker = async (id: number) => {
        for (let i = 0; performance.now() < deadline && i < 20_000; i++) {
          if (i % 10 === 0) await cache.getOrSet(`miss:${id}:${i}`, () => 'fresh');
          presentCalls++;
          await cache.getOrSet('present', () => (presentFromLoader++, 'from master'));
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, id) => worker(id)));
      expect((await connections()) - connectionsBefore).toBeLessThanOrEqual(1);
      expect(await metricValue('cache_circuit_state', { namespace: 'ro' })).toBe(0);
      expect(presentFromLoader).toBeLessThan(presentCalls / 4);
    } finally {
      raw.disconnect();
      replicaInfo.disconnect();
      await module.close();
      await Promise.all([replica.dispose(), master.dispose()]);
    }
  });

  it('LOADING (Redis restarting with a dataset to load): fail-open within budget, then the cache serves again', async () => {
    // Every key takes 100 µs to load: 20,000 keys keep the server loading for ~2 s. "Server initialized" comes
    // before the load, so the test goes on while it runs. (ioredis's ready check sees the load and holds commands
    // until it ends; the operation timeout bounds how long each waits.)
    const server = await RedisServer.start(['--key-load-delay', '100', '--enable-debug-command', 'local'], {
      readyLine: 'Server initialized',
    });
    const raw = new Redis(server.port, '127.0.0.1');
    const { module, cache } = await bootCache({ namespace: 'boot', redis: { url: server.url }, operationTimeout: BUDGET_MS });
    try {
      await cache.set('kept', 'survives the restart');
      await raw.call('debug', 'populate', '20000', 'filler');
      await raw.save();
      await server.stop();
      await server.launch();

      const direct = await timed(() => cache.get('kept'));
      expect(direct.error).toBeInstanceOf(CacheError);
      expect(direct.ms).toBeLessThan(MAX_CACHE_WAIT_MS);
      const readThrough = await timed(() => cache.getOrSet('kept', () => 'loader'));
      expect(readThrough.value).toBe('loader');
      expect(readThrough.ms).toBeLessThan(MAX_CACHE_WAIT_MS);
      expect(await metricValue('cache_errors_total', { namespace: 'boot', operation: 'get' })).toBeGreaterThan(0);
      expect(await metricValue('cache_errors_total', { namespace: 'boot', operation: 'getOrSet' })).toBeGreaterThan(0);

      const recoveryMs = await timeUntil(async () => (await cache.get('kept')) === 'survives the restart', 10_000);
      expect(await raw.dbsize()).toBe(20_001); // the whole dataset loaded (a check that the test did load one)
      console.info(`faults: LOADING: direct call failed in ${direct.ms.toFixed(0)} ms, served again ${recoveryMs.toFixed(0)} ms later`);
    } finally {
      raw.disconnect();
      await module.close();
      await server.dispose();
    }
  });
});
