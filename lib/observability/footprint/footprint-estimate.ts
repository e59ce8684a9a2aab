import type { NodeSample } from './keyspace-sample.js';
import type { FootprintReport, NamespaceFootprint } from '../../telemetry/footprint-report.js';

/**
 * Turns node samples into per-namespace estimates. On a node with N keys where n draws found k of a namespace, it holds
 * about N·k/n keys, with variance N²·p(1−p)/n (p = k/n); nodes add up (a Cluster's masters are sampled in proportion to
 * their size). Bytes are the key estimate times the mean MEMORY USAGE of the sized keys, whose own relative error
 * (standard deviation / mean / √m) combines with the count's. A namespace drawn 0 times is reported as 0 keys with a
 * relative error of 1 (unknown, probably small: under 3·N/n keys with 95 % confidence).
 */
export function estimateFootprint(samples: readonly NodeSample[], namespaces: Iterable<string>, sampledAt: number): FootprintReport {
  const report: FootprintReport = { sampledAt, namespaces: {} };
  for (const namespace of namespaces) report.namespaces[namespace] = estimateOne(samples, namespace);
  return report;
}

function estimateOne(samples: readonly NodeSample[], namespace: string): NamespaceFootprint {
  let keys = 0;
  let variance = 0;
  let unseenSampled = false;
  const sizes: number[] = [];
  for (const sample of samples) {
    const found = sample.namespaces.get(namespace);
    if (found !== undefined) sizes.push(...found.sizes);
    if (sample.exhaustive) {
      keys += found?.seen ?? 0;
      continue;
    }
    if (sample.drawn === 0) continue;
    const share = (found?.seen ?? 0) / sample.drawn;
    if (share === 0) unseenSampled = true;
    keys += share * sample.dbsize;
    variance += (sample.dbsize * sample.dbsize * share * (1 - share)) / sample.drawn;
  }
  if (keys === 0) return { keys: 0, bytes: 0, keysError: unseenSampled ? 1 : 0, bytesError: unseenSampled ? 1 : 0 };
  const keysError = Math.sqrt(variance) / keys;
  const { mean, relativeError } = meanOf(sizes, keys);
  return {
    keys: Math.round(keys),
    bytes: Math.round(keys * mean),
    keysError: round(keysError),
    bytesError: round(Math.sqrt(keysError * keysError + relativeError * relativeError)),
  };
}

/** Mean of the sizes and its relative standard error (0 when every key was sized). */
function meanOf(sizes: readonly number[], population: number): { mean: number; relativeError: number } {
  if (sizes.length === 0) return { mean: 0, relativeError: 1 };
  const mean = sizes.reduce((sum, size) => sum + size, 0) / sizes.length;
  if (sizes.length >= population || mean === 0) return { mean, relativeError: 0 };
  const variance = sizes.reduce((sum, size) => sum + (size - mean) ** 2, 0) / Math.max(1, sizes.length - 1);
  return { mean, relativeError: Math.sqrt(variance / sizes.length) / mean };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
