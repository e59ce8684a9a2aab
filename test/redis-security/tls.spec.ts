import { Redis } from 'ioredis';
import { CacheError, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache, warningCollector } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { waitUntil } from '../support/wait-until.js';

/** A redis-server that speaks TLS only (its plain port is off), with a certificate from a CA made for this file. */
describe('TLS to Redis (rediss:// and options.tls)', () => {
  let certificates: TestCertificates;
  let server: RedisServer;
  let raw: Redis;

  beforeAll(async () => {
    certificates = await makeTestCertificates();
    server = await RedisServer.start([], { tls: certificates.server });
    raw = new Redis(`rediss://127.0.0.1:${server.port}`, { tls: { ca: certificates.ca } });
  });

  afterAll(async () => {
    raw?.disconnect();
    await server?.dispose();
    certificates?.dispose();
  });

  async function expectServes(options: CacheModuleOptions): Promise<void> {
    const { module, cache } = await bootCache({ ...options, failOnStartup: true });
    try {
      await cache.set('order:1', { total: 42 });
      expect(await cache.get('order:1')).toEqual({ total: 42 });
      let loads = 0;
      const load = (): string => `loaded ${++loads}`;
      expect(await cache.getOrSet('report', load)).toBe('loaded 1');
      expect(await cache.getOrSet('report', load)).toBe('loaded 1'); // the second call is a hit, over TLS
      expect(await raw.exists(`${options.namespace}:order:1`, `${options.namespace}:report`)).toBe(2);
    } finally {
      await module.close();
    }
  }

  it('a rediss:// URL with the CA in options.tls: get, set and getOrSet work', async () => {
    await expectServes({
      namespace: 'tls-url',
      redis: { url: `rediss://127.0.0.1:${server.port}`, options: { tls: { ca: certificates.ca } } },
    });
  });

  it('host/port with options.tls: get, set and getOrSet work', async () => {
    await expectServes({
      namespace: 'tls-host',
      redis: { host: '127.0.0.1', port: server.port, options: { tls: { ca: certificates.ca } } },
    });
  });

  it('a plain redis:// client is not served by a TLS-only server (the test server really requires TLS)', async () => {
    const failure = await bootCache({
      namespace: 'tls-plain',
      redis: { url: `redis://127.0.0.1:${server.port}` },
      failOnStartup: true,
      operationTimeout: 100,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CacheError);
  });

  describe('a client that trusts another CA', () => {
    const wrongCa = (namespace: string, extra: Partial<CacheModuleOptions> = {}, onRetry?: () => void): CacheModuleOptions => ({
      namespace,
      redis: {
        url: `rediss://127.0.0.1:${server.port}`,
        options: {
          tls: { ca: certificates.otherCa },
          ...(onRetry && {
            retryStrategy: () => {
              onRetry();
              return 20;
            },
          }),
        },
      },
      ...extra,
    });

    it('with failOnStartup, the boot fails with a CacheError that says the certificate was refused and where to look', async () => {
      const failure = await bootCache(wrongCa('tls-wrong-ca-strict', { failOnStartup: true })).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CacheError);
      expect((failure as CacheError).operation).toBe('connect');
      expect((failure as CacheError).message).toMatch(
        /^connect: could not connect to Redis: TLS: the server's certificate was refused \(SELF_SIGNED_CERT_IN_CHAIN: .*\); check the CA in redis\.options\.tls\.ca/,
      );
    });

    it('without failOnStartup, the app boots, says why in exactly one log line while ioredis keeps retrying, and fails open', async () => {
      const logger = warningCollector();
      let retries = 0;
      const { module, cache } = await bootCache(
        wrongCa('tls-wrong-ca', {}, () => retries++),
        logger,
      );
      try {
        const atBoot = retries;
        await waitUntil('five more refused TLS handshakes', 10_000, async () => retries >= atBoot + 5);
        expect(logger.warnings).toHaveLength(1);
        expect(logger.warnings[0]).toMatch(
          /^Redis is not reachable at startup \(connect: could not connect to Redis: TLS: the server's certificate was refused \(SELF_SIGNED_CERT_IN_CHAIN/,
        );
        expect(await cache.getOrSet('k', () => 'from loader')).toBe('from loader');
        await expect(cache.get('k')).rejects.toBeInstanceOf(CacheError);
      } finally {
        await module.close();
      }
    });
  });
});
