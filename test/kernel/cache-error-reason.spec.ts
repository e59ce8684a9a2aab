import { CacheError, type CacheErrorReason } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';

/** The CacheError a promise rejects with (fails the test when it resolves or rejects with anything else). */
async function refusal(call: Promise<unknown>): Promise<CacheError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CacheError);
  return error as CacheError;
}

describe('CacheError.reason', () => {
  const db = useRedisServer();

  it('names refused arguments, refused values and refused options', async () => {
    const { module, cache } = await bootCache({ namespace: 'reasons', redis: { url: db.server.url }, maxValueBytes: 64 });
    try {
      const cases: Array<[Promise<unknown>, CacheErrorReason]> = [
        [cache.set('k', 1, { ttl: -5 }), 'invalid_input'],
        [cache.get('x'.repeat(2000)), 'invalid_input'],
        [cache.set('k', undefined), 'invalid_input'],
        [cache.invalidateTags(['']), 'invalid_input'],
        [cache.set('big', 'v'.repeat(500)), 'too_large'],
        [cache.set('bigint', { n: 1n }), 'serialization'],
      ];
      for (const [call, reason] of cases) expect((await refusal(call)).reason).toBe(reason);
      expect(() => cache.withNamespace('bad namespace!')).toThrow(expect.objectContaining({ reason: 'invalid_config' }));
    } finally {
      await module.close();
    }
    const boot = bootCache({ namespace: 'reasons-config', redis: { url: db.server.url }, defaultTtl: 'soon' });
    expect((await refusal(boot)).reason).toBe('invalid_config');
  });

  it('names what Redis did: a timeout, then the open circuit', async () => {
    const { module, cache } = await bootCache({
      namespace: 'reasons-redis',
      redis: { url: db.server.url },
      operationTimeout: 100,
      circuitBreaker: { failureThreshold: 1, cooldown: '1m' },
    });
    process.kill(db.server.pid!, 'SIGSTOP'); // hung: the first call times out and opens the breaker
    try {
      const first = await refusal(cache.get('k'));
      expect(first.reason).toBe('timeout');
      expect(first.operation).toBe('get');
      expect((await refusal(cache.get('k'))).reason).toBe('circuit_open');
    } finally {
      process.kill(db.server.pid!, 'SIGCONT');
      await module.close();
    }
  });

  it('names an OOM reply from a working Redis', async () => {
    const { module, cache } = await bootCache({ namespace: 'reasons-oom', redis: { url: db.server.url } });
    await db.redis.config('SET', 'maxmemory', '1');
    try {
      expect((await refusal(cache.set('k', 'v'))).reason).toBe('oom');
    } finally {
      await db.redis.config('SET', 'maxmemory', '0');
      await module.close();
    }
  });
});
