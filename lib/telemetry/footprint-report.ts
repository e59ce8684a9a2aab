import { countField, objectField } from './report-check.js';

/** The footprint estimate of one namespace. */
export interface NamespaceFootprint {
  /** Estimated number of keys. */
  keys: number;
  /** Estimated bytes (MEMORY USAGE: key, value and Redis's overhead per key). */
  bytes: number;
  /** Relative standard error of `keys`: 0 when counted exactly, 1 when the namespace was not seen in the sample. */
  keysError: number;
  /** Relative standard error of `bytes`. */
  bytesError: number;
}

/** What one sampling run found, shared with the fleet through Redis. */
export interface FootprintReport {
  /** When it was sampled, ms since the epoch. */
  sampledAt: number;
  namespaces: Record<string, NamespaceFootprint>;
}

/**
 * A footprint report another instance shared, checked: a plain object of finite non-negative numbers. Only the namespaces
 * in `known` are kept (each becomes a label of four series): another instance may have made namespaces this one has not,
 * and a forged report may name any number. Throws InvalidReport.
 */
export function checkFootprintReport(value: unknown, known: ReadonlySet<string>): FootprintReport {
  const report = objectField(value, 'the report');
  const sampledAt = countField(report, 'sampledAt', 'the report');
  const namespaces = objectField(Object.hasOwn(report, 'namespaces') ? report.namespaces : undefined, 'the report\'s namespaces');
  // No prototype: a namespace called "constructor" must not find Object's.
  const kept: Record<string, NamespaceFootprint> = Object.create(null) as Record<string, NamespaceFootprint>;
  for (const [namespace, entry] of Object.entries(namespaces)) {
    const footprint = objectField(entry, 'a namespace\'s footprint');
    const checked = {
      keys: countField(footprint, 'keys', 'a namespace\'s footprint'),
      bytes: countField(footprint, 'bytes', 'a namespace\'s footprint'),
      keysError: countField(footprint, 'keysError', 'a namespace\'s footprint'),
      bytesError: countField(footprint, 'bytesError', 'a namespace\'s footprint'),
    };
    if (known.has(namespace)) kept[namespace] = checked;
  }
  return { sampledAt, namespaces: kept };
}
