import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { bootHealthApp } from '../support/health-app.js';
import { RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait-until.js';

/** Far above the health timeout (1 s): a health answer that came this late would be the client's timeout, not ours. */
const SLOW_CLIENT_TIMEOUT_MS = 20_000;

interface HealthBody {
  status: string;
  details: {
    cache: {
      status: string;
      reason?: string;
      cause?: string;
      pingMs?: number;
      circuit?: string;
      memory?: { usedBytes: number; maxBytes: number; ratio?: number };
    };
  };
}

async function health(app: INestApplication): Promise<{ code: number; body: HealthBody; ms: number }> {
  const startedAt = performance.now();
  const response = await request(app.getHttpServer()).get('/health');
  return { code: response.status, body: response.body as HealthBody, ms: performance.now() - startedAt };
}

async function pingCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/^cmdstat_ping:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
}

describe('CacheHealthIndicator through Terminus over HTTP', () => {
  describe('Redis up', () => {
    let server: RedisServer;
    let redis: Redis;
    let app: INestApplication;

    beforeAll(async () => {
      server = await RedisServer.start();
      redis = new Redis(server.port, '127.0.0.1');
      app = await bootHealthApp({ namespace: 'health-up', redis: { url: server.url }, health: { memoryThreshold: 0.8 } });
    });
    afterAll(async () => {
      await app?.close();
      redis?.disconnect();
      await server?.dispose();
    });

    it('is up with the PING time, the circuit state and Redis memory', async () => {
      const { code, body } = await health(app);
      expect(code).toBe(200);
      expect(body.status).toBe('ok');
      const cache = body.details.cache;
      expect(cache.status).toBe('up');
      expect(cache.pingMs).toEqual(expect.any(Number));
      expect(cache.circuit).toBe('closed');
      expect(cache.memory?.usedBytes).toBeGreaterThan(0);
      expect(cache.memory?.maxBytes).toBe(0); // no limit: no ratio to judge
      expect(cache.memory?.ratio).toBeUndefined();
    });

    it('a storm of probes costs at most one PING per second (counted by Redis itself)', async () => {
      await health(app);
      const before = await pingCalls(redis);
      const startedAt = performance.now();
      let answered = 0;
      while (performance.now() - startedAt < 2500) {
        const batch = await Promise.all(Array.from({ length: 25 }, () => health(app)));
        answered += batch.filter(({ code, body }) => code === 200 && body.details.cache.status === 'up').length;
      }
      const seconds = (performance.now() - startedAt) / 1000;
      const pings = (await pingCalls(redis)) - before;
      expect(answered).toBeGreaterThan(100);
      expect(pings).toBeGreaterThanOrEqual(1);
      expect(pings).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      console.info(`health: ${answered} probes in ${seconds.toFixed(1)} s cost ${pings} PINGs`);
    });

    it('is degraded while Redis memory is above the threshold of maxmemory, up again below it', async () => {
      const used = Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
      await redis.config('SET', 'maxmemory', String(Math.round(used * 1.05)));
      try {
        let last: HealthBody | undefined;
        await waitUntil('health to report memory_high', 5000, async () => {
          last = (await health(app)).body;
          return last.details.cache.reason === 'memory_high';
        });
        expect(last?.status).toBe('degraded');
        expect(last?.details.cache.status).toBe('degraded');
        expect(last?.details.cache.memory?.ratio).toBeGreaterThanOrEqual(0.8);
      } finally {
        await redis.config('SET', 'maxmemory', '0');
      }
      await waitUntil('health to report up again', 5000, async () => (await health(app)).body.details.cache.status === 'up');
    });
  });

  describe('Redis hung (SIGSTOP) and stopped', () => {
    let server: RedisServer;
    let optional: INestApplication;
    let required: INestApplication;

    beforeAll(async () => {
      server = await RedisServer.start();
      const redis = { url: server.url };
      optional = await bootHealthApp({ namespace: 'health-optional', redis, operationTimeout: SLOW_CLIENT_TIMEOUT_MS });
      required = await bootHealthApp({ namespace: 'health-required', redis, operationTimeout: SLOW_CLIENT_TIMEOUT_MS, required: true });
    });
    afterAll(async () => {
      await optional?.close();
      await required?.close();
      await server?.dispose();
    });

    it('hung: answers within its own timeout, degraded (200) or, for a required cache, down (503)', async () => {
      expect((await health(optional)).body.details.cache.status).toBe('up');
      expect((await health(required)).body.details.cache.status).toBe('up');
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the shared probe's second
      process.kill(server.pid!, 'SIGSTOP');
      try {
        const [failingOpen, failingClosed] = await Promise.all([health(optional), health(required)]);
        expect(failingOpen.code).toBe(200);
        expect(failingOpen.body.status).toBe('degraded');
        expect(failingOpen.body.details.cache).toMatchObject({ status: 'degraded', reason: 'redis_unreachable', cause: 'timeout' });
        expect(failingClosed.code).toBe(503);
        expect(failingClosed.body.status).toBe('error');
        expect(failingClosed.body.details.cache).toMatchObject({ status: 'down', reason: 'redis_unreachable', cause: 'timeout' });
        // The client would wait 20 s for the PING: the answer came from the indicator's 1 s timeout.
        expect(Math.max(failingOpen.ms, failingClosed.ms)).toBeLessThan(SLOW_CLIENT_TIMEOUT_MS / 4);
      } finally {
        process.kill(server.pid!, 'SIGCONT');
      }
      await waitUntil('health to be up after SIGCONT', 5000, async () => (await health(required)).body.details.cache.status === 'up');
    });

    it('stopped: degraded (200) with the connection named, down (503) for a required cache; up once restarted', async () => {
      await server.stop();
      let failingOpen: Awaited<ReturnType<typeof health>> | undefined;
      let failingClosed: Awaited<ReturnType<typeof health>> | undefined;
      await waitUntil('both to notice the stopped server', 5000, async () => {
        [failingOpen, failingClosed] = await Promise.all([health(optional), health(required)]);
        return failingOpen.body.details.cache.status !== 'up' && failingClosed.body.details.cache.status !== 'up';
      });
      expect(failingOpen?.code).toBe(200);
      expect(failingOpen?.body.details.cache).toMatchObject({ status: 'degraded', reason: 'redis_unreachable', cause: 'connection' });
      expect(failingClosed?.code).toBe(503);
      expect(failingClosed?.body.details.cache).toMatchObject({ status: 'down', reason: 'redis_unreachable', cause: 'connection' });

      // Back on the same port: up again. (Closing while the client still dials a stopped server would leave ioredis's
      // 2 s disconnect timer behind.)
      await server.launch();
      await waitUntil('health to be up after the restart', 5000, async () => (await health(required)).body.details.cache.status === 'up');
      await waitUntil('the other app too', 5000, async () => (await health(optional)).body.details.cache.status === 'up');
    });
  });
});
