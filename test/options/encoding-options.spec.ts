import { CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';

const boot = (options: Partial<CacheModuleOptions>) => bootCache({ namespace: 'opts', ...options } as CacheModuleOptions);

describe('serializer and compression options', () => {
  const db = useRedisServer();

  it.each([
    [
      { serializer: 'yaml' },
      /option "serializer" must be 'json', 'msgpack' or an object with serialize\(value\) and deserialize\(bytes\), got "yaml"/,
    ],
    [{ serializer: { serialize: () => '' } }, /option "serializer" must be .* got an object without them/],
    [{ compression: true }, /option "compression" must be false or \{ threshold\?, algorithm\?, maxDecodedBytes\? \}, got true/],
    [{ compression: { threshold: -1 } }, /option "compression.threshold" must be a whole number of bytes \(0 or more\), got -1/],
    [
      { compression: { algorithm: 'zstd' } },
      /option "compression.algorithm" must be one of 'deflate', 'gzip', 'brotli', 'lz4', got "zstd"/,
    ],
    [{ compression: { maxDecodedBytes: 0 } }, /option "compression.maxDecodedBytes" must be a positive integer, got 0/],
    [{ namespaces: { 'bad name': {} } }, /option "namespaces" key must be a non-empty string/],
    [{ namespaces: { fine: { serializer: 'xml' } } }, /option "namespaces.fine." "serializer" must be/],
    [{ store: {}, redis: { url: 'redis://127.0.0.1:1' } }, /options "redis" and "store" contradict each other/],
  ])('refuses %j at boot, naming the option', async (options, message) => {
    await expect(boot(options as Partial<CacheModuleOptions>)).rejects.toThrow(message);
  });

  it('compresses per namespace as configured, and every namespace reads the others’ entries', async () => {
    const { module, cache } = await boot({
      redis: { url: db.server.url },
      compression: { threshold: 100, algorithm: 'brotli' },
      namespaces: { plain: { compression: false } },
    });
    const text = 'repeated words '.repeat(100);
    try {
      await cache.set('doc', text);
      await cache.withNamespace('plain').set('doc', text);
      await cache.withNamespace('gz', { compression: { algorithm: 'gzip', threshold: 0 } }).set('doc', text);
      const flags = async (key: string) => (await db.redis.getBuffer(key))![1] >> 4;
      expect(await flags('opts:doc')).toBe(2); // brotli
      expect(await flags('plain:doc')).toBe(0); // none
      expect(await flags('gz:doc')).toBe(1); // gzip
      expect(await cache.withNamespace('plain').get('doc')).toBe(text);
      // Copy the compressed entries under the uncompressed namespace: it still reads them.
      await db.redis.copy('opts:doc', 'plain:brotli');
      await db.redis.copy('gz:doc', 'plain:gzip');
      expect(await cache.withNamespace('plain').mget(['brotli', 'gzip'])).toEqual([text, text]);
    } finally {
      await module.close();
    }
  });

  it('CacheModule.forRoot accepts every option shape it documents', () => {
    expect(() =>
      CacheModule.forRoot({ namespace: 'ok', serializer: 'msgpack', compression: false, namespaces: { x: { serializer: 'json' } } }),
    ).not.toThrow();
  });
});
