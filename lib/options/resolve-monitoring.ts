import { CacheError } from '../kernel/cache-error.js';
import { parseTtl } from '../kernel/ttl.js';
import type { CacheModuleOptions, ResolvedCacheOptions } from './cache-options.js';

const DEFAULT_FOOTPRINT_INTERVAL = '1m';
const DEFAULT_REDIS_INFO_INTERVAL = '30s';

/** `footprint`: off by default; `{}` samples every minute. */
export function resolveFootprint(footprint: CacheModuleOptions['footprint']): ResolvedCacheOptions['footprint'] {
  return resolvePeriodic('footprint', footprint ?? false, DEFAULT_FOOTPRINT_INTERVAL);
}

/** `redisInfo`: off by default. */
export function resolveRedisInfo(redisInfo: CacheModuleOptions['redisInfo']): ResolvedCacheOptions['redisInfo'] {
  return resolvePeriodic('redisInfo', redisInfo ?? false, DEFAULT_REDIS_INFO_INTERVAL);
}

function resolvePeriodic(option: string, value: unknown, defaultInterval: string): { intervalMs: number } | undefined {
  if (value === false) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CacheError('configure', undefined, `option "${option}" must be false or { interval? }, got ${JSON.stringify(value)}`);
  const { interval } = value as { interval?: unknown };
  const intervalMs = parseTtl((interval ?? defaultInterval) as string, 'configure', undefined, `option "${option}.interval"`);
  if (intervalMs < 1000)
    throw new CacheError('configure', undefined, `option "${option}.interval" must be at least 1 s, got ${intervalMs} ms`);
  return { intervalMs };
}
