import { EscapedLogger } from '../kernel/escaped-logger.js';
import { configError } from './option-checks.js';

/** Where a flat key of 0.2 lives now: its concept and its field there. */
type Home = readonly [concept: string, field: string];

/** The module's flat keys of 0.2 and their homes (docs/reference/options.md lists them). */
export const MODULE_ALIASES: Readonly<Record<string, Home>> = {
  defaultTtl: ['policy', 'ttl'],
  ttlJitter: ['policy', 'ttlJitter'],
  refreshAhead: ['policy', 'refreshAhead'],
  staleWhileRevalidate: ['policy', 'staleWhileRevalidate'],
  staleIfError: ['policy', 'staleIfError'],
  loaderTimeout: ['policy', 'loaderTimeout'],
  lock: ['policy', 'lock'],
  failedLoaderThrottle: ['policy', 'failedLoaderThrottle'],
  serializer: ['entries', 'serializer'],
  msgpackTypes: ['entries', 'msgpackTypes'],
  compression: ['entries', 'compression'],
  maxValueBytes: ['entries', 'maxValueBytes'],
  operationTimeout: ['resilience', 'operationTimeout'],
  circuitBreaker: ['resilience', 'circuitBreaker'],
  invalidationQueue: ['resilience', 'invalidationQueue'],
  failOnStartup: ['resilience', 'failOnStartup'],
  metrics: ['monitoring', 'registry'], // `metrics: { registry }`: the one field moves
  footprint: ['monitoring', 'footprint'],
  redisInfo: ['monitoring', 'redisInfo'],
  memoryMaxEntries: ['memory', 'maxEntries'],
  required: ['health', 'required'],
};

/** A namespace's flat keys of 0.2 (`namespaces.<ns>.*`, `withNamespace(ns, …)`). */
export const NAMESPACE_ALIASES: Readonly<Record<string, Home>> = {
  serializer: ['entries', 'serializer'],
  msgpackTypes: ['entries', 'msgpackTypes'],
  compression: ['entries', 'compression'],
  refreshAhead: ['policy', 'refreshAhead'],
  staleWhileRevalidate: ['policy', 'staleWhileRevalidate'],
  staleIfError: ['policy', 'staleIfError'],
  loaderTimeout: ['policy', 'loaderTimeout'],
  ttlJitter: ['policy', 'ttlJitter'],
};

/** Options with every flat key moved into its concept, and which keys were given the old way. */
export interface MovedOptions<T> {
  options: T;
  /** New path (`policy.ttl`) → the flat key it was given as (`defaultTtl`). */
  aliased: ReadonlyMap<string, string>;
}

/**
 * Moves each flat key to its home (`defaultTtl` → `policy.ttl`), refusing one given beside its new key. `path` prefixes
 * the names in errors (`namespaces.orders.`), `context` the message (`withNamespace("orders") `).
 */
export function moveFlatKeys<T extends object>(given: T, aliases: Readonly<Record<string, Home>>, path = '', context = ''): MovedOptions<T> {
  const options = { ...given } as Record<string, unknown>;
  const aliased = new Map<string, string>();
  for (const [flat, [concept, field]] of Object.entries(aliases)) {
    if (options[flat] === undefined) continue;
    const value = flat === 'metrics' ? registryOf(options.metrics, path) : options[flat];
    const home = options[concept] ?? {};
    if (home === null || typeof home !== 'object' || Array.isArray(home))
      throw configError(`${context}option "${path}${concept}" must be an object, got ${JSON.stringify(home)}`);
    const newKey = `${concept}.${field}`;
    const oldKey = flat === 'metrics' ? 'metrics.registry' : flat;
    delete options[flat];
    if (value === undefined) continue; // `metrics: {}` sets nothing
    if ((home as Record<string, unknown>)[field] !== undefined)
      throw configError(
        `${context}options "${path}${oldKey}" and "${path}${newKey}" name the same setting: give "${path}${newKey}" only ("${path}${oldKey}" is deprecated)`,
      );
    options[concept] = { ...home, [field]: value };
    aliased.set(newKey, oldKey);
  }
  return { options: options as T, aliased };
}

/** How errors name a setting: as the user wrote it (`defaultTtl`), else by its new path (`policy.ttl`). */
export function optionNamer(aliased: ReadonlyMap<string, string>, path = ''): (setting: string) => string {
  return (setting) => {
    const [concept, field, ...nested] = setting.split('.');
    const flat = aliased.get(`${concept}.${field}`);
    return path + (flat === undefined ? setting : [flat, ...nested].join('.'));
  };
}

function registryOf(metrics: unknown, path: string): unknown {
  if (metrics === null || typeof metrics !== 'object') throw configError(`option "${path}metrics" must be { registry? }`);
  return (metrics as { registry?: unknown }).registry;
}

const warned = new Set<string>();
const logger = new EscapedLogger('CacheModule');

/** The flat keys `moveFlatKeys` moved (its `aliased`: new key → old key), as [old, new] pairs, under `path`. */
export function flatKeysUsed(aliased: ReadonlyMap<string, string>, path = ''): Array<readonly [oldKey: string, newKey: string]> {
  return [...aliased].map(([newKey, oldKey]) => [path + oldKey, path + newKey] as const);
}

/**
 * One warning line for the flat keys a module (or a `withNamespace` call) used, naming each one's new key. Once per
 * key per process: a module built per test, or per tenant, does not repeat it.
 */
export function warnFlatKeys(used: ReadonlyArray<readonly [oldKey: string, newKey: string]>, context = ''): void {
  const fresh = used.filter(([oldKey]) => !warned.has(context + oldKey));
  if (fresh.length === 0) return;
  for (const [oldKey] of fresh) warned.add(context + oldKey);
  const pairs = fresh.map(([oldKey, newKey]) => `"${oldKey}" is now "${newKey}"`).join(', ');
  logger.warn(`${context}deprecated option${fresh.length > 1 ? 's' : ''}: ${pairs} (the old keys keep working in 0.x)`);
}
