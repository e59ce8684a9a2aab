import { Registry } from 'prom-client';
import { CacheError, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { resolveCacheOptions } from '../../lib/options/resolve-cache-options.js';
import { MODULE_ALIASES, NAMESPACE_ALIASES } from '../../lib/options/option-aliases.js';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { RedisServer } from '../support/redis-server.js';

/** A value of each flat key of 0.2 that differs from its default, so moving it shows in the resolved options. */
const registry = new Registry();
const FLAT_VALUES: Record<string, unknown> = {
  defaultTtl: '2m',
  ttlJitter: 0.1,
  refreshAhead: { beta: 2 },
  staleWhileRevalidate: '1m',
  staleIfError: '2m',
  loaderTimeout: 100,
  lock: { enabled: true, ttl: '3s' },
  failedLoaderThrottle: '3s',
  serializer: 'msgpack',
  msgpackTypes: ['RegExp'],
  compression: { threshold: 10, algorithm: 'gzip' },
  maxValueBytes: 1000,
  operationTimeout: 300,
  circuitBreaker: { failureThreshold: 2 },
  invalidationQueue: { maxKeys: 50 },
  failOnStartup: true,
  metrics: { registry },
  footprint: { interval: '2s' },
  redisInfo: { interval: '3s' },
  memoryMaxEntries: 5,
  required: true,
};

/** The same setting under its new key. */
function newForm(flat: string, value: unknown): Record<string, unknown> {
  const [concept, field] = MODULE_ALIASES[flat];
  return { [concept]: { [field]: flat === 'metrics' ? (value as { registry: Registry }).registry : value } };
}

/** The resolved options without the HMAC key of `http`, which is random per resolution. */
function resolved(options: Record<string, unknown>) {
  const { http: _random, ...rest } = resolveCacheOptions({ namespace: 'opts', ...options } as CacheModuleOptions);
  return rest;
}

describe('options by concept', () => {
  const db = useRedisServer();

  it('the flat keys of 0.2 warn once per process, in one line naming each new key', async () => {
    const flat = { ...FLAT_VALUES, footprint: false, redisInfo: false }; // the embedded store runs no Redis samplers
    const namespaces = { orders: { serializer: 'msgpack', staleIfError: '1m' } };
    const first = warningCollector();
    const a = await bootCache({ namespace: 'warned', ...flat, namespaces } as CacheModuleOptions, first);
    await a.module.close();
    const deprecations = first.warnings.filter((line) => line.includes('deprecated option'));
    expect(deprecations).toHaveLength(1);
    for (const [old, [concept, field]] of Object.entries(MODULE_ALIASES)) {
      const oldKey = old === 'metrics' ? 'metrics.registry' : old;
      expect(deprecations[0]).toContain(`"${oldKey}" is now "${concept}.${field}"`);
    }
    expect(deprecations[0]).toContain('"namespaces.orders.serializer" is now "namespaces.orders.entries.serializer"');
    expect(deprecations[0]).toContain('"namespaces.orders.staleIfError" is now "namespaces.orders.policy.staleIfError"');

    const again = warningCollector();
    const b = await bootCache({ namespace: 'warned-again', ...flat, namespaces } as CacheModuleOptions, again);
    await b.module.close();
    expect(again.warnings.filter((line) => line.includes('deprecated option'))).toEqual([]);
  });

  it.each(Object.keys(FLAT_VALUES))('the flat key %s resolves exactly as its new key', (flat) => {
    const value = FLAT_VALUES[flat];
    const viaNewKey = resolved(newForm(flat, value));
    expect(resolved({ [flat]: value })).toEqual(viaNewKey);
    expect(viaNewKey).not.toEqual(resolved({})); // the value differs from the default: the move is visible
  });

  it.each(Object.keys(NAMESPACE_ALIASES))('the namespace flat key %s resolves exactly as its new key', (flat) => {
    const [concept, field] = NAMESPACE_ALIASES[flat];
    const value = FLAT_VALUES[flat];
    const viaNewKey = resolved({ namespaces: { orders: { [concept]: { [field]: value } } } });
    expect(resolved({ namespaces: { orders: { [flat]: value } } })).toEqual(viaNewKey);
    expect(viaNewKey).not.toEqual(resolved({ namespaces: { orders: {} } }));
  });

  it.each(Object.keys(FLAT_VALUES))('the flat key %s beside its new key is a configure CacheError naming both', (flat) => {
    const [concept, field] = MODULE_ALIASES[flat];
    const oldKey = flat === 'metrics' ? 'metrics.registry' : flat;
    const failure = catchError(() => resolved({ [flat]: FLAT_VALUES[flat], ...newForm(flat, FLAT_VALUES[flat]) }));
    expect(failure).toBeInstanceOf(CacheError);
    expect((failure as CacheError).operation).toBe('configure');
    expect((failure as CacheError).message).toContain(`options "${oldKey}" and "${concept}.${field}" name the same setting`);
  });

  it('a namespace flat key beside its new key is refused, in namespaces and in withNamespace', async () => {
    expect(() => resolved({ namespaces: { orders: { serializer: 'json', entries: { serializer: 'msgpack' } } } })).toThrow(
      'options "namespaces.orders.serializer" and "namespaces.orders.entries.serializer" name the same setting',
    );
    const { module, cache } = await bootCache({ namespace: 'opts', redis: { url: db.server.url } });
    try {
      const settings = { staleIfError: '1m', policy: { staleIfError: '2m' } } as const;
      expect(() => cache.withNamespace('both', settings)).toThrow(
        /withNamespace\("both"\) options "staleIfError" and "policy.staleIfError" name the same setting/,
      );
      // The same settings asked with the old keys, then the new ones, are one namespace.
      const byOld = cache.withNamespace('same', { serializer: 'msgpack', staleIfError: '1m' });
      expect(cache.withNamespace('same', { policy: { staleIfError: '1m' }, entries: { serializer: 'msgpack' } })).toBe(byOld);
    } finally {
      await module.close();
    }
  });

  it('errors name a new key by its path', () => {
    expect(() => resolved({ policy: { ttl: 'tomorrow' } })).toThrow('option "policy.ttl"');
    expect(() => resolved({ policy: { lock: { ttl: 'never' } } })).toThrow(`option "policy.lock.ttl" cannot be 'never'`);
    expect(() => resolved({ entries: { compression: { threshold: -1 } } })).toThrow('option "entries.compression.threshold" must be');
    expect(() => resolved({ resilience: { circuitBreaker: true } })).toThrow('option "resilience.circuitBreaker" must be false or');
    expect(() => resolved({ monitoring: { footprint: { interval: 10 } } })).toThrow('option "monitoring.footprint.interval" must be at least 1 s');
    expect(() => resolved({ health: { required: 'yes' } })).toThrow('option "health.required" must be true or false');
    expect(() => resolved({ memory: { maxEntries: 0 } })).toThrow('option "memory.maxEntries" must be a positive integer');
    expect(() => resolved({ namespaces: { x: { policy: { staleIfError: 'soon' } } } })).toThrow('option "namespaces.x.policy.staleIfError"');
    expect(() => resolved({ policy: 5 })).toThrow(/option "policy" must be \{ ttl\?,/);
    // A flat key keeps its own name, nested settings included.
    expect(() => resolved({ refreshAhead: { beta: 0 } })).toThrow('option "refreshAhead.beta" must be a positive number');
  });

  it('policy.ttl sets the stored PTTL, and a namespace policy its stale window', async () => {
    const { module, cache } = await bootCache({
      namespace: 'policy',
      redis: { url: db.server.url },
      policy: { ttl: '2m' },
      namespaces: { swr: { policy: { staleWhileRevalidate: '10m' } } },
    });
    try {
      await cache.set('k', 1);
      const pttl = await db.redis.pttl('policy:k');
      expect(pttl).toBeGreaterThan(110_000);
      expect(pttl).toBeLessThanOrEqual(120_000); // not the default 5m
      await cache.withNamespace('swr').set('k', 1);
      expect(await db.redis.pttl('swr:k')).toBeGreaterThan(11 * 60_000); // 2m logical + 10m stale window
    } finally {
      await module.close();
    }
  });

  it('entries.compression changes the stored bytes, for the module, a configured namespace and withNamespace', async () => {
    const text = 'repeated words '.repeat(20); // 300 bytes: under the default threshold of 1024
    const { module, cache } = await bootCache({
      namespace: 'entries',
      redis: { url: db.server.url },
      entries: { compression: { threshold: 0, algorithm: 'brotli' } },
      namespaces: { plain: { entries: { compression: false } } },
    });
    try {
      await cache.set('doc', text);
      await cache.withNamespace('plain').set('doc', text);
      await cache.withNamespace('gz', { entries: { compression: { algorithm: 'gzip', threshold: 0 } } }).set('doc', text);
      const stored = async (key: string) => (await db.redis.getBuffer(key))!;
      expect((await stored('entries:doc'))[1] >> 4).toBe(2); // brotli
      expect((await stored('entries:doc')).length).toBeLessThan(text.length / 2);
      expect((await stored('plain:doc'))[1] >> 4).toBe(0); // none
      expect((await stored('plain:doc')).length).toBeGreaterThan(text.length);
      expect((await stored('gz:doc'))[1] >> 4).toBe(1); // gzip
      expect(await cache.get('doc')).toBe(text);
    } finally {
      await module.close();
    }
  });

  it('resilience.operationTimeout bounds a call to a hung Redis (SIGSTOP)', async () => {
    const server = await RedisServer.start();
    const { module, cache } = await bootCache({
      namespace: 'hung',
      redis: { url: server.url },
      resilience: { operationTimeout: 1500, circuitBreaker: false },
    });
    try {
      await cache.set('k', 1);
      process.kill(server.pid!, 'SIGSTOP');
      const startedAt = performance.now();
      const failure = await cache.get('k').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(CacheError);
      expect(String((failure as CacheError).cause)).toMatch(/timed? ?out/i);
      // A timeout cannot fire early: waiting this long shows the option replaced the default 250 ms.
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(1400);
    } finally {
      if (server.pid) process.kill(server.pid, 'SIGCONT');
      await module.close();
      await server.dispose();
    }
  });

  it('memory.maxEntries bounds the embedded store, monitoring.registry receives the metrics', async () => {
    const own = new Registry();
    const { module, cache } = await bootCache({ namespace: 'mem', memory: { maxEntries: 2 }, monitoring: { registry: own } });
    try {
      await cache.set('a', 1);
      await cache.set('b', 2);
      await cache.set('c', 3);
      expect(await cache.mget(['a', 'b', 'c'])).toEqual([undefined, 2, 3]);
      expect(own.getSingleMetric('cache_hits_total')).toBeDefined();
    } finally {
      await module.close();
    }
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
