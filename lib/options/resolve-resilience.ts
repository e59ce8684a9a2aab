import { parseTtl } from '../kernel/ttl.js';
import { DEFAULT_PENDING } from '../invalidation/pending-invalidations.js';
import type { CacheResilienceOptions, ResilienceSettings } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { conceptObject, configError, optionalBoolean, positiveInteger } from './option-checks.js';

const SHAPE = '{ operationTimeout?, circuitBreaker?, invalidationQueue?, failOnStartup? }';

/** `resilience`, validated; `name` names a setting as the user wrote it. */
export function resolveResilience(given: CacheResilienceOptions | undefined, name: (setting: string) => string): ResilienceSettings {
  const resilience = conceptObject('resilience', given, SHAPE);
  const defaults = CACHE_DEFAULTS.resilience;
  return {
    operationTimeoutMs: parseTtl(
      resilience.operationTimeout ?? defaults.operationTimeout,
      'configure',
      undefined,
      `option "${name('resilience.operationTimeout')}"`,
    ),
    circuitBreaker: resolveCircuitBreaker(resilience.circuitBreaker, name('resilience.circuitBreaker')),
    invalidationQueue: resolveInvalidationQueue(resilience.invalidationQueue, name('resilience.invalidationQueue')),
    failOnStartup: optionalBoolean(name('resilience.failOnStartup'), resilience.failOnStartup) ?? defaults.failOnStartup,
  };
}

function resolveCircuitBreaker(breaker: CacheResilienceOptions['circuitBreaker'], name: string): ResilienceSettings['circuitBreaker'] {
  if (breaker === false) return undefined;
  if (breaker !== undefined && (typeof breaker !== 'object' || breaker === null))
    throw configError(`option "${name}" must be false or { failureThreshold?, cooldown? }, got ${JSON.stringify(breaker)}`);
  const defaults = CACHE_DEFAULTS.resilience.circuitBreaker;
  return {
    failureThreshold: positiveInteger(`${name}.failureThreshold`, breaker?.failureThreshold ?? defaults.failureThreshold),
    cooldownMs: parseTtl(breaker?.cooldown ?? defaults.cooldown, 'configure', undefined, `option "${name}.cooldown"`),
  };
}

function resolveInvalidationQueue(queue: CacheResilienceOptions['invalidationQueue'], name: string): ResilienceSettings['invalidationQueue'] {
  if (queue !== undefined && (queue === null || typeof queue !== 'object'))
    throw configError(`option "${name}" must be { maxEntries?, maxKeys?, maxBytes?, maxAge? }, got ${JSON.stringify(queue)}`);
  const defaults = CACHE_DEFAULTS.resilience.invalidationQueue;
  return {
    ...DEFAULT_PENDING, // retryMs: the queue's own pace, not a setting
    maxEntries: positiveInteger(`${name}.maxEntries`, queue?.maxEntries ?? defaults.maxEntries),
    maxKeys: positiveInteger(`${name}.maxKeys`, queue?.maxKeys ?? defaults.maxKeys),
    maxBytes: positiveInteger(`${name}.maxBytes`, queue?.maxBytes ?? defaults.maxBytes),
    maxAgeMs: parseTtl(queue?.maxAge ?? defaults.maxAge, 'configure', undefined, `option "${name}.maxAge"`),
  };
}
