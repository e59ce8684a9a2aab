import { setTimeout as realSetTimeout } from 'node:timers';
import { jest } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import type { CacheManager, CacheModuleOptions } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { L1Tiers } from '../../lib/l1/l1-tiers.js';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { aclRulesFromDocs } from '../support/docs-acl.js';
import { RedisServer } from '../support/redis-server.js';
import { TOPOLOGIES, type RunningRedis } from '../support/topologies.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * `tags.tokenMemo`: tag tokens kept in memory, coherent through Redis tracking, so a tagged read is a plain GET of its
 * entry. Two instances on one Redis (a single redis-server, then a 3-master Cluster): what one invalidates, the other
 * never serves from its memo; without tracking (connection lost, lease lapsed, refused by an ACL) tagged reads read the
 * tokens again. Whether the memo served is told by Redis's own count of MGET calls (INFO commandstats), never by a clock.
 */

/** MGET calls Redis has served so far (summed over the masters of a Cluster). */
async function mgetCalls(raw: Redis | Cluster): Promise<number> {
  const nodes = raw instanceof Cluster ? raw.nodes('master') : [raw];
  const infos = await Promise.all(nodes.map((node) => node.info('commandstats')));
  return infos.reduce((sum, info) => sum + Number(/cmdstat_mget:calls=(\d+)/.exec(info)?.[1] ?? 0), 0);
}

/** Whether `read` reached Redis without an MGET, i.e. its tokens came from the memo (nothing else runs meanwhile). */
async function servedByMemo(raw: Redis | Cluster, read: () => Promise<unknown>): Promise<boolean> {
  const before = await mgetCalls(raw);
  await read();
  return (await mgetCalls(raw)) === before;
}

const MEMO: Partial<CacheModuleOptions> = { tags: { tokenMemo: { maxStaleness: '300ms' } }, operationTimeout: 1000 };

describe.each(TOPOLOGIES)('tag token memo on $name', (topology) => {
  let setup: RunningRedis;
  let modules: TestingModule[] = [];
  let run = 0;

  beforeAll(async () => {
    setup = await topology.start();
  }, 30_000);
  afterAll(async () => {
    await setup?.stop();
  });
  afterEach(async () => {
    await Promise.all(modules.map((module) => module.close()));
    modules = [];
  });

  /** Two instances of one service (namespace of their own per test). */
  async function twoInstances(): Promise<[CacheManager, CacheManager, TestingModule]> {
    const namespace = `memo-${++run}`;
    const booted = [await bootCache({ namespace, redis: setup.redis, ...MEMO }), await bootCache({ namespace, redis: setup.redis, ...MEMO })];
    modules = booted.map(({ module }) => module);
    return [booted[0].cache, booted[1].cache, booted[1].module];
  }

  /** Reads `key` until its tokens come from the memo (the first reads learn the key's tags, then fill the memo). */
  async function warm(reader: CacheManager, read: () => Promise<unknown>): Promise<void> {
    await waitUntil('the memo to serve', 5000, () => servedByMemo(setup.raw, read));
  }

  it("a read served from the memo resolves under an app's fake timers (it waits on the real event loop)", async () => {
    const [writer, reader] = await twoInstances();
    await writer.set('k', 'v1', { tags: ['t'] });
    await warm(reader, () => reader.get('k'));
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'performance', 'Date'] });
    try {
      const outcome = await Promise.race([reader.get('k'), new Promise((resolve) => realSetTimeout(() => resolve('hung'), 2000))]);
      expect(outcome).toBe('v1');
    } finally {
      jest.useRealTimers();
    }
  });

  it('a tagged get served from the memo misses once another instance invalidated the tag', async () => {
    const [writer, reader] = await twoInstances();
    await writer.set('k', 'v1', { tags: ['t'] });
    await warm(reader, () => reader.get('k'));
    expect(await reader.get('k')).toBe('v1');
    await writer.invalidateTags(['t']);
    expect(await reader.get('k')).toBeUndefined();
    // The reader's own invalidation too, and a getOrSet after it loads.
    await writer.set('k', 'v2', { tags: ['t'] });
    await warm(reader, () => reader.get('k'));
    await reader.invalidateTags('t');
    expect(await reader.getOrSet('k', () => 'loaded', { tags: ['t'] })).toBe('loaded');
  });

  it('a tagged getOrSet served from the memo loads again once another instance invalidated the tag', async () => {
    const [writer, reader] = await twoInstances();
    let loads = 0;
    const load = (): string => `load ${++loads}`;
    expect(await reader.getOrSet('g', load, { tags: ['u'] })).toBe('load 1');
    await warm(reader, () => reader.getOrSet('g', load, { tags: ['u'] }));
    expect(await reader.getOrSet('g', load, { tags: ['u'] })).toBe('load 1');
    await writer.invalidateTags('u');
    expect(await reader.getOrSet('g', load, { tags: ['u'] })).toBe('load 2');
  });

  it('a lost tracking connection turns the memo off: an invalidation it could not hear is still seen', async () => {
    const [writer, reader] = await twoInstances();
    await writer.set('k', 'v1', { tags: ['t'] });
    await warm(reader, () => reader.get('k'));
    const nodes = setup.raw instanceof Cluster ? setup.raw.nodes('master') : [setup.raw];
    await Promise.all(nodes.map((node) => node.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))); // every tracking connection
    await writer.invalidateTags('t'); // the reader's subscriber is gone: this invalidation reaches nobody
    expect(await reader.get('k')).toBeUndefined();
    // Tracking comes back by itself, and the memo with it.
    await writer.set('k', 'v2', { tags: ['t'] });
    await warm(reader, () => reader.get('k'));
    expect(await reader.get('k')).toBe('v2');
  });

  it('a lapsed lease turns the memo off: an invalidation held back on the tracking connection is not waited for', async () => {
    const [writer, reader, readerModule] = await twoInstances();
    await writer.set('k', 'v1', { tags: ['t'] });
    await warm(reader, () => reader.get('k'));
    // The reader's tracking connections stop reading: no heartbeat echoes, no invalidation arrives, the lease ages.
    const channels = trackingChannelsOf(readerModule);
    expect(channels.length).toBeGreaterThan(0);
    for (const stream of channels) stream.pause();
    try {
      await writer.invalidateTags('t');
      await waitUntil('the reader to miss', 5000, async () => (await reader.get('k')) === undefined);
      expect(await reader.get('k')).toBeUndefined();
    } finally {
      for (const stream of channels) stream.resume();
    }
    await writer.set('k', 'v2', { tags: ['t'] });
    await warm(reader, () => reader.get('k'));
    expect(await reader.get('k')).toBe('v2');
  });
});

/** The sockets of an instance's tracking connections (white box: the only way to hold one back and not the rest). */
function trackingChannelsOf(module: TestingModule): Array<{ pause(): void; resume(): void }> {
  const tiers = module.get(L1Tiers) as unknown as { coherence?: { channels: Map<string, { client: Redis }> } };
  return [...(tiers.coherence?.channels.values() ?? [])].map((channel) => channel.client.stream);
}

describe('tag token memo where an ACL refuses tracking (the ACL line of docs/operations/security.md, without the l1 grants)', () => {
  const USER = 'orders-cache';
  const PASSWORD = 'memo-test-password';
  let server: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    server = await RedisServer.start(['--user', USER, ...aclRulesFromDocs(USER, PASSWORD)]);
    admin = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.dispose();
  });

  it('boots, warns once, and tagged reads read their tokens as without the memo', async () => {
    const logger = warningCollector();
    const options: CacheModuleOptions = {
      namespace: 'orders',
      redis: { url: `redis://${USER}:${PASSWORD}@127.0.0.1:${server.port}` },
      resilience: { failOnStartup: true },
      ...MEMO,
    };
    const a = await bootCache(options, logger);
    const b = await bootCache(options);
    try {
      expect(logger.warnings.filter((warning) => warning.includes('tags.tokenMemo is off'))).toHaveLength(1);
      await a.cache.set('k', 'v1', { tags: ['t'] });
      for (let i = 0; i < 3; i++) expect(await b.cache.get('k')).toBe('v1');
      expect(await servedByMemo(admin, () => b.cache.get('k'))).toBe(false); // tokens read with the entry, every time
      await a.cache.invalidateTags('t');
      expect(await b.cache.get('k')).toBeUndefined();
      expect(await b.cache.getOrSet('k', () => 'loaded', { tags: ['t'] })).toBe('loaded');
    } finally {
      await a.module.close();
      await b.module.close();
    }
  });
});
