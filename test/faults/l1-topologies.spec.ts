import type { TestingModule } from '@nestjs/testing';
import type { CacheManager, CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { RedisSentinel } from '../support/redis-sentinel.js';
import { metricValue, timeUntil } from './fault-harness.js';
import { checkStaleness, expectNoStaleRead } from './l1-staleness-checker.js';

const BOUND_MS = 500;
/** L1 hits must resume this soon after the new master serves (the 2 s). */
const RESUME_WITHIN_MS = 2000;
const KEYS = 8;

async function readersOn(
  redis: CacheModuleOptions['redis'],
  namespace: string,
): Promise<{ modules: TestingModule[]; caches: CacheManager[]; writer: CacheModuleOptions }> {
  const options: CacheModuleOptions = { namespace, redis, operationTimeout: 500, circuitBreaker: false };
  const booted = await Promise.all([0, 1].map(() => bootCache({ ...options, l1: { maxStaleness: BOUND_MS } })));
  return { modules: booted.map((boot) => boot.module), caches: booted.map((boot) => boot.cache), writer: options };
}

/** Memory serves every key again (one tracking channel per master: all of them must be leased). */
async function expectHitsResume(cache: CacheManager): Promise<number> {
  const keys = Array.from({ length: KEYS }, (_, i) => `v${i}`);
  const resumedMs = await timeUntil(async () => {
    const before = await metricValue('cache_l1_hits_total', { namespace: cache.namespace });
    await cache.mget(keys);
    await cache.mget(keys);
    return (await metricValue('cache_l1_hits_total', { namespace: cache.namespace })) > before;
  }, 10_000);
  expect(resumedMs).toBeLessThan(RESUME_WITHIN_MS);
  return resumedMs;
}

describe('l1 staleness bound on a 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let modules: TestingModule[] = [];

  beforeAll(async () => {
    cluster = await RedisCluster.start();
  }, 30_000);
  afterAll(() => cluster?.stop());
  afterEach(async () => {
    await Promise.all(modules.map((module) => module.close()));
    modules = [];
  });

  it('a slot migration between masters', async () => {
    const setup = await readersOn({ cluster: { nodes: cluster.nodes } }, 'l1mig');
    modules = setup.modules;
    const report = await checkStaleness({
      writer: setup.writer,
      readers: setup.caches,
      boundMs: BOUND_MS,
      keyCount: KEYS,
      fault: () => cluster.migrateSlotOf('l1mig:v1').then(() => undefined),
    });
    expectNoStaleRead(report, 'cluster slot migration');
    await expectHitsResume(setup.caches[0]);
  }, 30_000);

  it("reads from replicas (scaleReads) are not tracked: coherence 'tracking' refuses to boot", async () => {
    const redis = { cluster: { nodes: cluster.nodes, options: { scaleReads: 'slave' as const } } };
    await expect(bootCache({ namespace: 'l1replica', redis, l1: { coherence: 'tracking' } })).rejects.toThrow(/scaleReads/);
  });

  it('a master fails over', async () => {
    const setup = await readersOn({ cluster: { nodes: cluster.nodes } }, 'l1fo');
    modules = setup.modules;
    let failedOverAt = 0;
    const report = await checkStaleness({
      writer: setup.writer,
      readers: setup.caches,
      boundMs: BOUND_MS,
      keyCount: KEYS,
      fault: async () => {
        const [victim] = await cluster.masters();
        await cluster.killMaster(victim.port);
        await cluster.waitForFailover();
        failedOverAt = performance.now();
      },
    });
    expectNoStaleRead(report, 'cluster failover');
    // The lost master's channel drops (disconnect), or the slot refresh that follows reconciles the channels first
    // (topology), or the lease lapses: which one comes first is a race; the tier must have been flushed by one of them.
    const flushes = await Promise.all(
      ['disconnect', 'topology', 'lease'].map((reason) => metricValue('cache_l1_flushes_total', { namespace: 'l1fo', reason })),
    );
    expect(flushes.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
    await expectHitsResume(setup.caches[0]);
    expect(failedOverAt).toBeGreaterThan(0);
  }, 40_000);
});

describe('l1 staleness bound behind Sentinel', () => {
  let sentinel: RedisSentinel;

  beforeAll(async () => {
    sentinel = await RedisSentinel.start();
  }, 30_000);
  afterAll(() => sentinel?.stop());

  it('the master fails over', async () => {
    const setup = await readersOn({ sentinels: sentinel.sentinels, name: sentinel.name }, 'l1sen');
    try {
      const report = await checkStaleness({
        writer: setup.writer,
        readers: setup.caches,
        boundMs: BOUND_MS,
        fault: async () => {
          await sentinel.killMaster();
          await sentinel.waitForFailover();
        },
      });
      expectNoStaleRead(report, 'sentinel failover');
      await expectHitsResume(setup.caches[0]);
    } finally {
      await Promise.all(setup.modules.map((module) => module.close()));
    }
  }, 40_000);
});
