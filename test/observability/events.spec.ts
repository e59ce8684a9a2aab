import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { register } from 'prom-client';
import { CACHE_EVENT_CHANNELS, type CacheManager } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait-until.js';

type Channel = keyof typeof CACHE_EVENT_CHANNELS;

/** Subscribes to every channel and keeps what arrives, by channel. */
function recordEvents(): {
  events: Array<[Channel, Record<string, unknown>]>;
  of: (channel: Channel) => Array<Record<string, unknown>>;
  stop: () => void;
} {
  const events: Array<[Channel, Record<string, unknown>]> = [];
  const listeners = (Object.keys(CACHE_EVENT_CHANNELS) as Channel[]).map((channel) => {
    const listener = (message: unknown): void => void events.push([channel, message as Record<string, unknown>]);
    subscribe(CACHE_EVENT_CHANNELS[channel], listener);
    return [channel, listener] as const;
  });
  return {
    events,
    of: (channel) => events.filter(([name]) => name === channel).map(([, event]) => event),
    stop: () => listeners.forEach(([channel, listener]) => unsubscribe(CACHE_EVENT_CHANNELS[channel], listener)),
  };
}

describe('events through node:diagnostics_channel', () => {
  const db = useRedisServer();
  let module: TestingModule;
  let cache: CacheManager;
  let recorder: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    ({ module, cache } = await bootCache({ namespace: 'ev', redis: { url: db.server.url }, staleWhileRevalidate: '1m' }));
  });
  afterAll(() => module?.close());
  beforeEach(() => (recorder = recordEvents()));
  afterEach(() => recorder.stop());

  it('hit, miss and load carry the namespace, the cache label and the key', async () => {
    expect(await cache.getOrSet('user:1', () => ({ name: 'Ada' }))).toEqual({ name: 'Ada' });
    expect(await cache.getOrSet('user:1', () => ({ name: 'never' }))).toEqual({ name: 'Ada' });
    expect(await cache.get('user:2')).toBeUndefined();
    await cache.mget(['user:1', 'user:3']);
    expect(recorder.of('miss')).toEqual([
      { namespace: 'ev', cache: 'direct', key: 'user:1' },
      { namespace: 'ev', cache: 'direct', key: 'user:2' },
      { namespace: 'ev', cache: 'direct', key: 'user:3' },
    ]);
    expect(recorder.of('hit')).toEqual([
      { namespace: 'ev', cache: 'direct', key: 'user:1', source: 'store' },
      { namespace: 'ev', cache: 'direct', key: 'user:1', source: 'store' },
    ]);
    const [load] = recorder.of('load');
    expect(recorder.of('load')).toHaveLength(1);
    expect(load).toMatchObject({ namespace: 'ev', cache: 'direct', key: 'user:1', trigger: 'miss' });
    expect(load.durationMs).toEqual(expect.any(Number));
    expect(load).not.toHaveProperty('error');
  });

  it('a loader that throws: the load event carries its error', async () => {
    const failure = new Error('database down');
    await expect(cache.getOrSet('flaky', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(recorder.of('load')).toEqual([expect.objectContaining({ key: 'flaky', trigger: 'miss', error: failure })]);
  });

  it('stale served and the background load that replaces it', async () => {
    await cache.getOrSet('report', () => 'v1', { ttl: 100 });
    await sleep(150);
    expect(await cache.getOrSet('report', () => 'v2', { ttl: '1m' })).toBe('v1');
    expect(recorder.of('staleServed')).toEqual([{ namespace: 'ev', cache: 'direct', key: 'report', reason: 'revalidating' }]);
    await waitUntil('the background load', 2000, async () => recorder.of('load').some((event) => event.trigger === 'stale'));
    expect(recorder.of('load').map((event) => [event.key, event.trigger])).toEqual([
      ['report', 'miss'],
      ['report', 'stale'],
    ]);
  });

  it('invalidations: keys, prefix, tags and clear, with what they removed', async () => {
    await cache.mset([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 'user:9', value: 9 },
    ]);
    expect(await cache.invalidate(['a', 'b'])).toBe(2);
    await cache.invalidatePrefix('user:');
    await cache.invalidateTags(['team:7']);
    await cache.clear();
    expect(recorder.of('invalidation')).toEqual([
      { namespace: 'ev', kind: 'keys', keys: ['a', 'b'], outcome: 'applied', removed: 2 },
      { namespace: 'ev', kind: 'prefix', prefix: 'user:', outcome: 'applied', removed: expect.any(Number) },
      { namespace: 'ev', kind: 'tags', tags: ['team:7'], outcome: 'applied' },
      { namespace: 'ev', kind: 'clear', prefix: '', outcome: 'applied', removed: expect.any(Number) },
    ]);
  });

  it('an undecodable entry: an error event with the key, then a miss', async () => {
    await db.redis.set('ev:broken', 'not an entry');
    expect(await cache.get('broken')).toBeUndefined();
    expect(recorder.of('error')).toEqual([
      expect.objectContaining({
        namespace: 'ev',
        operation: 'deserialize',
        key: 'broken',
        reason: expect.any(String),
        error: expect.any(Error),
      }),
    ]);
    expect(recorder.of('miss')).toEqual([{ namespace: 'ev', cache: 'direct', key: 'broken' }]);
  });

  it('keys reach the events, never a metric label', async () => {
    await cache.getOrSet('customer:SECRET-4711', () => 'x');
    await cache.get('customer:SECRET-4711');
    expect(recorder.events.some(([, event]) => event.key === 'customer:SECRET-4711')).toBe(true);
    expect(await register.metrics()).not.toContain('SECRET-4711');
  });

  it('nothing arrives once unsubscribed', async () => {
    recorder.stop();
    await cache.getOrSet('quiet', () => 1);
    await cache.get('quiet');
    expect(recorder.events).toEqual([]);
  });
});

describe('circuit and error events with Redis hung (SIGSTOP)', () => {
  it('error events name the timeout; the circuit opens, probes and closes again', async () => {
    const server = await RedisServer.start();
    const { module, cache } = await bootCache({
      namespace: 'ev-circuit',
      redis: { url: server.url },
      operationTimeout: 100,
      circuitBreaker: { failureThreshold: 2, cooldown: 200 },
    });
    const recorder = recordEvents();
    try {
      process.kill(server.pid!, 'SIGSTOP');
      try {
        for (let i = 0; i < 3; i++) await cache.get('k').catch(() => undefined);
      } finally {
        process.kill(server.pid!, 'SIGCONT');
      }
      expect(recorder.of('error').slice(0, 2)).toEqual([
        expect.objectContaining({ namespace: 'ev-circuit', operation: 'get', key: 'k', reason: 'timeout' }),
        expect.objectContaining({ namespace: 'ev-circuit', operation: 'get', key: 'k', reason: 'timeout' }),
      ]);
      await waitUntil('the circuit to close', 5000, async () => {
        await cache.get('k').catch(() => undefined);
        return recorder.of('circuit').at(-1)?.state === 'closed';
      });
      expect(recorder.of('circuit')).toEqual([
        { namespace: 'ev-circuit', state: 'open' },
        { namespace: 'ev-circuit', state: 'half-open' },
        { namespace: 'ev-circuit', state: 'closed' },
      ]);
    } finally {
      recorder.stop();
      await module.close();
      await server.dispose();
    }
  });
});
