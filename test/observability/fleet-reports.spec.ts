import { Redis } from 'ioredis';
import { register } from 'prom-client';
import type { TestingModule } from '@nestjs/testing';
import type { CacheManager } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { parsePrometheusText } from '../support/prometheus-text.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';

/** A sample of prom-client's default registry (undefined when the series does not exist). */
async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const found = register.getSingleMetric(name);
  const values = found ? (await found.get()).values : [];
  return values.find((sample) => Object.entries(labels).every(([label, value]) => sample.labels[label] === value))?.value;
}

/** How many cache_* series /metrics shows, besides the count of rejected reports (one per reason). */
async function seriesCount(): Promise<number> {
  return parsePrometheusText(await register.metrics()).filter(
    (sample) => sample.name.startsWith('cache_') && sample.name !== 'cache_fleet_reports_rejected_total',
  ).length;
}

function footprint(keys: number) {
  return { keys, bytes: keys * 100, keysError: 0.1, bytesError: 0.2 };
}

/**
 * Issue 18, item 9: one instance per interval measures and shares its report under `<namespace>:__monitor__:`, and
 * every other instance published what it read there unchecked: one forged write added 100,000 series to every
 * instance's /metrics. Here the turn is held by "another instance" (a key written first), so the instance under test
 * only ever reads what is in Redis, and the test writes there what an attacker with write access could.
 */
describe('shared measurement reports', () => {
  const db = useRedisServer();
  let module: TestingModule | undefined;
  afterEach(() => module?.close());

  /** Writes `report` where the fleet shares it, and waits until the instance has read it and counted it as `reason`. */
  async function expectRejected(namespace: string, measurement: string, reportKey: string, report: string | Buffer, reason: string) {
    const labels = { namespace, measurement, reason };
    const before = (await metric('cache_fleet_reports_rejected_total', labels)) ?? 0;
    await db.redis.set(reportKey, report);
    await waitUntil(`the ${measurement} report to be counted as ${reason}`, 10_000, async () => {
      return ((await metric('cache_fleet_reports_rejected_total', labels)) ?? 0) > before;
    });
  }

  it('footprint: a forged report is counted and ignored; /metrics keeps its series and the last good estimate', async () => {
    const namespace = 'fleet-forged';
    const reportKey = `${namespace}:__monitor__:footprint`;
    await db.redis.set(`${reportKey}:turn`, 'another instance', 'PX', 600_000);
    // A good report, from an instance that also made a namespace this one has not: that one is not shown here.
    await db.redis.set(reportKey, JSON.stringify({ sampledAt: Date.now(), namespaces: { [namespace]: footprint(42), elsewhere: footprint(1) } }));
    let cache: CacheManager;
    ({ module, cache } = await bootCache({ namespace, redis: { url: db.server.url }, footprint: { interval: '1s' } }));
    await waitUntil('the shared estimate', 10_000, async () => cache.stats().footprint?.keys === 42);
    expect(await metric('cache_footprint_keys', { namespace: 'elsewhere' })).toBeUndefined();
    const series = await seriesCount();

    const manyNamespaces = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`n${i}`, footprint(i)]));
    const forged: Array<[string | Buffer, string]> = [
      [JSON.stringify({ sampledAt: Date.now(), namespaces: manyNamespaces }), 'too_large'],
      [Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x22, 0x0a]), 'not_json'],
      ['null', 'invalid'],
      ['[1,2,3]', 'invalid'],
      ['{"sampledAt":1e999,"namespaces":{}}', 'invalid'],
      ['{"sampledAt":1,"namespaces":[1,2]}', 'invalid'],
      [`{"sampledAt":1,"namespaces":{"${namespace}":{"keys":-5,"bytes":1,"keysError":0,"bytesError":0}}}`, 'invalid'],
      [`{"sampledAt":1,"namespaces":{"${namespace}":{"keys":"9e9","bytes":1,"keysError":0,"bytesError":0}}}`, 'invalid'],
      [`{"sampledAt":1,"namespaces":{"x":{"keys":1}}}`, 'invalid'],
    ];
    for (const [report, reason] of forged) {
      await expectRejected(namespace, 'footprint', reportKey, report, reason);
      expect(await seriesCount()).toBe(series);
      expect(cache.stats().footprint?.keys).toBe(42);
      expect(await metric('cache_footprint_keys', { namespace })).toBe(42);
    }

    // Well formed but naming 2,000 namespaces this instance does not know: published for the one it knows, no new series.
    const strangers = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`stranger-${i}`, footprint(i)]));
    await db.redis.set(reportKey, JSON.stringify({ sampledAt: Date.now(), namespaces: { ...strangers, [namespace]: footprint(7) } }));
    await waitUntil('the next shared estimate', 10_000, async () => cache.stats().footprint?.keys === 7);
    expect(await seriesCount()).toBe(series);
    expect(await metric('cache_footprint_keys', { namespace: 'stranger-1' })).toBeUndefined();
  });

  // A forged report of any size was fetched whole (GET) by every instance every interval before its length was checked.
  it('a report over 1 MiB is counted as too_large without ever being fetched whole (no GET of it, seen with MONITOR)', async () => {
    const namespace = 'fleet-huge';
    const reportKey = `${namespace}:__monitor__:footprint`;
    await db.redis.set(`${reportKey}:turn`, 'another instance', 'PX', 600_000);
    await db.redis.set(reportKey, Buffer.alloc(32 * 1024 * 1024, 'x'));
    const watcher = new Redis(db.server.port, '127.0.0.1');
    const monitor = await watcher.monitor(); // a connection of its own
    try {
      const reads: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[1] === reportKey && args[0].toLowerCase() !== 'set') reads.push(args);
      });
      ({ module } = await bootCache({ namespace, redis: { url: db.server.url }, footprint: { interval: '1s' } }));
      const labels = { namespace, measurement: 'footprint', reason: 'too_large' };
      await waitUntil('the report to be refused twice', 10_000, async () => ((await metric('cache_fleet_reports_rejected_total', labels)) ?? 0) >= 2);
      await module.close();
      module = undefined;
      await db.redis.ping(); // MONITOR lines of the reads have arrived before this reply's
      expect(reads.length).toBeGreaterThanOrEqual(2);
      expect(reads.filter(([name]) => name.toLowerCase() === 'get')).toEqual([]);
      // What was read of it: at most one byte more than the limit, to tell that it is over.
      for (const [name, , start, end] of reads) expect([name.toLowerCase(), Number(start), Number(end)]).toEqual(['getrange', 0, 1024 * 1024]);
    } finally {
      monitor.disconnect();
      watcher.disconnect();
    }
  });

  it('redisInfo: a report of non-numbers or infinities is counted and ignored; the gauges keep the last good values', async () => {
    const namespace = 'fleet-info';
    const reportKey = `${namespace}:__monitor__:redis-info`;
    await db.redis.set(`${reportKey}:turn`, 'another instance', 'PX', 600_000);
    const good = { usedMemory: 1000, maxMemory: 0, evictedKeys: 0, expiredKeys: 0, fragmentation: 1.5 };
    await db.redis.set(reportKey, JSON.stringify(good));
    ({ module } = await bootCache({ namespace, redis: { url: db.server.url }, redisInfo: { interval: '1s' } }));
    await waitUntil('the shared INFO report', 10_000, async () => (await metric('cache_redis_used_memory_bytes', { namespace })) === 1000);
    const series = await seriesCount();

    for (const report of [
      JSON.stringify({ ...good, usedMemory: 'lots' }),
      '{"usedMemory":1e999,"maxMemory":0,"evictedKeys":0,"expiredKeys":0,"fragmentation":1}',
      JSON.stringify({ ...good, evictedKeys: -1e12 }),
      JSON.stringify({ usedMemory: 5 }),
    ]) {
      await expectRejected(namespace, 'redisInfo', reportKey, report, 'invalid');
      expect(await seriesCount()).toBe(series);
      expect(await metric('cache_redis_used_memory_bytes', { namespace })).toBe(1000);
      expect(await metric('cache_redis_evicted_keys_total', { namespace })).toBe(0);
    }
  });
});
