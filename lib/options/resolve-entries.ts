import type { EntryCodecSettings } from '../entry/entry-codec.js';
import type { CacheEntriesOptions, EntriesSettings, NamespaceEntriesOptions } from './cache-options.js';
import type { ConfiguredNamespace } from './configured-namespaces.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { conceptObject, positiveInteger } from './option-checks.js';
import { resolveEncoding, type SettingNamer } from './resolve-encoding.js';

const SHAPE = '{ serializer?, msgpackTypes?, compression?, maxValueBytes? }';

/** `entries` (and each namespace's), validated: how every configured namespace writes and reads its entries. */
export function resolveEntries(
  given: CacheEntriesOptions | undefined,
  aliased: ReadonlyMap<string, string>,
  namespaces: readonly ConfiguredNamespace[],
): EntriesSettings {
  const entries = conceptObject('entries', given, SHAPE);
  const defaults = CACHE_DEFAULTS.entries;
  const maxValueBytes = positiveInteger(aliased.get('entries.maxValueBytes') ?? 'entries.maxValueBytes', entries.maxValueBytes ?? defaults.maxValueBytes);
  const encodingDefaults = {
    serializer: entries.serializer ?? defaults.serializer,
    compression: entries.compression ?? defaults.compression,
    maxValueBytes,
    msgpackTypes: entries.msgpackTypes ?? defaults.msgpackTypes,
  };
  const namespaceEncodings = new Map<string, EntryCodecSettings>();
  const namespaceEncodingDefaults = new Map<string, EntriesSettings['encodingDefaults']>();
  for (const { namespace, settings, aliased: nsAliased } of namespaces) {
    const own = conceptObject(`namespaces.${namespace}.entries`, settings.entries, '{ serializer?, msgpackTypes?, compression? }');
    // 0.2 named a namespace's flat key as `option "namespaces.orders." "serializer"`; kept for those keys.
    const name = entriesNamer(nsAliased, `option "namespaces.${namespace}." `, (setting) => `option "namespaces.${namespace}.${setting}"`);
    namespaceEncodings.set(namespace, encodingOver(own, encodingDefaults, name));
    namespaceEncodingDefaults.set(namespace, {
      ...encodingDefaults,
      serializer: own.serializer ?? encodingDefaults.serializer,
      compression: own.compression ?? encodingDefaults.compression,
      msgpackTypes: own.msgpackTypes ?? encodingDefaults.msgpackTypes,
    });
  }
  return {
    encoding: encodingOver(entries, encodingDefaults, entriesNamer(aliased, 'option ', (setting) => `option "${setting}"`)),
    namespaceEncodings,
    encodingDefaults,
    namespaceEncodingDefaults,
    maxValueBytes,
  };
}

/** A namespace's codec: its own entry settings over the module's. */
export function encodingOver(
  own: NamespaceEntriesOptions,
  defaults: EntriesSettings['encodingDefaults'],
  name: SettingNamer,
): EntryCodecSettings {
  return resolveEncoding(
    own.serializer ?? defaults.serializer,
    own.compression ?? defaults.compression,
    defaults.maxValueBytes,
    name,
    own.msgpackTypes ?? defaults.msgpackTypes,
  );
}

/**
 * Names an entry setting in errors as the user wrote it: a flat key of 0.2 after `flatPrefix` (`option "compression"`),
 * a new one through `named` (`option "entries.compression"`).
 */
export function entriesNamer(aliased: ReadonlyMap<string, string>, flatPrefix: string, named: (setting: string) => string): SettingNamer {
  return (setting) => (aliased.has(`entries.${setting.split('.')[0]}`) ? `${flatPrefix}"${setting}"` : named(`entries.${setting}`));
}
