import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisServer } from './redis-server.js';

export interface RedisFixture {
  /** A redis-server of its own, on a free loopback port. */
  readonly server: RedisServer;
  /** A plain client on it, to see what the cache stored. */
  readonly redis: Redis;
}

/**
 * Starts a redis-server and a raw client before the enclosing describe block and stops both
 * after it. Read the fields inside tests and hooks: they are set once beforeAll has run.
 */
export function useRedisServer(extraArgs: string[] = []): RedisFixture {
  const fixture = {} as { server: RedisServer; redis: Redis };
  beforeAll(async () => {
    fixture.server = await RedisServer.start(extraArgs);
    fixture.redis = new Redis(fixture.server.port, '127.0.0.1');
  });
  afterAll(async () => {
    fixture.redis?.disconnect();
    await fixture.server?.dispose();
  });
  return fixture;
}
