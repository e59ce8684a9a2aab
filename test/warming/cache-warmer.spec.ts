import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get, Injectable, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheModule, CacheWarmer, type CacheModuleOptions, type WarmEntry } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';

const ENTRIES = 10_000;
/**
 * About 30,000 commands per warm: on a loaded box the rolling test once counted [6782, 0, 0] loads, which fits commands
 * outlasting the default 250 ms operation timeout (a failed entry, or a lock release that failed and kept the warmer
 * locked for the next instances). What these tests count is loads, not timing.
 */
const SLOW_BOX = { operationTimeout: 10_000 };

/** Counts the loader runs of the warmer below, across app instances in this process. */
const loads = { count: 0 };

@Injectable()
class CatalogWarmer {
  @CacheWarmer()
  *popularProducts(): Generator<WarmEntry> {
    for (let i = 0; i < ENTRIES; i++) {
      yield {
        key: `product:${i}`,
        ttl: '10m',
        loader: async () => {
          loads.count++;
          await sleep(1);
          return { id: i };
        },
      };
    }
  }
}

@Injectable()
class SmallWarmer {
  @CacheWarmer({ concurrency: 4 })
  async settings(): Promise<WarmEntry[]> {
    return Array.from({ length: 100 }, (_, i) => ({ key: `setting:${i}`, loader: () => i }));
  }
}

@Controller()
class PingController {
  @Get('ping')
  ping() {
    return { warmedSoFar: loads.count };
  }
}

function logCollector(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: unknown) => void lines.push(String(message));
  return { lines, log: keep, warn: keep, error: keep, debug: () => undefined, verbose: () => undefined };
}

async function startApp(options: CacheModuleOptions, providers: Array<new (...args: never[]) => unknown>, logger?: LoggerService) {
  const builder = Test.createTestingModule({ imports: [CacheModule.forRoot(options)], providers, controllers: [PingController] });
  if (logger) builder.setLogger(logger);
  const app = (await builder.compile()).createNestApplication({ logger: logger ?? false });
  await app.listen(0, '127.0.0.1');
  return app;
}

describe('@CacheWarmer', () => {
  const db = useRedisServer();
  beforeEach(async () => {
    await db.redis.flushdb();
    loads.count = 0;
  });

  it('warms 10,000 entries at concurrency 16 without delaying the first answer; logs progress every 10 %', async () => {
    const logger = logCollector();
    const app = await startApp({ namespace: 'warmer', redis: { url: db.server.url }, warming: { concurrency: 16 }, resilience: SLOW_BOX }, [CatalogWarmer], logger);
    try {
      const first = await request(app.getHttpServer()).get('/ping').expect(200);
      expect(first.body.warmedSoFar).toBeLessThan(ENTRIES); // answered while warming was still under way
      await waitUntil('warming to finish', 25_000, async () => logger.lines.some((line) => line.includes('CatalogWarmer.popularProducts: done')));
      expect(loads.count).toBe(ENTRIES);
      expect(await db.redis.exists('warmer:product:9999')).toBe(1);
      // A generator has no length: one line per 1,000 entries, then the summary; never one per key.
      const progress = logger.lines.filter((line) => line.startsWith('CatalogWarmer.popularProducts:'));
      expect(progress.length).toBeLessThanOrEqual(12);
      expect(progress.at(-1)).toMatch(/done in .* s: 10000 loaded, 0 fresh \(skipped\), 0 failed/);
      expect(await db.redis.exists('warmer:__lock__:__warmer__:CatalogWarmer.popularProducts')).toBe(0); // released
    } finally {
      await app.close();
    }
  });

  it('3 instances restarted one after another load only what is missing', async () => {
    const options = { namespace: 'rolling', redis: { url: db.server.url }, warming: { blockBoot: true }, resilience: SLOW_BOX };
    const counts: number[] = [];
    for (let instance = 0; instance < 3; instance++) {
      const before = loads.count;
      const app = await startApp(options, [CatalogWarmer]);
      counts.push(loads.count - before);
      await app.close();
      if (instance === 0) await db.redis.unlink(...Array.from({ length: 250 }, (_, i) => `rolling:product:${i * 40}`)); // evicted meanwhile
    }
    expect(counts).toEqual([ENTRIES, 250, 0]);
  });

  it('singleInstance: a warmer another instance is running is skipped here; blockBoot waits for the rest', async () => {
    await db.redis.set('single:__lock__:__warmer__:SmallWarmer.settings', 'other-instance', 'PX', 60_000);
    const logger = logCollector();
    const app = await startApp({ namespace: 'single', redis: { url: db.server.url }, warming: { blockBoot: true } }, [SmallWarmer], logger);
    try {
      expect(await db.redis.exists('single:setting:1')).toBe(0);
      expect(logger.lines).toContain('SmallWarmer.settings: another instance is warming; skipped here');
      await db.redis.del('single:__lock__:__warmer__:SmallWarmer.settings');
    } finally {
      await app.close();
    }
    const second = await startApp({ namespace: 'single', redis: { url: db.server.url }, warming: { blockBoot: true } }, [SmallWarmer]);
    try {
      expect(await db.redis.exists('single:setting:99')).toBe(1); // blockBoot: warmed before listen resolved
    } finally {
      await second.close();
    }
  });
});
