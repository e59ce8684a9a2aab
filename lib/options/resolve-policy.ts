import { NO_EXPIRY, parseEntryTtl, parseTtl } from '../kernel/ttl.js';
import { assertNoExpiryAllowed } from '../entry/entry-ttl.js';
import { NO_ENTRY_POLICY, type EntryPolicy } from '../entry/entry-policy.js';
import type { CachePolicyOptions, PolicySettings } from './cache-options.js';
import type { ConfiguredNamespace } from './configured-namespaces.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { conceptObject, configError, optionalBoolean } from './option-checks.js';
import { hasStaleOptions, resolveEntryPolicy } from './resolve-entry-policy.js';

const SHAPE = '{ ttl?, ttlJitter?, refreshAhead?, staleWhileRevalidate?, staleIfError?, loaderTimeout?, lock?, failedLoaderThrottle? }';
/** How often a caller waiting on another instance's lock looks for its value: an internal pace, not a setting. */
const LOCK_POLL_MS = 20;

/** `policy` (and each namespace's), validated; `name` names a setting as the user wrote it. */
export function resolvePolicy(
  given: CachePolicyOptions | undefined,
  name: (setting: string) => string,
  namespaces: readonly ConfiguredNamespace[],
): PolicySettings {
  const policy = conceptObject('policy', given, SHAPE);
  const defaults = CACHE_DEFAULTS.policy;
  const option = (setting: string): string => `option "${name(`policy.${setting}`)}"`;
  const base: EntryPolicy = {
    ...NO_ENTRY_POLICY,
    ...staleDefaults(),
    failedLoaderThrottleMs: parseTtl(policy.failedLoaderThrottle ?? defaults.failedLoaderThrottle, 'configure', undefined, option('failedLoaderThrottle')),
  };
  const entryPolicy = resolveEntryPolicy(policy, base, option);
  const defaultTtlMs = parseEntryTtl(policy.ttl ?? defaults.ttl, 'configure', undefined, option('ttl'));
  if (defaultTtlMs === NO_EXPIRY) assertNoExpiryAllowed(entryPolicy, 'configure', undefined, `${option('ttl')} 'never'`);
  return {
    defaultTtlMs,
    lock: resolveLock(policy.lock, name('policy.lock')),
    entryPolicy,
    namespacePolicies: resolveNamespacePolicies(namespaces, entryPolicy),
  };
}

/** The five stale fields' defaults, read from CACHE_DEFAULTS (so a changed default changes what applies). */
function staleDefaults(): Partial<EntryPolicy> {
  const { refreshAhead, staleWhileRevalidate, staleIfError, loaderTimeout, ttlJitter } = CACHE_DEFAULTS.policy;
  return resolveEntryPolicy({ refreshAhead, staleWhileRevalidate, staleIfError, loaderTimeout, ttlJitter }, NO_ENTRY_POLICY, (setting) => setting);
}

function resolveNamespacePolicies(namespaces: readonly ConfiguredNamespace[], base: EntryPolicy): ReadonlyMap<string, EntryPolicy> {
  const resolved = new Map<string, EntryPolicy>();
  for (const { namespace, settings, name } of namespaces) {
    const own = conceptObject(name('policy'), settings.policy, '{ refreshAhead?, staleWhileRevalidate?, staleIfError?, loaderTimeout?, ttlJitter? }');
    if (hasStaleOptions(own)) resolved.set(namespace, resolveEntryPolicy(own, base, (setting) => `option "${name(`policy.${setting}`)}"`));
  }
  return resolved;
}

/** `lock: true` (or `{ enabled: true, … }`) turns it on for every read-through; the object's settings also serve per-call locks. */
function resolveLock(lock: CachePolicyOptions['lock'], name: string): PolicySettings['lock'] {
  if (lock !== undefined && typeof lock !== 'boolean' && (typeof lock !== 'object' || lock === null))
    throw configError(`option "${name}" must be a boolean or { enabled?, ttl?, maxWait? }, got ${JSON.stringify(lock)}`);
  const defaults = CACHE_DEFAULTS.policy.lock;
  const settings = typeof lock === 'object' ? lock : { enabled: lock ?? defaults.enabled };
  return {
    enabled: optionalBoolean(`${name}.enabled`, settings.enabled) ?? defaults.enabled,
    ttlMs: parseTtl(settings.ttl ?? defaults.ttl, 'configure', undefined, `option "${name}.ttl"`),
    maxWaitMs: parseTtl(settings.maxWait ?? defaults.maxWait, 'configure', undefined, `option "${name}.maxWait"`),
    pollMs: LOCK_POLL_MS,
  };
}
