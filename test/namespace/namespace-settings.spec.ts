import 'reflect-metadata';
import { CacheError } from '@datapunk/nestjs-cache';
import { resolveCacheOptions } from '../../lib/options/resolve-cache-options.js';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';

/** withNamespace's settings, found in review of the namespace registry (issue 20). */
describe('withNamespace settings over a configured namespace', () => {
  const db = useRedisServer();

  it('a policy-only call keeps the serializer configured for the namespace (a Date round-trips through msgpack)', async () => {
    const { module, cache } = await bootCache({
      namespace: 'app',
      redis: { url: db.server.url },
      namespaces: { m: { entries: { serializer: 'msgpack' } } },
    });
    try {
      const m = cache.withNamespace('m', { policy: { staleIfError: '1m' } });
      await m.set('d', new Date(0));
      expect(await m.get('d')).toBeInstanceOf(Date);
      // Entry settings given on the call go over the configured ones, field by field: msgpack stays, compression changes.
      const gz = cache.withNamespace('m', { version: 2, entries: { compression: { algorithm: 'gzip', threshold: 0 } } });
      await gz.set('d', new Date(0));
      expect(await gz.get('d')).toBeInstanceOf(Date);
    } finally {
      await module.close();
    }
  });

  it('empty concept objects ask for nothing: a second call with { policy: {} } or { entries: {} } is the same namespace', async () => {
    const { module, cache } = await bootCache({ namespace: 'app', redis: { url: db.server.url } });
    try {
      const b = cache.withNamespace('b');
      expect(cache.withNamespace('b', { policy: {} })).toBe(b);
      expect(cache.withNamespace('b', { entries: {} })).toBe(b);
      expect(() => cache.withNamespace('b', { entries: { serializer: 'msgpack' } })).toThrow(CacheError);
    } finally {
      await module.close();
    }
  });

  it('l1: null is refused at boot, not taken as "off"', () => {
    expect(() => resolveCacheOptions({ namespace: 'a', redis: { url: 'redis://127.0.0.1:1' }, l1: null } as never)).toThrow(/option "l1" must be/);
  });
});
