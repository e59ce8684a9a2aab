import { CacheError } from '../kernel/cache-error.js';
import type { ResolvedCacheOptions } from '../options/cache-options.js';
import { messages } from '../kernel/messages.js';

/** What the budget needs to know of a namespace the module already made. */
interface MadeNamespace {
  readonly namespace: string;
  readonly version: string | undefined;
}

/**
 * Refuses to make one more namespace at runtime past `maxRuntimeNamespaces`. The configured ones (the module's own and
 * those in `namespaces`, each at its configured version) never count, so runtime ones cannot crowd them out. A cap
 * rather than evicting the least used: callers keep the manager withNamespace returned, and a second manager for the
 * same prefix would split its single flight and its in-process tier.
 */
export function assertRoomForNamespace(
  options: ResolvedCacheOptions,
  made: Iterable<MadeNamespace>,
  namespace: string,
  version: string | undefined,
): void {
  if (isConfigured(options, namespace, version)) return;
  let runtime = 0;
  for (const manager of made) if (!isConfigured(options, manager.namespace, manager.version)) runtime++;
  if (runtime < options.maxRuntimeNamespaces) return;
  throw new CacheError(
    'configure',
    undefined,
    messages.namespaceBudget(namespace, options.maxRuntimeNamespaces),
  );
}

function isConfigured(options: ResolvedCacheOptions, namespace: string, version: string | undefined): boolean {
  return options.configuredNamespaces.has(namespace) && version === options.namespaceVersions.get(namespace);
}
