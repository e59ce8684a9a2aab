import { CacheError } from '../kernel/cache-error.js';
import { resolveVersion } from '../kernel/cache-version.js';
import type { NamespaceOptions, ResolvedCacheOptions } from '../options/cache-options.js';
import { resolveEncoding } from '../options/resolve-encoding.js';
import { resolveStalePolicy } from '../options/resolve-stale-policy.js';

/** The version `withNamespace(namespace, settings)` asks for: the given one, else the namespace's configured one. */
export function requestedVersion(
  options: ResolvedCacheOptions,
  namespace: string,
  settings: NamespaceOptions | undefined,
): string | undefined {
  if (settings?.version === undefined) return options.namespaceVersions.get(namespace);
  return resolveVersion(settings.version, `withNamespace("${namespace}") option "version"`);
}

/** The settings that change how the namespace writes and reads (the version picks which namespace it is instead). */
function ownSettings(settings: NamespaceOptions | undefined): Omit<NamespaceOptions, 'version'> | undefined {
  if (settings === undefined) return undefined;
  const { version: _version, ...own } = settings;
  return Object.values(own).some((value) => value !== undefined) ? own : undefined;
}

/** Refuses a second `withNamespace` call that asks for other settings than the first. */
export function assertSameSettings(first: NamespaceOptions | undefined, again: NamespaceOptions | undefined, namespace: string): void {
  const asked = ownSettings(again);
  if (asked === undefined) return;
  const had = ownSettings(first);
  // The serializer may be an object: compared by identity; the rest are plain data.
  if (
    had !== undefined &&
    had.serializer === asked.serializer &&
    JSON.stringify({ ...had, serializer: 0 }) === JSON.stringify({ ...asked, serializer: 0 })
  )
    return;
  throw new CacheError('configure', undefined, `namespace "${namespace}" is already in use with other serializer/compression settings`);
}

/** The options of a namespace made by `withNamespace`: the module's, with its name, version and any settings of its own. */
export function namespaceOptions(
  module: ResolvedCacheOptions,
  namespace: string,
  version: string | undefined,
  settings: NamespaceOptions | undefined,
): ResolvedCacheOptions {
  const options: ResolvedCacheOptions = { ...module, namespace, version };
  const own = ownSettings(settings);
  if (own === undefined) return options;
  const { encodingDefaults: defaults } = module;
  const encoding = resolveEncoding(
    own.serializer ?? defaults.serializer,
    own.compression ?? defaults.compression,
    defaults.maxValueBytes,
    `withNamespace("${namespace}") `,
    own.msgpackTypes ?? defaults.msgpackTypes,
  );
  options.namespaceEncodings = new Map([...module.namespaceEncodings, [namespace, encoding]]);
  const base = module.namespacePolicies.get(namespace) ?? module.stalePolicy;
  const policy = resolveStalePolicy(own, base, (option) => `withNamespace("${namespace}") option "${option}"`);
  options.namespacePolicies = new Map([...module.namespacePolicies, [namespace, policy]]);
  return options;
}
