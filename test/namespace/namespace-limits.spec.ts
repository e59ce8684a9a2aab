import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { register } from 'prom-client';
import type { TestingModule } from '@nestjs/testing';
import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { parsePrometheusText } from '../support/prometheus-text.js';
import { useRedisServer } from '../support/redis-fixture.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Heap in use after a full collection. */
function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Every cache_* series on /metrics, and the longest `namespace` label among them. */
async function cacheSeries(): Promise<{ count: number; longestNamespace: number }> {
  const samples = parsePrometheusText(await register.metrics()).filter((sample) => sample.name.startsWith('cache_'));
  return { count: samples.length, longestNamespace: Math.max(0, ...samples.map((sample) => sample.labels.namespace?.length ?? 0)) };
}

/**
 * Issue 18, item 8: a 100,000-character namespace was accepted and became a metric label, and every namespace
 * withNamespace made lived as long as the module, however many were asked for.
 */
describe('namespace limits', () => {
  const db = useRedisServer();
  const modules: TestingModule[] = [];
  afterEach(() => Promise.all(modules.splice(0).map((module) => module.close())));

  async function boot(options: Omit<Parameters<typeof bootCache>[0], 'redis'>) {
    const booted = await bootCache({ ...options, redis: { url: db.server.url } });
    modules.push(booted.module);
    return booted.cache;
  }

  it('refuses a namespace longer than 64 characters wherever one is given, naming where, without echoing it', async () => {
    await expect(boot({ namespace: 'n'.repeat(65) })).rejects.toThrow(
      /option "namespace" must be a non-empty string of at most 64 letters, digits, "_", "." or "-" .*got a string of 65 characters/,
    );
    await expect(boot({ namespace: 'ok', namespaces: { ['m'.repeat(65)]: {} } })).rejects.toThrow(/option "namespaces" key .* at most 64/);

    const cache = await boot({ namespace: 'limits' });
    const longest = cache.withNamespace('x'.repeat(64)); // the longest allowed works
    await longest.set('k', 1);
    expect(await db.redis.exists(`${'x'.repeat(64)}:k`)).toBe(1);

    const huge = 'h'.repeat(100_000);
    let refused: unknown;
    try {
      await cache.withNamespace(huge).set('k', 1);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(CacheError);
    expect((refused as CacheError).message).toMatch(/withNamespace\(namespace\) must be .* got a string of 100000 characters starting "hhhh/);
    expect((refused as CacheError).message.length).toBeLessThan(300);
    expect(await db.redis.keys('hhh*')).toEqual([]);
    expect((await cacheSeries()).longestNamespace).toBe(64);
  });

  it('makes at most maxRuntimeNamespaces namespaces at runtime; configured ones never count; a flood of new names costs nothing', async () => {
    const cache = await boot({ namespace: 'rt', namespaces: { 'rt-configured': {}, 'rt-versioned': { version: 2 } }, maxRuntimeNamespaces: 20 });
    const made = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const namespace = cache.withNamespace(`rt-${i}`);
        await namespace.set('k', i);
        return namespace;
      }),
    );
    expect(cache.withNamespace('rt-7')).toBe(made[7]); // one already made is handed out again
    expect(() => cache.withNamespace('rt-20')).toThrow(
      new CacheError(
        'configure',
        undefined,
        'withNamespace("rt-20"): option "maxRuntimeNamespaces" allows 20 namespaces made at runtime besides the configured ones, and all are in use (list the namespace in "namespaces", or raise the option)',
      ),
    );
    // Another version of a configured namespace is one more namespace; the configured versions are not.
    expect(() => cache.withNamespace('rt', { version: 9 })).toThrow(/"maxRuntimeNamespaces" allows 20/);
    await cache.withNamespace('rt-configured').set('k', 'c');
    await cache.withNamespace('rt-versioned').set('k', 'v');
    expect(await db.redis.exists('rt-configured:k', 'rt-versioned:v2:k')).toBe(2);

    // Names from untrusted input (a tenant id, say) past the cap: each is refused, and none leaves anything behind.
    const series = await cacheSeries();
    const before = heapUsed();
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      try {
        await cache.withNamespace(`flood-${i}`).set('k', i);
      } catch (error) {
        if (error instanceof CacheError) refused++;
      }
    }
    const grown = heapUsed() - before;
    expect(refused).toBe(5000);
    expect(grown).toBeLessThan(2 * 1024 * 1024);
    expect(await cacheSeries()).toEqual(series);
    expect(await db.redis.keys('flood-*')).toEqual([]);
  });

  it('allows 100 runtime namespaces by default', async () => {
    const cache = await boot({ namespace: 'rt-default' });
    for (let i = 0; i < 100; i++) cache.withNamespace(`rt-default-${i}`);
    expect(() => cache.withNamespace('rt-default-100')).toThrow(/option "maxRuntimeNamespaces" allows 100 /);
  });

  it('refuses a bad maxRuntimeNamespaces, naming it', async () => {
    for (const bad of [-1, 1.5, '10', Number.POSITIVE_INFINITY]) {
      await expect(boot({ namespace: 'rt-bad', maxRuntimeNamespaces: bad as never })).rejects.toThrow(
        /option "maxRuntimeNamespaces" must be a non-negative integer/,
      );
    }
    const none = await boot({ namespace: 'rt-none', namespaces: { 'rt-none-b': {} }, maxRuntimeNamespaces: 0 });
    expect(none.withNamespace('rt-none-b').namespace).toBe('rt-none-b');
    expect(() => none.withNamespace('rt-none-c')).toThrow(/allows 0 namespaces/);
  });
});
