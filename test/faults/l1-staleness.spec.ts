import { setTimeout as sleep } from 'node:timers/promises';
import type { TestingModule } from '@nestjs/testing';
import type { CacheManager, CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue, timeUntil } from './fault-harness.js';
import { checkStaleness, expectNoStaleRead } from './l1-staleness-checker.js';

/** The bound the readers run with: short, so each fault outlasts it and the run stays brief. */
const BOUND_MS = 500;
/** L1 hits must resume this soon after Redis is back (the 2 s), plus scheduling slack on a shared machine. */
const RESUME_WITHIN_MS = 2000;

/**
 * No read older than the bound under each single-node fault: a writer process bumps versions, two reader instances
 * with l1 read them, and every read is checked afterwards against the writes acknowledged before it began.
 */
describe('l1 staleness bound under faults (single node)', () => {
  let server: RedisServer;
  let modules: TestingModule[] = [];
  let seq = 0;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(() => server?.dispose());
  afterEach(async () => {
    if (server.pid) process.kill(server.pid, 'SIGCONT');
    await Promise.all(modules.map((module) => module.close()));
    modules = [];
  });

  /** Two reader instances (through `readerUrl`, e.g. a proxy) and the options of a writer that reaches Redis directly. */
  async function readers(readerUrl = server.url): Promise<{ caches: CacheManager[]; writer: CacheModuleOptions }> {
    const namespace = `stale${++seq}`;
    const options: CacheModuleOptions = { namespace, redis: { url: server.url }, operationTimeout: 200, circuitBreaker: false };
    const booted = await Promise.all([0, 1].map(() => bootCache({ ...options, redis: { url: readerUrl }, l1: { maxStaleness: BOUND_MS } })));
    modules.push(...booted.map((boot) => boot.module));
    return { caches: booted.map((boot) => boot.cache), writer: options };
  }

  /** After the fault, memory serves again within RESUME_WITHIN_MS. */
  async function expectHitsResume(cache: CacheManager): Promise<void> {
    const resumedMs = await timeUntil(async () => {
      const before = await metricValue('cache_l1_hits_total', { namespace: cache.namespace });
      await cache.get('v1');
      await cache.get('v1');
      return (await metricValue('cache_l1_hits_total', { namespace: cache.namespace })) > before;
    }, 5000);
    expect(resumedMs).toBeLessThan(RESUME_WITHIN_MS);
  }

  /**
   * Two fresh readers through `fault` (given them): no stale read, a flush counted under `flushed` when given, and
   * memory serving again within RESUME_WITHIN_MS unless `resume` is false.
   */
  async function expectBoundThrough(
    label: string,
    fault: (caches: CacheManager[]) => Promise<void> | void,
    options: { flushed?: 'disconnect' | 'lease' | 'flushall'; readerUrl?: string; resume?: boolean } = {},
  ): Promise<void> {
    const { caches, writer } = await readers(options.readerUrl);
    const report = await checkStaleness({ writer, readers: caches, boundMs: BOUND_MS, fault: () => fault(caches) });
    expectNoStaleRead(report, label);
    if (options.flushed !== undefined)
      expect(await metricValue('cache_l1_flushes_total', { namespace: caches[0].namespace, reason: options.flushed })).toBeGreaterThan(0);
    if (options.resume ?? true) await expectHitsResume(caches[0]);
  }

  // Two connections per instance: the data connection tracks what it reads (flag t) and redirects the invalidations
  // to the subscriber (flag P). Redis tells the subscriber nothing when the data connection goes (redis/redis#11767).
  it.each([
    ['data connections that track their reads', /flags=\S*t/],
    ['subscribers the invalidations are redirected to', /flags=\S*P/],
  ])('CLIENT KILL of the %s', async (what, flags) => {
    await expectBoundThrough(
      `CLIENT KILL of the ${what}`,
      async () => {
        const raw = await rawClient();
        const list = (await raw.client('LIST')) as string;
        const killed = list.split('\n').filter((line) => flags.test(line));
        for (const line of killed) await raw.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]);
        raw.disconnect();
        expect(killed.length).toBeGreaterThanOrEqual(2);
      },
      { flushed: 'disconnect' },
    );
  });

  it('Redis restarted', async () => {
    await expectBoundThrough('restart', async () => {
      await server.stop('SIGKILL');
      await sleep(300);
      await server.launch();
    });
  });

  it('Redis hung (SIGSTOP) longer than the bound', async () => {
    await expectBoundThrough(
      'SIGSTOP',
      async () => {
        process.kill(server.pid!, 'SIGSTOP');
        await sleep(3 * BOUND_MS);
        process.kill(server.pid!, 'SIGCONT');
      },
      { flushed: 'lease' },
    );
  });

  it('a network partition between the readers and Redis (nothing closes; held bytes arrive on healing)', async () => {
    const proxy = await TcpProxy.start(server.port);
    try {
      await expectBoundThrough(
        'network partition',
        async () => {
          proxy.partition();
          await sleep(3 * BOUND_MS);
          proxy.heal();
        },
        { flushed: 'lease', readerUrl: proxy.url },
      );
    } finally {
      await Promise.all(modules.splice(0).map((module) => module.close()));
      await proxy.close();
    }
  });

  it('the readers’ event loop blocked for 3 s while another process writes', async () => {
    await expectBoundThrough('event loop blocked 3 s', () => {
      const until = performance.now() + 3000;
      while (performance.now() < until); // nothing in this process runs: no timer, no socket read
    });
  });

  it('the tracking connections killed for exceeding their output buffer limit', async () => {
    await expectBoundThrough('output buffer kill', async (caches) => {
      const raw = await rawClient();
      try {
        // Redis tracks the keys each instance read: both read the burst's keys first, so each hears all of it.
        const burst = Array.from({ length: 5000 }, (_, i) => `burst:${'x'.repeat(64)}:${i}`);
        for (const cache of caches) for (let i = 0; i < burst.length; i += 1000) await cache.mget(burst.slice(i, i + 1000));
        await raw.config('SET', 'client-output-buffer-limit', 'pubsub 16kb 16kb 0');
        // A burst of changes to them, longer than the limit, while this process is busy: Redis drops the subscribers.
        const pipeline = raw.pipeline();
        for (const key of burst) pipeline.set(`${caches[0].namespace}:${key}`, '1');
        const sent = pipeline.exec();
        const until = performance.now() + 200;
        while (performance.now() < until);
        await sent;
        await waitUntil(
          'a subscriber dropped',
          3000,
          async () => (await metricValue('cache_l1_flushes_total', { namespace: caches[0].namespace, reason: 'disconnect' })) > 0,
        );
        await raw.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
      } finally {
        raw.disconnect();
      }
    });
  });

  it('FLUSHALL', async () => {
    await expectBoundThrough(
      'FLUSHALL',
      async () => {
        const raw = await rawClient();
        await raw.flushall();
        raw.disconnect();
      },
      { flushed: 'flushall', resume: false },
    );
  });

  async function rawClient() {
    const { Redis } = await import('ioredis');
    return new Redis(server.port, '127.0.0.1');
  }
});
