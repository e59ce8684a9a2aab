import { CacheError } from '../kernel/cache-error.js';
import { parseTtl } from '../kernel/ttl.js';
import type { CacheHealthOptions, ResolvedHealthOptions } from './cache-options.js';

const DEFAULT_HEALTH = { timeout: '1s', memoryThreshold: 0.9 } as const;

/** The `health` option, validated at boot (errors name the option). */
export function resolveHealthOptions(health: CacheHealthOptions | undefined): ResolvedHealthOptions {
  if (health !== undefined && (health === null || typeof health !== 'object'))
    throw new CacheError('configure', undefined, `option "health" must be { timeout?, memoryThreshold? }, got ${JSON.stringify(health)}`);
  const memoryThreshold = health?.memoryThreshold ?? DEFAULT_HEALTH.memoryThreshold;
  if (typeof memoryThreshold !== 'number' || !(memoryThreshold > 0 && memoryThreshold <= 1))
    throw new CacheError(
      'configure',
      undefined,
      `option "health.memoryThreshold" must be a number in (0, 1], got ${JSON.stringify(memoryThreshold)}`,
    );
  return {
    timeoutMs: parseTtl(health?.timeout ?? DEFAULT_HEALTH.timeout, 'configure', undefined, 'option "health.timeout"'),
    memoryThreshold,
  };
}
