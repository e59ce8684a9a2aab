import { CacheError } from '../kernel/cache-error.js';
import { parseTtl } from '../kernel/ttl.js';
import type { L1Options, ResolvedL1Options } from './cache-options.js';

/** The defaults of the in-process tier (see L1Options). */
export const DEFAULT_L1: ResolvedL1Options = {
  maxEntries: 10_000,
  maxBytes: 64 * 1024 * 1024,
  ttlMs: 60_000,
  maxStalenessMs: 2000,
  coherence: 'auto',
  clone: false,
};

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
    throw configError(`option "${where}.coherence" must be 'tracking' or 'ttl', got ${JSON.stringify(l1.coherence)}`);
  if (typeof resolved.clone !== 'boolean')
    throw configError(`option "${where}.clone" must be true or false, got ${JSON.stringify(l1.clone)}`);
  // Below ~100 ms the lease (a PING every quarter of the bound) would cost more than the tier saves.
  if (resolved.maxStalenessMs < 100)
    throw configError(`option "${where}.maxStaleness" must be at least 100 ms, got ${resolved.maxStalenessMs}`);
  return resolved;
}

function positiveInteger(option: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw configError(`option "${option}" must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function configError(message: string): CacheError {
  return new CacheError('configure', undefined, message);
}
