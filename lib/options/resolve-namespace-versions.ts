import { CacheError } from '../kernel/cache-error.js';
import { resolveOptionalVersion } from '../kernel/cache-version.js';
import type { CacheModuleOptions } from './cache-options.js';

/** Each namespace's default version: the module's `version` for its own namespace, `namespaces.<name>.version` for the others. */
export function resolveNamespaceVersions(options: CacheModuleOptions): ReadonlyMap<string, string> {
  const versions = new Map<string, string>();
  const own = resolveOptionalVersion(options.version, 'option "version"');
  if (own !== undefined) versions.set(options.namespace, own);
  if (options.namespaces === null || typeof options.namespaces !== 'object') return versions; // resolveNamespaces names that error
  for (const [namespace, settings] of Object.entries(options.namespaces)) {
    const version = resolveOptionalVersion(settings?.version, `option "namespaces.${namespace}.version"`);
    if (version === undefined) continue;
    if (own !== undefined && namespace === options.namespace && version !== own) {
      throw new CacheError(
        'configure',
        undefined,
        `options "version" and "namespaces.${namespace}.version" contradict each other: give one`,
      );
    }
    versions.set(namespace, version);
  }
  return versions;
}
