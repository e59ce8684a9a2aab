import { assertValidNamespace } from '../kernel/cache-keys.js';
import type { CacheModuleOptions, ResolvedCacheOptions } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { configuredNamespaces } from './configured-namespaces.js';
import { flatKeysUsed, MODULE_ALIASES, moveFlatKeys, optionNamer, warnFlatKeys } from './option-aliases.js';
import { configError, nonNegativeInteger } from './option-checks.js';
import { resolveConnection } from './resolve-connection.js';
import { resolveEntries } from './resolve-entries.js';
import { resolvePolicy } from './resolve-policy.js';
import { resolveResilience } from './resolve-resilience.js';
import { resolveModuleL1 } from './resolve-l1.js';
import { resolveTags } from './resolve-tags.js';
import { resolveWarming } from './resolve-warming.js';
import { resolveMonitoring } from './resolve-monitoring.js';
import { resolveHealth } from './resolve-health-options.js';
import { resolveHttpOptions } from './resolve-http-options.js';
import { resolveNamespaceVersions } from './resolve-namespace-versions.js';

/**
 * Validates the module options once, failing the boot with a message that names the option as the user wrote it.
 * The flat keys of 0.2 are moved to their concepts first (one warning naming the new keys); each concept has its own
 * resolver, and the resolved options are their union.
 */
export function resolveCacheOptions(given: CacheModuleOptions | undefined): ResolvedCacheOptions {
  if (given === null || typeof given !== 'object') {
    throw configError(`CacheModule options must be an object, got ${given === null ? 'null' : typeof given}`);
  }
  assertValidNamespace(given.namespace);
  const { options, aliased } = moveFlatKeys(given, MODULE_ALIASES);
  const namespaces = configuredNamespaces(options.namespaces);
  warnFlatKeys([...flatKeysUsed(aliased), ...namespaces.flatMap(({ aliased: own, path }) => flatKeysUsed(own, path))]);
  const name = optionNamer(aliased);
  const namespaceVersions = resolveNamespaceVersions(options);
  return {
    namespace: options.namespace,
    version: namespaceVersions.get(options.namespace),
    namespaceVersions,
    configuredNamespaces: new Set([options.namespace, ...namespaces.map(({ namespace }) => namespace)]),
    maxRuntimeNamespaces: nonNegativeInteger('maxRuntimeNamespaces', options.maxRuntimeNamespaces ?? CACHE_DEFAULTS.maxRuntimeNamespaces),
    ...resolveConnection(options, name),
    ...resolveEntries(options.entries, aliased, namespaces),
    ...resolvePolicy(options.policy, name, namespaces),
    ...resolveResilience(options.resilience, name),
    ...resolveModuleL1(options.l1, namespaces),
    tokenMemo: resolveTags(options.tags),
    warming: resolveWarming(options.warming),
    ...resolveMonitoring(options.monitoring, name),
    ...resolveHealth(options.health, name),
    http: resolveHttpOptions(options.http),
  };
}
