import { parseTtl } from '../kernel/ttl.js';
import type { CacheHealthOptions, HealthSettings } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { conceptObject, configError, optionalBoolean } from './option-checks.js';

/** `health` (with `required`, as the user wrote it: `required` or `health.required`), validated at boot. */
export function resolveHealth(given: CacheHealthOptions | undefined, name: (setting: string) => string): HealthSettings {
  const health = conceptObject('health', given, '{ required?, timeout?, memoryThreshold? }');
  const defaults = CACHE_DEFAULTS.health;
  const memoryThreshold = health.memoryThreshold ?? defaults.memoryThreshold;
  if (typeof memoryThreshold !== 'number' || !(memoryThreshold > 0 && memoryThreshold <= 1))
    throw configError(`option "health.memoryThreshold" must be a number in (0, 1], got ${JSON.stringify(memoryThreshold)}`);
  return {
    required: optionalBoolean(name('health.required'), health.required) ?? defaults.required,
    health: {
      timeoutMs: parseTtl(health.timeout ?? defaults.timeout, 'configure', undefined, 'option "health.timeout"'),
      memoryThreshold,
    },
  };
}
