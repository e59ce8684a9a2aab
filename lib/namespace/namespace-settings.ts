import { CacheError } from '../kernel/cache-error.js';
import { resolveVersion } from '../kernel/cache-version.js';
import type { NamespaceOptions, ResolvedCacheOptions } from '../options/cache-options.js';
import { flatKeysUsed, moveFlatKeys, NAMESPACE_ALIASES, optionNamer, warnFlatKeys, type MovedOptions } from '../options/option-aliases.js';
import { conceptObject } from '../options/option-checks.js';
import { encodingOver, entriesNamer } from '../options/resolve-entries.js';
import { resolveEntryPolicy } from '../options/resolve-entry-policy.js';
import { messages } from '../kernel/messages.js';

/** The version `withNamespace(namespace, settings)` asks for: the given one, else the namespace's configured one. */
export function requestedVersion(
  options: ResolvedCacheOptions,
  namespace: string,
  settings: NamespaceOptions | undefined,
): string | undefined {
  if (settings?.version === undefined) return options.namespaceVersions.get(namespace);
  return resolveVersion(settings.version, `withNamespace("${namespace}") option "version"`);
}

/** The settings with their flat keys of 0.2 moved to `entries` / `policy` (giving both is a CacheError). */
function moved(settings: NamespaceOptions | undefined, namespace: string): MovedOptions<NamespaceOptions> {
  return moveFlatKeys(settings ?? {}, NAMESPACE_ALIASES, '', `withNamespace("${namespace}") `);
}

/** The settings that change how the namespace writes and reads (the version picks which namespace it is instead). */
function ownSettings(settings: NamespaceOptions | undefined, namespace: string): Omit<NamespaceOptions, 'version'> | undefined {
  if (settings === undefined || onlyVersion(settings)) return undefined; // a decorator's { version }: nothing to move
  const { version: _version, ...own } = moved(settings, namespace).options;
  const asks = Object.entries(own).some(([name, value]) => (name === 'entries' || name === 'policy' ? hasContent(value) : value !== undefined));
  return asks ? own : undefined;
}

function onlyVersion(settings: NamespaceOptions): boolean {
  for (const [name, value] of Object.entries(settings)) if (name !== 'version' && value !== undefined) return false;
  return true;
}

/** A concept object that asks for something: not absent, and not empty (`policy: {}`). */
function hasContent(value: unknown): boolean {
  if (value === undefined) return false;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return true;
  return Object.values(value).some((nested) => nested !== undefined);
}

/** Refuses a second `withNamespace` call that asks for other settings than the first (old or new keys alike). */
export function assertSameSettings(first: NamespaceOptions | undefined, again: NamespaceOptions | undefined, namespace: string): void {
  const asked = ownSettings(again, namespace);
  if (asked === undefined) return;
  const had = ownSettings(first, namespace);
  // The serializer may be an object: compared by identity; the rest are plain data.
  const serializerOf = (own: Omit<NamespaceOptions, 'version'>) => own.entries?.serializer;
  const comparable = (own: Omit<NamespaceOptions, 'version'>) => sortedJson({ ...own, entries: { ...own.entries, serializer: 0 } });
  if (had !== undefined && serializerOf(had) === serializerOf(asked) && comparable(had) === comparable(asked)) return;
  throw new CacheError('configure', undefined, messages.namespaceInUse(namespace));
}

/** The options of a namespace made by `withNamespace`: the module's, with its name, version and any settings of its own. */
export function namespaceOptions(
  module: ResolvedCacheOptions,
  namespace: string,
  version: string | undefined,
  settings: NamespaceOptions | undefined,
): ResolvedCacheOptions {
  const options: ResolvedCacheOptions = { ...module, namespace, version };
  if (ownSettings(settings, namespace) === undefined) return options;
  const context = `withNamespace("${namespace}") `;
  const { options: own, aliased } = moved(settings, namespace);
  warnFlatKeys(flatKeysUsed(aliased), context);
  const name = optionNamer(aliased);
  if (hasContent(own.entries)) {
    // Over what `namespaces.<ns>.entries` configured for it (else the module's): a policy-only call keeps its encoding.
    const entries = conceptObject('entries', own.entries, '{ serializer?, msgpackTypes?, compression? }', context);
    const base = module.namespaceEncodingDefaults.get(namespace) ?? module.encodingDefaults;
    const encoding = encodingOver(entries, base, entriesNamer(aliased, context, (setting) => `${context}"${setting}"`));
    options.namespaceEncodings = new Map([...module.namespaceEncodings, [namespace, encoding]]);
  }
  const base = module.namespacePolicies.get(namespace) ?? module.entryPolicy;
  const policy = conceptObject('policy', own.policy, '{ refreshAhead?, staleWhileRevalidate?, staleIfError?, loaderTimeout?, ttlJitter? }', context);
  const resolved = resolveEntryPolicy(policy, base, (setting) => `${context}option "${name(`policy.${setting}`)}"`);
  options.namespacePolicies = new Map([...module.namespacePolicies, [namespace, resolved]]);
  return options;
}

/** JSON with object keys sorted, so `{ a, b }` and `{ b, a }` compare equal. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) =>
    nested !== null && typeof nested === 'object' && !Array.isArray(nested)
      ? Object.fromEntries(Object.entries(nested).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : nested,
  );
}
