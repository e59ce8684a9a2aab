import { CACHE_DEFAULTS } from '../../lib/options/defaults.js';
import { MODULE_ALIASES } from '../../lib/options/option-aliases.js';
import { defaultValuePart, documentedFields } from '../../scripts/docs/option-docs.js';

/** The option files whose interfaces document every field with `@default`. */
const FILES = ['lib/options/cache-options.ts', 'lib/options/concept-options.ts', 'lib/options/deprecated-options.ts'];

/** Where each interface's fields live in CACHE_DEFAULTS (`''`: the top level). */
const PATHS: Record<string, string> = {
  CacheModuleOptions: '',
  DeprecatedModuleOptions: '', // mapped through MODULE_ALIASES to the new key
  StaleOptions: 'policy',
  CachePolicyOptions: 'policy',
  LockOptions: 'policy.lock',
  RefreshAheadOptions: 'whenOn.refreshAhead',
  CacheEntriesOptions: 'entries',
  CompressionSettings: 'entries.compression',
  CacheResilienceOptions: 'resilience',
  CircuitBreakerOptions: 'resilience.circuitBreaker',
  InvalidationQueueOptions: 'resilience.invalidationQueue',
  CacheMonitoringOptions: 'monitoring',
  FootprintOptions: 'whenOn.footprint',
  RedisInfoOptions: 'whenOn.redisInfo',
  CacheMemoryOptions: 'memory',
  CacheHealthOptions: 'health',
  CacheHttpOptions: 'http',
  L1Options: 'whenOn.l1',
  TagOptions: 'tags',
  TokenMemoOptions: 'whenOn.tokenMemo',
  WarmingOptions: 'warming',
};
/** Interfaces whose fields default to "the module's" (checked for a tag, not a value). */
const INHERITING = new Set(['NamespaceOptions', 'DeprecatedNamespaceOptions']);
/** A choice of server, not settings with defaults. */
const NOT_SETTINGS = new Set(['CacheRedisOptions']);

/** The value of an `@default` line: the JavaScript before an explanation in parentheses (`'5m' (as …)`). */
function valueOf(text: string): unknown {
  return new Function(`return (${defaultValuePart(text).value});`)();
}

function defaultAt(path: string): unknown {
  return path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], CACHE_DEFAULTS);
}

describe('@default in the option interfaces', () => {
  const fields = documentedFields(FILES);

  it('finds the option interfaces', () => {
    expect(new Set(fields.map(({ iface }) => iface))).toEqual(new Set([...Object.keys(PATHS), ...INHERITING, ...NOT_SETTINGS]));
  });

  it('documents every optional field with @default', () => {
    const missing = fields.filter(({ iface, optional, defaultText }) => optional && !NOT_SETTINGS.has(iface) && defaultText === undefined);
    expect(missing.map(({ where }) => where)).toEqual([]);
  });

  it('says what CACHE_DEFAULTS holds, field by field', () => {
    const wrong: string[] = [];
    for (const { where, iface, field, typeText, defaultText } of fields) {
      if (defaultText === undefined || INHERITING.has(iface) || NOT_SETTINGS.has(iface)) continue;
      const [concept, own] = iface === 'DeprecatedModuleOptions' ? MODULE_ALIASES[field] : [PATHS[iface], field];
      const path = [concept, own].filter((part) => part !== '').join('.');
      const documented = valueOf(defaultText);
      const expected = defaultAt(path);
      // `{}` on a concept means "each field at its own default", which that concept's interface documents.
      const conceptType = Object.keys(PATHS).some((name) => typeText.includes(name) && PATHS[name] === path);
      if (conceptType && typeof documented === 'object' && documented !== null && Object.keys(documented).length === 0) continue;
      if (JSON.stringify(documented) !== JSON.stringify(expected)) {
        wrong.push(`${where}: @default ${defaultText}, CACHE_DEFAULTS.${path} is ${JSON.stringify(expected)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
