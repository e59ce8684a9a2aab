import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { ResolvedRedisOptions } from './redis-options.js';
import { CacheError } from '../../kernel/cache-error.js';
import { printedAs } from '../../kernel/printed-as.js';

export type RedisClient = Redis | Cluster;

export interface RedisConnection {
  client: RedisClient;
  /** False for a client the user passed in: the module never closes what it did not create. */
  owned: boolean;
  /** How long the module's start waits for the first connect (see startupTimeoutMs). */
  openDeadlineMs: number;
}

/**
 * Builds the ioredis client the options describe, without connecting yet (lazyConnect).
 * Our defaults keep every call within `operationTimeoutMs` and recover fast; the user's
 * ioredis options override them.
 */
export function createRedisConnection(redis: ResolvedRedisOptions, operationTimeoutMs: number): RedisConnection {
  const connection: RedisConnection = { ...createClient(redis, operationTimeoutMs), openDeadlineMs: startupTimeoutMs(operationTimeoutMs) };
  return printedAs(connection, 'RedisConnection', () => ({ owned: connection.owned, status: connection.client.status }));
}

function createClient(redis: ResolvedRedisOptions, operationTimeoutMs: number): Omit<RedisConnection, 'openDeadlineMs'> {
  const defaults = clientDefaults(operationTimeoutMs);
  switch (redis.mode) {
    case 'client':
      return { client: redis.client, owned: false };
    case 'cluster':
      return {
        client: new Redis.Cluster(redis.nodes, {
          lazyConnect: true,
          clusterRetryStrategy: defaults.retryStrategy,
          ...redis.clusterOptions,
          redisOptions: { ...defaults, ...redis.clusterOptions.redisOptions },
        }),
        owned: true,
      };
    case 'url':
      return { client: clientForUrl(redis.url, { ...defaults, ...redis.options }), owned: true };
    case 'standalone':
    case 'sentinel':
      return { client: new Redis({ ...defaults, ...redis.options }), owned: true };
  }
}

/**
 * ioredis's error for a URL it cannot read carries the whole URL, password included: replaced by one that names the
 * option and keeps nothing of it (no cause). The resolver has checked the URL already; this is for what it does not know.
 */
function clientForUrl(url: string, options: RedisOptions): Redis {
  try {
    return new Redis(url, options);
  } catch {
    throw new CacheError('configure', undefined, 'option "redis.url" was refused by ioredis (the URL is not shown: it may hold a password)');
  }
}

/** How long the module's start waits for Redis: twice the connect timeout, at least 3 s (a cluster maps its slots). */
export function startupTimeoutMs(operationTimeoutMs: number): number {
  return Math.max(3000, 2 * connectTimeoutMs(operationTimeoutMs));
}

function connectTimeoutMs(operationTimeoutMs: number): number {
  return Math.max(1000, operationTimeoutMs * 4);
}

/** At most one reconnect per this long for READONLY replies, so a stale address (still a replica) does not churn. */
const READONLY_RECONNECT_INTERVAL_MS = 5000;

function clientDefaults(operationTimeoutMs: number): RedisOptions {
  let lastReadonlyReconnect = Number.NEGATIVE_INFINITY;
  return {
    lazyConnect: true,
    // No command waits longer than the budget, whether Redis is slow, hung or unreachable.
    commandTimeout: operationTimeoutMs,
    connectTimeout: connectTimeoutMs(operationTimeoutMs),
    // ioredis ends a connection it drops and destroys it only after this; for a socket that already failed (Redis
    // unreachable, a refused TLS certificate) no 'close' comes, so its 2 s default kept the process alive after app.close().
    disconnectTimeout: operationTimeoutMs,
    // One resend after a reconnect, then the command fails instead of waiting through many.
    maxRetriesPerRequest: 1,
    // Reconnect quickly (capped at 500 ms) so the cache serves again soon after Redis is back.
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 500),
    // After a failover the old master answers READONLY: reconnect, so the next command reaches the new master
    // (Sentinel is asked again; a DNS name may point elsewhere by now). The failed write is reported, not resent:
    // resending to a server that is still a replica would loop until the timeout and hide the real cause.
    reconnectOnError: (error: Error) => {
      if (!error.message.startsWith('READONLY') || performance.now() - lastReadonlyReconnect < READONLY_RECONNECT_INTERVAL_MS) return false;
      lastReadonlyReconnect = performance.now();
      return 1;
    },
  };
}
