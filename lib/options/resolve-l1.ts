import { parseTtl } from '../kernel/ttl.js';
import type { L1ModuleSettings, L1Options, ResolvedL1Options } from './cache-options.js';
import type { ConfiguredNamespace } from './configured-namespaces.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { configError, positiveInteger } from './option-checks.js';

const ON = CACHE_DEFAULTS.whenOn.l1;

/** The defaults of the in-process tier once on (see L1Options). */
const DEFAULT_L1: ResolvedL1Options = {
  maxEntries: ON.maxEntries,
  maxBytes: ON.maxBytes,
  ttlMs: parseTtl(ON.ttl, 'configure'),
  maxStalenessMs: parseTtl(ON.maxStaleness, 'configure'),
  coherence: ON.coherence,
  clone: ON.clone,
};

/** The module's `l1`, and each configured namespace's over it. */
export function resolveModuleL1(l1: L1Options | undefined, namespaces: readonly ConfiguredNamespace[]): L1ModuleSettings {
  const module = resolveL1(l1 === undefined ? CACHE_DEFAULTS.l1 : l1, 'l1'); // null is refused, as any other non-object
  return {
    l1: module,
    namespaceL1: new Map(namespaces.map(({ namespace, settings }) => [namespace, resolveL1(settings.l1, `namespaces.${namespace}.l1`, module)])),
  };
}

const KNOWN = new Set(['maxEntries', 'maxBytes', 'ttl', 'maxStaleness', 'coherence', 'clone']);

/**
 * `l1` settings over `base` (the module's, for a namespace); `false` turns the tier off. `where` names the option in
 * errors: `l1` or `namespaces.orders.l1`.
 */
export function resolveL1(l1: L1Options | false | undefined, where: string, base?: ResolvedL1Options): ResolvedL1Options | undefined {
  if (l1 === undefined) return base;
  if (l1 === false) return undefined;
  if (l1 === null || typeof l1 !== 'object' || Array.isArray(l1))
    throw configError(
      `option "${where}" must be { maxEntries?, maxBytes?, ttl?, maxStaleness?, coherence?, clone? }, got ${JSON.stringify(l1)}`,
    );
  const unknown = Object.keys(l1).filter((name) => !KNOWN.has(name));
  if (unknown.length > 0) throw configError(`option "${where}" has unknown settings: ${unknown.join(', ')}`);
  const from = base ?? DEFAULT_L1;
  const resolved: ResolvedL1Options = {
    maxEntries: positiveInteger(`${where}.maxEntries`, l1.maxEntries ?? from.maxEntries),
    maxBytes: positiveInteger(`${where}.maxBytes`, l1.maxBytes ?? from.maxBytes),
    ttlMs: l1.ttl === undefined ? from.ttlMs : parseTtl(l1.ttl, 'configure', undefined, `option "${where}.ttl"`),
    maxStalenessMs:
      l1.maxStaleness === undefined
        ? from.maxStalenessMs
        : parseTtl(l1.maxStaleness, 'configure', undefined, `option "${where}.maxStaleness"`),
    coherence: l1.coherence ?? from.coherence,
    clone: l1.clone ?? from.clone,
  };
  if (resolved.coherence !== 'tracking' && resolved.coherence !== 'ttl' && resolved.coherence !== 'auto')
    throw configError(`option "${where}.coherence" must be 'auto', 'tracking' or 'ttl', got ${JSON.stringify(l1.coherence)}`);
  if (typeof resolved.clone !== 'boolean')
    throw configError(`option "${where}.clone" must be true or false, got ${JSON.stringify(l1.clone)}`);
  // Below ~100 ms the lease (a heartbeat pipeline every quarter of the bound) would cost more than the tier saves.
  if (resolved.maxStalenessMs < 100)
    throw configError(`option "${where}.maxStaleness" must be at least 100 ms, got ${resolved.maxStalenessMs}`);
  return resolved;
}
