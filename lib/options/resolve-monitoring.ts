import type { Registry } from 'prom-client';
import { parseTtl } from '../kernel/ttl.js';
import type { CacheMonitoringOptions, MonitoringSettings } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { conceptObject, configError } from './option-checks.js';

/** `monitoring`, validated; `name` names a setting as the user wrote it. */
export function resolveMonitoring(given: CacheMonitoringOptions | undefined, name: (setting: string) => string): MonitoringSettings {
  const monitoring = conceptObject('monitoring', given, '{ registry?, footprint?, redisInfo? }');
  const { footprint, redisInfo } = CACHE_DEFAULTS.monitoring;
  return {
    metricsRegistry: resolveRegistry(monitoring.registry, name('monitoring.registry')),
    // Off by default; `{}` samples at the default interval.
    footprint: resolvePeriodic(name('monitoring.footprint'), monitoring.footprint ?? footprint, CACHE_DEFAULTS.whenOn.footprint.interval),
    redisInfo: resolvePeriodic(name('monitoring.redisInfo'), monitoring.redisInfo ?? redisInfo, CACHE_DEFAULTS.whenOn.redisInfo.interval),
  };
}

/** The app's prom-client Registry, checked for what registering and reusing a metric needs. */
function resolveRegistry(registry: unknown, name: string): Registry | undefined {
  if (registry === undefined) return undefined;
  const candidate = registry as Partial<Registry> | null;
  if (candidate === null || typeof candidate.getSingleMetric !== 'function' || typeof candidate.registerMetric !== 'function') {
    throw configError(`option "${name}" must be a prom-client Registry (new Registry() from prom-client)`);
  }
  return registry as Registry;
}

function resolvePeriodic(name: string, value: unknown, defaultInterval: string): { intervalMs: number } | undefined {
  if (value === false) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw configError(`option "${name}" must be false or { interval? }, got ${JSON.stringify(value)}`);
  const { interval } = value as { interval?: unknown };
  const intervalMs = parseTtl((interval ?? defaultInterval) as string, 'configure', undefined, `option "${name}.interval"`);
  if (intervalMs < 1000) throw configError(`option "${name}.interval" must be at least 1 s, got ${intervalMs} ms`);
  return { intervalMs };
}
