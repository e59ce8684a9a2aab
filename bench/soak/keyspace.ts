/**
 * The soak's keys, their read-through settings and the timing every process agrees on. Key i lives under the prefix
 * `g<i % 10>:` (invalidated by prefix), carries the tags `t<i % 7>` and `u<i % 11>` (invalidated by tag), and is
 * read with refresh-ahead (i % 4 == 0), stale-while-revalidate (i % 4 == 1) or plainly.
 */
export const KEY_COUNT = 200;
export const PREFIX_COUNT = 10;
export const TAGS = [...Array.from({ length: 7 }, (_, i) => `t${i}`), ...Array.from({ length: 11 }, (_, i) => `u${i}`)];

export type KeyClass = 'refreshAhead' | 'staleWhileRevalidate' | 'plain';

export function keyName(index: number): string {
  return `g${index % PREFIX_COUNT}:k${index}`;
}

export function keyTags(index: number): string[] {
  return [`t${index % 7}`, `u${index % 11}`];
}

export function keyClass(index: number): KeyClass {
  return index % 4 === 0 ? 'refreshAhead' : index % 4 === 1 ? 'staleWhileRevalidate' : 'plain';
}

export function keysWithTag(tag: string): number[] {
  const [family, n] = [tag[0], Number(tag.slice(1))];
  const modulus = family === 't' ? 7 : 11;
  return range(KEY_COUNT).filter((i) => i % modulus === n);
}

export function keysWithPrefix(group: number): number[] {
  return range(KEY_COUNT).filter((i) => i % PREFIX_COUNT === group);
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Timing of one run: what instances are configured with is what the checker judges against. */
export interface SoakTiming {
  /** Logical TTL of every entry (ms). */
  ttlMs: number;
  /** staleWhileRevalidate window of the keys that have one (ms). */
  swrMs: number;
  /** l1.maxStaleness the instances run with (ms). */
  l1MaxStalenessMs: number;
  /** The bound the checker holds invalidations to (ms): the documented l1 bound of the normal configuration. */
  invalidationBoundMs: number;
}

/** The value every loader returns: the source's version of the key, when the writer committed it, when it was read. */
export interface SourceValue {
  /** key index */
  k: number;
  /** version in the source of truth */
  v: number;
  /** when the writer committed that version (epoch ms) */
  w: number;
  /** when the loader read it from the source (epoch ms) */
  r: number;
}

/** Milliseconds since the epoch, comparable across the soak's processes (same machine clock). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The source of truth's key for one cache key (on the separate "database" redis-server, never faulted). */
export function sourceKey(index: number): string {
  return `truth:${index}`;
}
