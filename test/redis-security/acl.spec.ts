import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import { CacheError, CacheHealthIndicator, type CacheManager, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { aclRulesFromDocs, clusterAclRulesFromDocs, tierAclRulesFromDocs } from '../support/docs-acl.js';
import { onNode, RedisCluster } from '../support/redis-cluster.js';
import { RedisSentinel } from '../support/redis-sentinel.js';
import { RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait-until.js';

const USER = 'orders-cache';
const PASSWORD = 'acl-test-Pa55-7c1w';

/** Denials Redis recorded (ACL LOG), as "reason object" lines: a refusal ioredis ignores shows up here too. */
async function aclDenials(admin: Redis): Promise<string[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries.map((entry) => {
    const fields = new Map<unknown, unknown>();
    for (let i = 0; i < entry.length; i += 2) fields.set(entry[i], entry[i + 1]);
    return `${String(fields.get('reason'))} ${String(fields.get('object'))} (user ${String(fields.get('username'))})`;
  });
}

/**
 * The `ACL SETUSER orders-cache …` line of docs/operations/security.md, as given there, is the only grant: a redis-server
 * started with it serves every feature to that user, refuses nothing (ACL LOG stays empty), and refuses it other namespaces' keys.
 */
describe('a Redis ACL user limited to its namespace (docs/operations/security.md, "Least-privilege Redis")', () => {
  let server: RedisServer;
  /** The default user: sees everything, reads ACL LOG. */
  let admin: Redis;
  const url = (): string => `redis://${USER}:${PASSWORD}@127.0.0.1:${server.port}`;
  const options = (extra: Partial<CacheModuleOptions> = {}): CacheModuleOptions => ({
    namespace: 'orders',
    redis: { url: url() },
    resilience: { failOnStartup: true }, // the startup PING as that user must pass
    ...extra,
  });

  beforeAll(async () => {
    server = await RedisServer.start(['--user', USER, ...aclRulesFromDocs(USER, PASSWORD)]);
    admin = new Redis(server.port, '127.0.0.1');
    await admin.set('customers:card:1', 'another service’s secret');
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.dispose();
  });

  beforeEach(async () => {
    await admin.call('ACL', 'LOG', 'RESET');
  });

  it('every feature works as that user, with no refusal and no warning from Redis', async () => {
    const logger = warningCollector();
    const a = await bootCache(options({ policy: { lock: true } }), logger);
    const b = await bootCache(options({ policy: { lock: true } }), logger); // a second instance, for the stampede lock
    try {
      await exerciseEverything(a.cache, b.cache, admin);
      // The health check's probe: PING, then INFO memory.
      const health = await a.module.get(CacheHealthIndicator).report();
      expect(health.status).toBe('up');
      expect(health.details.pingMs).toBeGreaterThanOrEqual(0);
      expect(health.details.memory?.usedBytes).toBeGreaterThan(0);
      expect(await aclDenials(admin)).toEqual([]);
      // The one warning is the test's failing loader; nothing from Redis.
      expect(logger.warnings).toEqual([expect.stringMatching(/^the loader of "sie" failed \(database down\)/)]);
    } finally {
      await a.module.close();
      await b.module.close();
    }
    expect(await aclDenials(admin)).toEqual([]); // closing (QUIT) needs no grant either
  });

  it('the circuit breaker opens on an outage and closes again; a restarted server is reconnected to as that user', async () => {
    const logger = warningCollector();
    const { module, cache } = await bootCache(
      options({ resilience: { failOnStartup: true, circuitBreaker: { failureThreshold: 1, cooldown: 100 }, operationTimeout: 100 } }),
      logger,
    );
    const serves = async (value: string): Promise<boolean> => {
      await cache.set('k', value);
      return (await cache.get('k')) === value;
    };
    try {
      await cache.set('k', 'before');
      process.kill(server.pid!, 'SIGSTOP'); // hung: commands time out, which the breaker counts
      try {
        expect(await cache.getOrSet('k', () => 'from loader')).toBe('from loader');
        await waitUntil('the circuit to open', 5000, async () => logger.warnings.some((line) => line.includes('circuit open')));
      } finally {
        process.kill(server.pid!, 'SIGCONT');
      }
      await waitUntil('the cache to serve again after the hang', 10_000, () => serves('after the hang'));
      expect(logger.warnings.some((line) => line.includes('circuit closed'))).toBe(true);

      await server.stop('SIGKILL');
      await server.launch(); // same arguments: the same ACL user
      await waitUntil('the cache to serve again after the restart', 10_000, () => serves('after the restart'));
      expect(logger.warnings.filter((line) => /NOPERM|no permissions/i.test(line))).toEqual([]);
      expect(await aclDenials(admin)).toEqual([]); // the reconnect handshake (HELLO, INFO) was allowed
    } finally {
      await module.close();
      if (server.pid === undefined || (await admin.ping().catch(() => 'down')) !== 'PONG') await server.launch().catch(() => undefined);
    }
    await admin.set('customers:card:1', 'another service’s secret'); // the restart emptied the server
  });

  it('the same user cannot read or change another namespace’s keys', async () => {
    const raw = new Redis(url());
    try {
      expect(await raw.ping()).toBe('PONG');
      await expect(raw.get('customers:card:1')).rejects.toThrow(/NOPERM/);
      await expect(raw.set('customers:card:1', 'x')).rejects.toThrow(/NOPERM/);
      await expect(raw.unlink('customers:card:1')).rejects.toThrow(/NOPERM/);
      await expect(raw.call('KEYS', '*')).rejects.toThrow(/NOPERM/);
      await expect(raw.call('FLUSHDB')).rejects.toThrow(/NOPERM/);
      await expect(raw.publish('orders', 'x')).rejects.toThrow(/NOPERM/);
    } finally {
      raw.disconnect();
    }
    const logger = warningCollector();
    const { module, cache } = await bootCache(options(), logger);
    try {
      const customers = cache.withNamespace('customers');
      const failure = await customers.get('card:1').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CacheError);
      expect(String((failure as CacheError).cause)).toMatch(/NOPERM/);
      expect(await customers.getOrSet('card:1', () => 'from loader')).toBe('from loader'); // fail-open, as for any refusal
      expect(await customers.clear().catch((error: unknown) => error)).toBeInstanceOf(CacheError); // SCAN finds it, UNLINK is refused
    } finally {
      await module.close();
    }
    expect(await admin.get('customers:card:1')).toBe('another service’s secret');
  });

  it('with the in-process tier’s additions (docs/operations/security.md), l1 stays coherent through Redis tracking as that user', async () => {
    const user = 'orders-l1';
    await admin.call('ACL', 'SETUSER', user, ...aclRulesFromDocs(USER, PASSWORD));
    await admin.call('ACL', 'SETUSER', user, ...tierAclRulesFromDocs(USER));
    const logger = warningCollector();
    const l1 = (): CacheModuleOptions => ({
      ...options({ l1: {}, resilience: { failOnStartup: true, operationTimeout: 1000 } }),
      redis: { url: `redis://${user}:${PASSWORD}@127.0.0.1:${server.port}` },
    });
    const a = await bootCache(l1(), logger);
    const b = await bootCache(l1(), logger);
    try {
      await a.cache.set('k', { n: 1 });
      await waitUntil('b holds k in memory', 2000, async () => (await b.cache.get('k')) === (await b.cache.get('k')));
      await a.cache.set('k', { n: 2 }); // b hears of it through CLIENT TRACKING (BCAST, redirected to its subscription)
      await waitUntil('b sees the new value', 2000, async () => ((await b.cache.get<{ n: number }>('k'))?.n ?? 0) === 2);
      await a.cache.set('t', 'tagged', { tags: ['x'] });
      await waitUntil('b holds t', 2000, async () => (await b.cache.get('t')) === 'tagged');
      await a.cache.invalidateTags('x');
      await waitUntil('b drops t', 2000, async () => (await b.cache.get('t')) === undefined);
      expect(await aclDenials(admin)).toEqual([]);
      expect(logger.warnings).toEqual([]); // no fall-back to ttl-only coherence: tracking was allowed
    } finally {
      await a.module.close();
      await b.module.close();
      await admin.call('ACL', 'DELUSER', user);
    }
  });
});

describe('the same ACL user on a 3-master Redis Cluster (the docs’ line plus its Cluster rules, on every node)', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    const rules = [...aclRulesFromDocs(USER, PASSWORD), ...clusterAclRulesFromDocs()];
    cluster = await RedisCluster.start({ extraArgs: ['--user', USER, ...rules] });
  }, 30_000);

  afterAll(() => cluster?.stop());

  const denialsOnEveryNode = async (): Promise<string[]> =>
    (await Promise.all(cluster.nodes.map((node) => onNode(node, (redis) => aclDenials(redis))))).flat();

  it('every feature works across slots and masters, with no refusal on any node', async () => {
    const logger = warningCollector();
    const redis = { cluster: { nodes: cluster.nodes, options: { redisOptions: { username: USER, password: PASSWORD } } } };
    const a = await bootCache({ namespace: 'orders', redis, policy: { lock: true }, resilience: { failOnStartup: true } }, logger);
    const b = await bootCache({ namespace: 'orders', redis, policy: { lock: true }, resilience: { failOnStartup: true } }, logger);
    const admin = new Cluster(cluster.nodes);
    try {
      await exerciseEverything(a.cache, b.cache, {
        exists: async (...keys: string[]) => (await Promise.all(keys.map((key) => admin.exists(key)))).reduce((sum, n) => sum + n, 0),
        keys: async (pattern: string) => (await Promise.all(admin.nodes('master').map((node) => node.keys(pattern)))).flat(),
      });
      expect(await denialsOnEveryNode()).toEqual([]);
      expect(logger.warnings).toEqual([expect.stringMatching(/^the loader of "sie" failed \(database down\)/)]);
    } finally {
      admin.disconnect();
      await a.module.close();
      await b.module.close();
    }
  });
});

describe('the same ACL user on a Sentinel setup (the docs’ line on the master and the replica)', () => {
  let setup: RedisSentinel;

  beforeAll(async () => {
    setup = await RedisSentinel.start({ serverArgs: ['--user', USER, ...aclRulesFromDocs(USER, PASSWORD)] });
  }, 30_000);

  afterAll(() => setup?.stop());

  it('every feature works through the Sentinels, with no refusal on the master or the replica', async () => {
    const logger = warningCollector();
    const redis = { sentinels: setup.sentinels, name: setup.name, options: { username: USER, password: PASSWORD } };
    const a = await bootCache({ namespace: 'orders', redis, policy: { lock: true }, resilience: { failOnStartup: true } }, logger);
    const b = await bootCache({ namespace: 'orders', redis, policy: { lock: true }, resilience: { failOnStartup: true } }, logger);
    const admin = new Redis(setup.masterPort, '127.0.0.1');
    try {
      await exerciseEverything(a.cache, b.cache, admin);
      const denials = await Promise.all(setup.servers.map((port) => onNode({ port }, (node) => aclDenials(node))));
      expect(denials.flat()).toEqual([]);
      expect(logger.warnings).toEqual([expect.stringMatching(/^the loader of "sie" failed \(database down\)/)]);
    } finally {
      admin.disconnect();
      await a.module.close();
      await b.module.close();
    }
  });
});

/** What the exercise reads from the server as the admin: a single node, or a Cluster's masters together. */
interface AdminView {
  exists(...keys: string[]): Promise<number>;
  keys(pattern: string): Promise<string[]>;
}

/** Every CacheManager feature once (two instances for the lock), checking results against the raw server. */
async function exerciseEverything(cache: CacheManager, other: CacheManager, admin: AdminView): Promise<void> {
  await cache.set('order:1', { total: 1 }, { ttl: '1m' });
  expect(await cache.get('order:1')).toEqual({ total: 1 });
  expect(await cache.has('order:1')).toBe(true);
  expect(await cache.ttl('order:1')).toBeGreaterThan(50_000);
  await cache.mset([
    { key: 'order:2', value: 2 },
    { key: 'order:3', value: 3 },
  ]);
  expect(await cache.mget(['order:1', 'order:2', 'order:3', 'missing'])).toEqual([{ total: 1 }, 2, 3, undefined]);

  // Read-through, and the stampede lock: one instance loads while the other waits for its value.
  let loads = 0;
  const slowLoad = async (): Promise<string> => {
    loads++;
    await sleep(100);
    return 'loaded once';
  };
  const both = await Promise.all([cache.getOrSet('hot', slowLoad), other.getOrSet('hot', slowLoad)]);
  expect(both).toEqual(['loaded once', 'loaded once']);
  expect(loads).toBe(1);
  expect(await admin.exists('orders:__lock__:hot')).toBe(0); // released (the compare-and-delete script)

  // Tags: known, set with tags, computed from the value; then one invalidation drops them all.
  expect(await cache.getOrSet('page:1', () => 'page', { tags: ['catalog'] })).toBe('page');
  await cache.set('page:2', 'page 2', { tags: ['catalog', 'promo'] });
  expect(await cache.getOrSet('item:7', () => ({ id: 7 }), { tags: (item) => [`item:${item.id}`, 'catalog'] })).toEqual({ id: 7 });
  expect(await cache.get('page:2')).toBe('page 2');
  expect(await other.mget(['page:1', 'page:2'])).toEqual(['page', 'page 2']);
  await cache.invalidateTags('catalog');
  expect(await other.mget(['page:1', 'page:2', 'item:7'])).toEqual([undefined, undefined, undefined]);
  expect(await cache.getOrSet('page:1', () => 'page, reloaded', { tags: ['catalog'] })).toBe('page, reloaded');

  // Stale serving: a background refresh writes through the compare-and-set script; a failing loader is throttled.
  expect(await cache.getOrSet('swr', () => 'v1', { ttl: 100, staleWhileRevalidate: '1m' })).toBe('v1');
  await sleep(150);
  expect(await other.getOrSet('swr', () => 'v2', { ttl: '1m', staleWhileRevalidate: '1m' })).toBe('v1');
  await waitUntil('the background refresh to store', 5000, async () => (await cache.get('swr')) === 'v2');
  expect(await cache.getOrSet('sie', () => 'last good', { ttl: 100, staleIfError: '1m' })).toBe('last good');
  await sleep(150);
  expect(await cache.getOrSet('sie', () => Promise.reject(new Error('database down')), { ttl: 100, staleIfError: '1m' })).toBe('last good');

  // Versions: `~orders:*` covers `orders:v2:…`, and clearVersion removes them.
  const v2 = cache.withNamespace('orders', { version: 2 });
  await v2.set('order:1', 'version 2');
  expect(await v2.getOrSet('order:2', () => 'version 2, loaded')).toBe('version 2, loaded');
  expect(await admin.exists('orders:v2:order:1', 'orders:v2:order:2')).toBe(2);
  expect(await cache.clearVersion(2)).toBe(2);

  // Invalidation: keys, a prefix, the whole namespace.
  expect(await cache.invalidate('order:1')).toBe(1);
  expect(await cache.invalidate(['order:2', 'missing'])).toBe(1);
  expect(await cache.invalidatePrefix('order:')).toBe(1);
  expect(await cache.clear()).toBeGreaterThan(0);
  expect(await admin.keys('orders:*')).toEqual([]);
}
