import { assertValidNamespace } from '../kernel/cache-keys.js';
import type { NamespaceOptions } from './cache-options.js';
import { moveFlatKeys, NAMESPACE_ALIASES, optionNamer } from './option-aliases.js';
import { configError } from './option-checks.js';

/** One entry of `namespaces`, its flat keys moved to `entries` / `policy`. */
export interface ConfiguredNamespace {
  namespace: string;
  /** `namespaces.orders.` */
  path: string;
  settings: NamespaceOptions;
  /** New path (`policy.staleIfError`) → the flat key it was given as. */
  aliased: ReadonlyMap<string, string>;
  /** Names a setting as the user wrote it: `namespaces.orders.staleIfError` or `namespaces.orders.policy.staleIfError`. */
  name: (setting: string) => string;
}

/** `namespaces`, validated as an object of namespace names. */
export function configuredNamespaces(namespaces: unknown): ConfiguredNamespace[] {
  if (namespaces === undefined) return [];
  if (namespaces === null || typeof namespaces !== 'object') throw configError('option "namespaces" must be an object of namespace names');
  return Object.entries(namespaces as Record<string, NamespaceOptions | undefined>).map(([namespace, given]) => {
    assertValidNamespace(namespace, `option "namespaces" key`);
    const path = `namespaces.${namespace}.`;
    const { options, aliased } = moveFlatKeys(given ?? {}, NAMESPACE_ALIASES, path);
    return { namespace, path, settings: options, aliased, name: optionNamer(aliased, path) };
  });
}
