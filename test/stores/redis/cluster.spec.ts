import { setTimeout as sleep } from 'node:timers/promises';
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheManager, CacheModule } from '@datapunk/nestjs-cache';
import { metricValue } from '../../faults/fault-harness.js';
import { bootCache } from '../../support/cache-app.js';
import { RedisCluster, command } from '../../support/redis-cluster.js';
import { waitUntil } from '../../support/wait-until.js';
import { storedValue } from '../../support/stored-entry.js';
import { storedValueOn } from '../../support/stored-entry.js';

/** Every key stored on one node (SCAN sees one node only: that is what clear() must get right). */
async function keysOn(port: number, match = '*'): Promise<string[]> {
  const node = new Redis(port, '127.0.0.1');
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    node.disconnect();
  }
}

/** How many of the namespace's keys each master holds. */
async function spread(cluster: RedisCluster, match: string): Promise<number[]> {
  return Promise.all((await cluster.masters()).map(async ({ port }) => (await keysOn(port, match)).length));
}

describe('CacheManager on a real 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let raw: Cluster;
  let module: TestingModule;
  let cache: CacheManager;

  beforeAll(async () => {
    cluster = await RedisCluster.start();
    raw = new Cluster(cluster.nodes);
    ({ module, cache } = await bootCache({ namespace: 'orders', redis: { cluster: { nodes: cluster.nodes } }, defaultTtl: '1m' }));
  }, 30_000);

  afterAll(async () => {
    await module?.close();
    raw?.disconnect();
    await cluster?.stop();
  });

  beforeEach(async () => {
    await Promise.all((await cluster.masters()).map(({ port }) => command(port, 'flushall')));
  });

  it('sets, gets, reports TTL and presence for keys on every master', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `item:${i}`);
    for (const key of keys) await cache.set(key, { key }, { ttl: '2m' });
    const counts = await spread(cluster, 'orders:*');
    expect(counts).toHaveLength(3);
    expect(counts.every((count) => count > 0)).toBe(true);
    for (const key of keys) {
      expect(await cache.get(key)).toEqual({ key });
      expect(await cache.has(key)).toBe(true);
      expect(await cache.ttl(key)).toBeGreaterThan(115_000);
    }
    expect(await storedValue(raw, 'orders:item:0')).toEqual({ key: 'item:0' });
    expect(await cache.get('absent')).toBeUndefined();
    expect(await cache.has('absent')).toBe(false);
    expect(await cache.ttl('absent')).toBeUndefined();
  });

  it('invalidates many keys across slots (and several in one slot) and counts what existed', async () => {
    const keys = [...Array.from({ length: 40 }, (_, i) => `inv:${i}`), '{user:7}:a', '{user:7}:b', '{user:7}:c'];
    await cache.mset(keys.map((key) => ({ key, value: key })));
    expect(await cache.invalidate([...keys, 'never:1', '{user:7}:never'])).toBe(keys.length);
    expect(await cache.mget(keys)).toEqual(keys.map(() => undefined));
    expect(await spread(cluster, 'orders:*')).toEqual([0, 0, 0]);
    expect(await cache.invalidate('inv:0')).toBe(0);
  });

  it('mget reads 100 keys spread over every master in the order asked, misses as undefined', async () => {
    const keys = [...Array.from({ length: 95 }, (_, i) => `m:${i}`), '{cart:1}:a', '{cart:1}:b', '{cart:1}:c', '{cart:1}:d', '{cart:1}:e'];
    const stored = keys.filter((_, i) => i % 3 !== 0);
    await cache.mset(stored.map((key) => ({ key, value: key === 'm:1' ? null : { key } })));
    expect((await spread(cluster, 'orders:*')).every((count) => count > 10)).toBe(true);
    const expected = keys.map((key, i) => (i % 3 === 0 ? undefined : key === 'm:1' ? null : { key }));
    expect(await cache.mget(keys)).toEqual(expected);
    expect(await cache.mget([...keys].reverse())).toEqual([...expected].reverse());
    expect(await cache.mget(['m:2', 'm:2', 'm:0'])).toEqual([{ key: 'm:2' }, { key: 'm:2' }, undefined]);
  });

  it('mset stores entries across slots, each with its own TTL', async () => {
    const entries = Array.from({ length: 60 }, (_, i) => ({ key: `ms:${i}`, value: i, ttl: i % 2 === 0 ? '10s' : '1h' }));
    await cache.mset([...entries, { key: '{t}:1', value: 'one' }, { key: '{t}:2', value: 'two' }]);
    for (const { key, value, ttl } of entries) {
      expect(await storedValue(raw, `orders:${key}`)).toBe(value);
      const pttl = await raw.pttl(`orders:${key}`);
      expect(pttl).toBeLessThanOrEqual(ttl === '10s' ? 10_000 : 3_600_000);
      expect(pttl).toBeGreaterThan(ttl === '10s' ? 5_000 : 3_500_000);
    }
    expect(await raw.pttl('orders:{t}:1')).toBeGreaterThan(55_000); // the default TTL
    expect(await cache.mget(['{t}:1', '{t}:2'])).toEqual(['one', 'two']);
  });

  it('getOrSet loads once for concurrent callers, then serves the stored value', async () => {
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(30);
      return { n: loads };
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.getOrSet('hot', loader)));
    expect(results.every((value) => value.n === 1)).toBe(true);
    expect(await cache.getOrSet('hot', loader)).toEqual({ n: 1 });
    expect(loads).toBe(1);
    expect(await storedValue(raw, 'orders:hot')).toEqual({ n: 1 });
  });

  it('clear() removes every key of the namespace from every master, and nothing else', async () => {
    await cache.mset(Array.from({ length: 3000 }, (_, i) => ({ key: `bulk:${i}`, value: i })));
    await cache.set('weird*[key]?', 1);
    const others = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? `other:${i}` : `ordersX:${i}`));
    await Promise.all(others.map((key) => raw.set(key, '1')));
    expect((await spread(cluster, 'orders:*')).every((count) => count > 500)).toBe(true);

    expect(await cache.clear()).toBe(3001);

    expect(await spread(cluster, 'orders:*')).toEqual([0, 0, 0]);
    const left = (await Promise.all((await cluster.masters()).map(({ port }) => keysOn(port)))).flat();
    expect(left.sort()).toEqual([...others].sort());
    expect(await cache.clear()).toBe(0);
  });

  it('with the lock, runs the loader once across instances on separate cluster connections', async () => {
    const instances = [{ module, cache }];
    for (let i = 0; i < 2; i++)
      instances.push(await bootCache({ namespace: 'orders', redis: { cluster: { nodes: cluster.nodes } }, lock: true }));
    try {
      let loads = 0;
      const loader = async () => {
        loads++;
        await sleep(100);
        return 'computed once';
      };
      const results = await Promise.all(
        instances.flatMap(({ cache: each }) => Array.from({ length: 10 }, () => each.getOrSet('report', loader, { lock: true }))),
      );
      expect(loads).toBe(1);
      expect(new Set(results)).toEqual(new Set(['computed once']));
      expect(await raw.exists('orders:__lock__:report')).toBe(0); // released
    } finally {
      for (const instance of instances.slice(1)) await instance.module.close();
    }
  });

  it('follows ASK while a slot migrates and MOVED after it moved, for reads and writes', async () => {
    await cache.set('moving', { v: 1 });
    const slot = calculateSlot('orders:moving');
    const masters = await cluster.masters();
    const ids = new Map<number, string>();
    for (const { port } of masters) ids.set(port, String(await command(port, 'cluster', 'myid')));
    let sourcePort = 0;
    for (const { port } of masters) if (Number(await command(port, 'cluster', 'countkeysinslot', slot)) === 1) sourcePort = port;
    expect(sourcePort).not.toBe(0);
    const targetPort = masters.find(({ port }) => port !== sourcePort)!.port;

    // Mid-migration: the key already lives on the target, the slot still on the source (which answers ASK).
    await command(targetPort, 'cluster', 'setslot', slot, 'importing', ids.get(sourcePort)!);
    await command(sourcePort, 'cluster', 'setslot', slot, 'migrating', ids.get(targetPort)!);
    await command(sourcePort, 'migrate', '127.0.0.1', targetPort, '', 0, 5000, 'keys', 'orders:moving');
    expect(await cache.get('moving')).toEqual({ v: 1 });
    expect(await cache.getOrSet('moving', () => ({ v: 'loader' }))).toEqual({ v: 1 });

    // Done: every master learns the new owner; the client, still on the old map, gets MOVED and follows it.
    for (const { port } of masters) await command(port, 'cluster', 'setslot', slot, 'node', ids.get(targetPort)!);
    expect(await cache.get('moving')).toEqual({ v: 1 });
    await cache.set('moving', { v: 2 });
    expect(await cache.get('moving')).toEqual({ v: 2 });
    expect(await storedValueOn(targetPort, 'orders:moving')).toEqual({ v: 2 });
    expect(await cache.invalidate(['moving', 'other:1'])).toBe(1);
  });

  it('used before the module initialised (a constructor, a factory): fails open, connects, then serves', async () => {
    const early = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'early', redis: { cluster: { nodes: cluster.nodes } } })],
    }).compile();
    try {
      const earlyCache = early.get(CacheManager);
      for (let i = 0; i < 10; i++) expect(await earlyCache.getOrSet('k', () => 'loader')).toBe('loader');
      expect(await metricValue('cache_circuit_state', { namespace: 'early' })).toBe(0); // nothing was tried: no breaker failures
      await waitUntil('the early client to connect', 5000, () => earlyCache.set('k', 'cached').then(() => true)); // a rejection: not yet
      expect(await earlyCache.getOrSet('k', () => 'loader')).toBe('cached');
      expect(await storedValue(raw, 'early:k')).toEqual('cached');
    } finally {
      await early.close();
    }
  });
});
